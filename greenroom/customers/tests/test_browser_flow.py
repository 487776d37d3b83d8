"""The customer database in a real browser: import a CRM export, find 20 admins in
mid-market European accounts who opted in to prototype tests and were not contacted in 60
days, reserve them, see the outreach on their accounts, and check a viewer sees them masked.

Run with ``pytest -m browser``; screenshots land in test-results/screenshots/customers-*.png.
"""

import re

import pytest
from playwright.sync_api import expect

from greenroom.testing.browser import EMAILS, SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser

ACCOUNTS = (
    "Account ID,Account Name,Website,Billing Country,Employees,Segment,ARR,Type\r\n"
    "001BRW0001,Brandt Logistik GmbH,brandt.example,DE,450,Mid-market,84000,Customer - Direct\r\n"
    "001BRW0002,Lumen Studio BV,lumen.example,NL,220,Mid-market,36000,Customer - Direct\r\n"
    "001BRW0003,Fjord Analytics AS,fjord.example,NO,310,Mid-market,52000,Customer - Direct\r\n"
)
CONTACTS = (
    "Contact ID,Account ID,First Name,Last Name,Title,Email,Persona\r\n"
    "003BRW01,001BRW0001,Greta,Brandt,IT Administrator,greta@brandt.example,Admin\r\n"
    "003BRW02,001BRW0001,Jonas,Keller,Workspace Admin,jonas@brandt.example,Admin\r\n"
    "003BRW03,001BRW0002,Sanne,de Vries,Systems Administrator,sanne@lumen.example,Admin\r\n"
    "003BRW04,001BRW0003,Ola,Nordmann,IT Administrator,ola@fjord.example,Admin\r\n"
)
CONSENT = "contact,kind,granted,given_at,method,source\n" + "".join(
    f"{email},prototype_test,yes,2026-06-01,web_form,Research panel form\n"
    for email in re.findall(r"[\w.]+@[\w.]+", CONTACTS)
)
STUDY = "Route planner prototype"


def _import(page, kind: str, name: str, text: str) -> None:
    page.goto("/customers/imports/")
    page.get_by_label("The file holds").select_option(kind)
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.screenshot(path=SCREENSHOTS / f"customers-import-{kind}-mapping.png", full_page=True)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()


def test_it_imports_finds_reserves_and_masks_for_a_viewer(new_page):
    ops = new_page()
    sign_in(ops, EMAILS["product_ops"])
    _import(ops, "accounts", "salesforce-accounts.csv", ACCOUNTS)
    _import(ops, "contacts", "salesforce-contacts.csv", CONTACTS)
    _import(ops, "consent", "research-consent.csv", CONSENT)
    ops.screenshot(path=SCREENSHOTS / "customers-import-report.png", full_page=True)
    ops.goto("/customers/accounts/?q=Brandt")
    expect(ops.get_by_role("row", name=re.compile("Brandt Logistik GmbH"))).to_contain_text("DACH")

    pm = new_page()
    sign_in(pm, EMAILS["product_manager"])
    pm.goto("/customers/find/")
    pm.get_by_label("Segments").select_option(label="Mid-market")
    pm.get_by_label("Regions").select_option(label="Europe, Middle East & Africa")
    pm.get_by_label("Role", exact=True).fill("admin")
    pm.get_by_label("Prototype tests").check()
    pm.get_by_label("Not contacted in (days)").fill("60")
    pm.get_by_label("How many").fill("20")
    pm.get_by_role("button", name="Find", exact=True).click()
    expect(pm.get_by_role("heading", name="20 eligible")).to_be_visible()
    expect(pm.locator("#eligible tbody tr")).to_have_count(20)
    pm.screenshot(path=SCREENSHOTS / "customers-finder.png", full_page=True)

    pm.get_by_label("Study", exact=True).fill(STUDY)
    pm.get_by_label("Kind", exact=True).select_option("prototype_test")
    pm.get_by_role("button", name="Reserve for the study").click()
    expect(pm.get_by_role("status")).to_contain_text(f"Reserved 20 for “{STUDY}”")
    expect(pm.locator("table tbody tr")).to_have_count(20)
    pm.screenshot(path=SCREENSHOTS / "customers-reserved.png", full_page=True)

    links = pm.locator("table tbody tr").first.get_by_role("link")
    contact_name = links.nth(0).inner_text()
    links.nth(1).click()
    expect(pm.get_by_role("region", name="Contacts")).to_contain_text(contact_name)
    timeline = pm.get_by_role("region", name="Outreach timeline")
    expect(timeline.get_by_role("row", name=re.compile(STUDY)).first).to_be_visible()
    expect(pm.get_by_role("region", name="Contacts")).to_contain_text(re.compile(r"\w@\w"))
    pm.screenshot(path=SCREENSHOTS / "customers-account.png", full_page=True)
    account_url = pm.url

    viewer = new_page()
    sign_in(viewer, EMAILS["viewer"])
    viewer.goto(account_url)
    contacts = viewer.get_by_role("region", name="Contacts")
    expect(contacts).to_contain_text(contact_name)
    expect(contacts).to_contain_text("•••@")
    expect(contacts).not_to_contain_text(re.compile(r"\w@\w"))
    expect(viewer.get_by_role("region", name="Outreach timeline")).to_contain_text(STUDY)
    viewer.screenshot(path=SCREENSHOTS / "customers-viewer-masked.png", full_page=True)
