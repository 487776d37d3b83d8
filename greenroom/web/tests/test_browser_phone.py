"""The layout on a phone (390 x 844): every sidebar page fits the screen, and the menu button
opens and closes the navigation. Screenshots at 390 px and 1280 px of the busiest pages land
in ``test-results/screenshots/`` (kept out of git) for a human to look at."""

import re

import pytest
from playwright.sync_api import expect

from greenroom import registry
from greenroom.testing.browser import SCREENSHOTS
from greenroom.testing.browser_support import PageProblems

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LINKS = [(entry.label, entry.url) for entry in registry.entries(registry.NavEntry)]
LOOKED_AT = {"home": "/", "accounts": "/customers/accounts/", "contacts": "/customers/contacts/"}


@pytest.fixture
def phone_page(new_page, admin_state):
    page = new_page(admin_state)
    page.set_viewport_size(PHONE)
    return page


@pytest.mark.parametrize(("label", "url"), LINKS, ids=[label for label, _ in LINKS])
def test_every_sidebar_page_fits_a_phone_screen(phone_page, sandbox_url, label, url):
    problems = PageProblems(sandbox_url)
    problems.watch(phone_page)
    phone_page.goto(url())
    phone_page.wait_for_load_state("networkidle")

    width = phone_page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        phone_page.screenshot(path=SCREENSHOTS / f"too-wide-{label}.png", full_page=True)
    assert width <= PHONE["width"], f"{label} ({url()}) is {width} px wide"
    assert not problems.found + problems.csp_violations


def test_the_menu_button_opens_and_closes_the_navigation(phone_page):
    phone_page.goto("/")
    menu = phone_page.get_by_role("button", name="Menu")
    accounts = phone_page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Accounts"
    )

    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(accounts).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(accounts).to_be_visible()
    menu.click()
    expect(accounts).to_be_hidden()
    menu.click()
    accounts.click()
    expect(phone_page).to_have_url(re.compile(r"/customers/accounts/$"))
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Accounts")


def test_the_menu_button_is_not_shown_on_a_wide_screen(new_page, admin_state):
    page = new_page(admin_state)
    page.goto("/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts")
    ).to_be_visible()


@pytest.mark.parametrize("name", list(LOOKED_AT))
def test_it_takes_screenshots_at_phone_and_desktop_widths(new_page, admin_state, name):
    page = new_page(admin_state)
    for size, viewport in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(viewport)
        page.goto(LOOKED_AT[name])
        page.wait_for_load_state("networkidle")
        page.screenshot(path=SCREENSHOTS / f"layout-{name}-{size}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
