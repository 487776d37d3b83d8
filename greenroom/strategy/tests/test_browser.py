"""A product manager opens the goals and sees a key result's live status, on a desktop and
on a phone; screenshots land in ``test-results/screenshots/`` to be looked at."""

import re

import pytest
from playwright.sync_api import expect

from greenroom.testing.browser import EMAILS, SCREENSHOTS, sign_in
from greenroom.testing.browser_support import PageProblems

pytestmark = pytest.mark.browser

STATUS = re.compile(r"On track|At risk|Off track")


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_a_pm_sees_a_key_results_live_status(new_page, sandbox_url, size):
    page = new_page()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    problems = PageProblems(sandbox_url)
    problems.watch(page)
    sign_in(page, EMAILS["product_manager"])
    page.wait_for_url(f"{sandbox_url}/")
    page.goto("/strategy/goals/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Are we on track?")
    row = page.get_by_role("row").filter(has_text="Harbor Pay monthly active users")
    expect(row.locator(".badge")).to_have_text(STATUS)
    page.screenshot(path=SCREENSHOTS / f"strategy-goals-{size[0]}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]

    row.get_by_role("link", name="Harbor Pay monthly active users").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(STATUS)
    expect(page.get_by_role("status")).to_contain_text("expected by today")
    expect(page.get_by_text("the metric mau")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"strategy-key-result-{size[0]}.png", full_page=True)
    assert not problems.found + problems.csp_violations
