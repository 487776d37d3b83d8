"""Headless Chromium against a served sandbox: every page, sign-in, roles, htmx and a11y.

Run alone with ``pytest -m browser``. Screenshots of every page land in
``test-results/screenshots/`` for a human to look at.
"""

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils.text import slugify
from playwright.sync_api import expect

from greenroom import registry
from greenroom.testing.browser import EMAILS, SCREENSHOTS, sign_in
from greenroom.testing.browser_support import (
    BLOCKING_IMPACTS,
    PageProblems,
    axe_report,
)

pytestmark = pytest.mark.browser


def _pages() -> list[tuple[str, Callable[[], str]]]:
    """(screenshot name, URL) for every page in the navigation, plus the API docs."""
    titles = {section.key: section.title for section in registry.entries(registry.Section)}
    pages = []
    for item in registry.entries(registry.NavEntry):
        title = titles[item.section]
        name = slugify(f"{title} {item.label}") if title else slugify(item.label)
        pages.append((name, item.url))
    pages.append(("api-docs", lambda: "/api/v1/docs"))
    return pages


PAGES = _pages()


def test_it_signs_in_the_admin_through_the_login_form(new_page, sandbox_url):
    page = new_page()
    sign_in(page, EMAILS["admin"])

    expect(page).to_have_url(f"{sandbox_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbor Systems")
    expect(page.get_by_role("banner")).to_contain_text("Ada Admin")


@pytest.mark.parametrize(("name", "url"), PAGES, ids=[name for name, _ in PAGES])
def test_it_serves_every_page_without_errors_or_serious_accessibility_problems(
    admin_page, sandbox_url, name, url
):
    problems = PageProblems(sandbox_url)
    problems.watch(admin_page)

    response = admin_page.goto(url())
    admin_page.wait_for_load_state("networkidle")
    admin_page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    violations = Axe().run(admin_page).response["violations"]

    failures = list(problems.found)
    if response is None or response.status != 200:
        failures.append(f"{url()} answered {response and response.status}")
    policy = response.headers.get("content-security-policy", "") if response else ""
    if "script-src 'self'" not in policy or "unsafe" in policy:
        failures.append(f"no strict Content-Security-Policy, got {policy!r}")
    if problems.csp_violations:
        failures.append(
            "Content-Security-Policy violations:\n" + "\n".join(problems.csp_violations)
        )
    if not admin_page.title().strip():
        failures.append("the page has no title")
    if any(violation["impact"] in BLOCKING_IMPACTS for violation in violations):
        failures.append(f"axe found accessibility problems:\n{axe_report(violations)}")
    elif violations:
        print(f"{name}: minor accessibility findings:\n{axe_report(violations)}")
    assert not failures, f"{name} ({url()}):\n" + "\n".join(failures)


def test_it_shows_the_home_page_at_a_glance(admin_page):
    admin_page.goto("/")
    teams_card = admin_page.get_by_role("link", name=re.compile(r"^\d+ Teams$"))

    expect(teams_card).to_be_visible()
    # The viewport only: this is the picture for the README (docs/screenshot.png).
    admin_page.screenshot(path=SCREENSHOTS / "home-viewport.png")
    teams_on_card = int(teams_card.inner_text().split()[0])
    teams_card.click()
    expect(admin_page.locator("#list tbody tr")).to_have_count(teams_on_card)


def test_it_explains_a_wrong_password_without_a_server_error(new_page, sandbox_url):
    page = new_page()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        sign_in(page, EMAILS["product_manager"], "not-the-password")

    assert posted.value.status == 200
    expect(page).to_have_url(f"{sandbox_url}/login/")
    expect(page.get_by_role("alert")).to_contain_text("That email and password do not match")
    expect(page.get_by_label("Email")).to_have_value(EMAILS["product_manager"])
    page.screenshot(path=SCREENSHOTS / "login-wrong-password.png")


