"""Data health, the notable changes feed and the executive overview's newest changes in
Chromium against the served sandbox (which plants its changes): charts drawn, nothing wider
than the screen, following a change, screenshots at 1280 and 390 px
(test-results/screenshots/health-*.png)."""

import pytest
from playwright.sync_api import expect

from greenroom.testing.browser import SCREENSHOTS
from greenroom.testing.browser_support import PageProblems

pytestmark = pytest.mark.browser

SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
PAGES = {
    "data-health": "/data/health/",
    "notable-changes": "/data/notable-changes/",
    "executive": "/dashboards/executive/",
}


def test_it_shows_data_health_and_the_planted_changes_and_fits_a_phone(
    new_page, admin_state, sandbox_url
):
    page = new_page(admin_state)
    problems = PageProblems(sandbox_url)
    problems.watch(page)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, url in PAGES.items():
            page.goto(url, timeout=120_000)
            charts = page.locator(".chart[data-spec]")
            expect(page.locator(".chart[data-spec] svg")).to_have_count(
                charts.count(), timeout=60_000
            )
            page.screenshot(path=SCREENSHOTS / f"health-{name}-{size}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.goto("/data/notable-changes/")
    expect(page.get_by_role("heading", name="Churn in Mid-market", exact=False)).to_be_visible()
    page.get_by_role("button", name="Follow").first.click()
    expect(page.get_by_text("Following this change.")).to_be_visible()
    assert not problems.found + problems.csp_violations
