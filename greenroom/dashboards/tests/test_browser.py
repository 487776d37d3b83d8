"""The dashboards in Chromium against the served sandbox: every chart drawn from the locally
served bundle under the strict CSP, nothing wider than the screen, a filter change through
htmx with the state in the URL, and screenshots at 1280 and 390 px for a human to look at
(test-results/screenshots/dashboards-*.png)."""

import re

import pytest
from playwright.sync_api import expect

from greenroom.dashboards.selectors import DASHBOARDS
from greenroom.testing.browser import SCREENSHOTS
from greenroom.testing.browser_support import PageProblems

pytestmark = pytest.mark.browser

SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def bundle_built(admin_state, chromium, sandbox_url):
    """The first request builds the charting bundle (several seconds): once, before timing."""
    context = chromium.new_context(base_url=sandbox_url, storage_state=admin_state)
    page = context.new_page()
    page.goto("/dashboards/executive/")
    src = page.locator("script[src*='/dashboards/assets/']").get_attribute("src")
    assert context.request.get(src, timeout=120_000).ok
    context.close()


def _drawn(page) -> None:
    charts = page.locator(".chart[data-spec]")
    expect(page.locator(".chart[data-spec] svg")).to_have_count(charts.count(), timeout=30_000)


@pytest.mark.parametrize("key", list(DASHBOARDS))
def test_it_draws_every_chart_and_fits_desktop_and_phone(
    new_page, admin_state, sandbox_url, bundle_built, key
):
    page = new_page(admin_state)
    problems = PageProblems(sandbox_url)
    problems.watch(page)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.goto(f"/dashboards/{key}/", timeout=60_000)
        _drawn(page)
        page.screenshot(path=SCREENSHOTS / f"dashboards-{key}-{size}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert not problems.found + problems.csp_violations


def test_it_changes_a_filter_without_a_page_load_and_keeps_it_in_the_url(
    new_page, admin_state, bundle_built
):
    page = new_page(admin_state)
    page.goto("/dashboards/customers/", timeout=60_000)
    _drawn(page)
    page.evaluate("window.__same_page = true")
    page.get_by_label("Slice by").select_option("plan")
    expect(page).to_have_url(re.compile(r"by=plan"), timeout=30_000)
    expect(page.get_by_role("heading", name=re.compile(r"^By plan"))).to_be_visible()
    _drawn(page)
    assert page.evaluate("window.__same_page") is True  # htmx swapped the body only
    page.get_by_role("link", name="What is this?").first.click()
    expect(page.get_by_role("heading", name="Definition")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/dashboards/explain/arr/\?.*by=plan"))