def test_it_hides_user_management_from_a_viewer(new_page):
    page = new_page()
    sign_in(page, EMAILS["viewer"])
    sidebar = page.get_by_role("navigation", name="Main")

    expect(sidebar.get_by_role("link", name="Teams")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Users & roles")).to_have_count(0)
    response = page.goto("/settings/users/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    page.screenshot(path=SCREENSHOTS / "viewer-not-allowed.png")


def test_it_lets_product_ops_add_a_team_through_the_form(new_page, sandbox_url):
    page = new_page()
    sign_in(page, EMAILS["product_ops"])
    page.goto("/organisation/teams/")
    page.get_by_role("link", name="Add team").first.click()
    page.get_by_label("Name").fill("Browser Guild")
    page.get_by_label("Headcount plan").fill("4")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{sandbox_url}/organisation/teams/")
    expect(page.get_by_role("status")).to_contain_text("Saved team “Browser Guild”")
    expect(page.get_by_role("row", name=re.compile("Browser Guild"))).to_be_visible()


def test_it_reports_what_the_content_security_policy_refuses(admin_page, sandbox_url):
    problems = PageProblems(sandbox_url)
    problems.watch(admin_page)
    admin_page.goto("/")
    # What an injection would try: an inline script and an inline style.
    admin_page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
        }"""
    )

    expect(admin_page.locator("body")).to_be_visible()
    assert admin_page.evaluate("window.injected") is None
    assert any("inline script" in text for text in problems.csp_violations)
    assert any("inline style" in text for text in problems.csp_violations)


def test_it_filters_a_list_with_htmx_without_reloading_the_page(admin_page, sandbox_url):
    problems = PageProblems(sandbox_url)
    problems.watch(admin_page)
    admin_page.goto("/organisation/teams/")
    rows = admin_page.locator("#list tbody tr")
    assert rows.count() > 1
    # A full reload would start a new window object and lose this.
    admin_page.evaluate("window.stillTheSamePage = true")

    with admin_page.expect_response(lambda r: "q=Dashboards" in r.url) as searched:
        admin_page.get_by_role("searchbox", name="Search").fill("Dashboards")

    assert searched.value.request.headers.get("hx-request") == "true"
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Dashboards")
    expect(admin_page).to_have_url(re.compile(r"/organisation/teams/\?q=Dashboards$"))
    assert admin_page.evaluate("window.stillTheSamePage") is True
    assert not problems.found + problems.csp_violations


def test_it_finds_from_the_search_box_as_the_member_types(admin_page, sandbox_url):
    problems = PageProblems(sandbox_url)
    problems.watch(admin_page)
    admin_page.goto("/")

    with admin_page.expect_response(lambda r: "/search/?q=Dashboards" in r.url) as searched:
        admin_page.get_by_role("searchbox", name="Find anything").fill("Dashboards")
    results = admin_page.locator("#search-results")
    team = results.get_by_role("link", name="Dashboards", exact=True)

    assert searched.value.request.headers.get("hx-request") == "true"
    expect(team).to_be_visible()
    admin_page.screenshot(path=SCREENSHOTS / "search-box.png")
    team.click()
    expect(admin_page).to_have_url(re.compile(r"/organisation/teams/\?q=Dashboards$"))
    expect(admin_page.locator("#list tbody tr")).to_have_count(1)
    assert not problems.found + problems.csp_violations


def test_it_makes_the_skip_link_the_first_tab_stop(admin_page):
    admin_page.goto("/")
    admin_page.keyboard.press("Tab")
    skip_link = admin_page.get_by_role("link", name="Skip to content")

    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    admin_page.keyboard.press("Enter")
    expect(admin_page.locator("main")).to_be_focused()


def test_it_filters_and_sorts_the_accounts_in_place(admin_page, sandbox_url):
    problems = PageProblems(sandbox_url)
    problems.watch(admin_page)
    admin_page.goto("/customers/accounts/")
    admin_page.evaluate("window.stillTheSamePage = true")
    heading = admin_page.locator("#list th", has_text="Account")
    expect(heading).to_have_attribute("aria-sort", "ascending")

    with admin_page.expect_response(lambda r: "segment=" in r.url):
        admin_page.get_by_label("Segment").select_option(label="Enterprise")
    expect(admin_page.locator("#list")).to_contain_text("matching the filters")
    expect(admin_page).to_have_url(re.compile(r"segment=\d+"))
    heading.get_by_role("link").click()

    expect(heading).to_have_attribute("aria-sort", "descending")
    expect(admin_page).to_have_url(re.compile(r"segment=\d+.*sort=-name"))
    cells = admin_page.locator("#list tbody tr td:nth-child(2)")
    assert set(cells.all_inner_texts()) == {"Enterprise"}
    assert admin_page.evaluate("window.stillTheSamePage") is True
    assert not problems.found + problems.csp_violations
