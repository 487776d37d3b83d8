"""The strategy flow in a browser (one test, as the suite's budget allows per app): a product
manager sees a key result's live status, moves a roadmap item from Next to Now by drag and
drop and links it to that key result; the CPO's portfolio shows the item with the key
result's live status. Desktop and phone screenshots land in ``test-results/screenshots/``."""

import re

import pytest
from playwright.sync_api import expect

from greenroom.testing.browser import EMAILS, SCREENSHOTS, sign_in
from greenroom.testing.browser_support import PageProblems

pytestmark = pytest.mark.browser

STATUS = re.compile(r"On track|At risk|Off track")
KR = "Harbor Pay monthly active users"
ITEM = "Recurring invoices for mid-market"


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_pm_plans_against_a_key_result_and_the_cpo_sees_its_live_status(new_page, sandbox_url):
    page = new_page()
    problems = PageProblems(sandbox_url)
    problems.watch(page)
    sign_in(page, EMAILS["product_manager"])
    page.wait_for_url(f"{sandbox_url}/")

    page.goto("/strategy/goals/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Are we on track?")
    row = page.get_by_role("row").filter(has_text=KR)
    expect(row.locator(".badge")).to_have_text(STATUS)
    page.screenshot(path=SCREENSHOTS / "strategy-goals-1280.png", full_page=True)
    row.get_by_role("link", name=KR).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(STATUS)
    expect(page.get_by_text("the metric mau")).to_be_visible()

    page.goto("/strategy/goals/roadmaps/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Roadmap: Invoicing")
    card = page.locator(".board-card", has_text=ITEM)
    expect(page.locator("[data-column=Next]").locator(".board-card", has_text=ITEM)).to_be_visible()
    card.drag_to(page.locator("[data-column=Now] .board-items"))
    expect(page.get_by_role("status")).to_have_text(f"Moved “{ITEM}” to Now.")
    page.reload()
    now = page.locator("[data-column=Now]").locator(".board-card", has_text=ITEM)
    expect(now).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "roadmap-board-1280.png", full_page=True)

    now.get_by_role("link", name=ITEM).click()
    page.get_by_label("Key result").select_option(label=f"{KR} (Grow Harbor Pay)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Saved {ITEM}.")).to_be_visible()
    assert not problems.found + problems.csp_violations

    cpo = new_page()
    problems.watch(cpo)
    sign_in(cpo, EMAILS["admin"])
    cpo.wait_for_url(f"{sandbox_url}/")
    cpo.goto("/strategy/goals/roadmaps/portfolio/")
    row = cpo.get_by_role("row").filter(has_text=ITEM)
    expect(row).to_contain_text(KR)
    expect(row.locator(".badge:visible")).to_have_text(STATUS)
    expect(cpo.get_by_text(re.compile("In Now but depends on")).first).to_be_visible()
    cpo.screenshot(path=SCREENSHOTS / "roadmap-portfolio-1280.png", full_page=True)

    cpo.set_viewport_size({"width": 390, "height": 844})
    cpo.goto("/strategy/goals/roadmaps/")
    cpo.get_by_label("Team").select_option(label="Invoicing")
    cpo.get_by_role("button", name="Show").click()
    expect(cpo.locator(".board-card", has_text=ITEM)).to_be_visible()
    cpo.screenshot(path=SCREENSHOTS / "roadmap-board-390.png", full_page=True)
    _fits(cpo, 390)
    cpo.goto("/strategy/goals/roadmaps/portfolio/")
    cpo.screenshot(path=SCREENSHOTS / "roadmap-portfolio-390.png", full_page=True)
    _fits(cpo, 390)
    cpo.goto("/strategy/goals/")
    cpo.screenshot(path=SCREENSHOTS / "strategy-goals-390.png", full_page=True)
    _fits(cpo, 390)
    assert not problems.found + problems.csp_violations
