"""Product ops compose a team dashboard of two tiles in Chromium and publish it to Invoicing;
Vera, a viewer in that team, reads it with both charts drawn and no editing controls, on a
desktop and a phone (test-results/screenshots/custom-dashboard-*.png)."""

import pytest
from playwright.sync_api import expect

from greenroom.testing.browser import EMAILS, SCREENSHOTS, sign_in
from greenroom.testing.browser_support import PageProblems

pytestmark = pytest.mark.browser

SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


def _add_tile(page, metric: str, chart: str, by: str = "") -> None:
    form = page.locator("form[action$='/tiles/']")
    form.get_by_label("Metric").select_option(label=metric)
    form.get_by_label("Chart").select_option(label=chart)
    if by:
        form.get_by_label("Slice by").select_option(label=by)
    form.get_by_role("button", name="Add tile").click()
    expect(page.get_by_text("Tile added.")).to_be_visible()


def test_it_lets_product_ops_publish_a_team_dashboard_that_the_team_reads(new_page, sandbox_url):
    ops = new_page()
    problems = PageProblems(sandbox_url)
    problems.watch(ops)
    sign_in(ops, EMAILS["product_ops"])
    ops.wait_for_url(f"{sandbox_url}/")
    ops.goto("/dashboards/custom/")
    ops.get_by_label("Name").fill("Billing weekly")
    ops.get_by_label("Invoicing").check()
    ops.get_by_role("button", name="Create and add tiles").click()
    _add_tile(ops, "ARR", "Headline number")
    _add_tile(ops, "ARR", "Bars by slice (latest period)", by="Segment")
    ops.screenshot(path=SCREENSHOTS / "custom-dashboard-editor-1280.png", full_page=True)
    viewer = new_page()
    problems.watch(viewer)
    sign_in(viewer, EMAILS["viewer"])
    viewer.wait_for_url(f"{sandbox_url}/")
    viewer.goto("/dashboards/custom/")
    viewer.get_by_role("link", name="Billing weekly").click()
    expect(viewer.get_by_role("heading", name="Billing weekly")).to_be_visible()
    expect(viewer.get_by_role("link", name="Edit dashboard")).to_have_count(0)
    for size, viewport in SIZES.items():
        viewer.set_viewport_size(viewport)
        viewer.reload()
        expect(viewer.locator(".chart[data-spec] svg")).to_have_count(2, timeout=60_000)
        viewer.screenshot(path=SCREENSHOTS / f"custom-dashboard-{size}.png", full_page=True)
        assert viewer.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert not problems.found + problems.csp_violations
