"""Headless Chromium: a charges spreadsheet from another billing system, through the column
mapping step, to the MRR on the Metrics page.

Run alone with ``pytest -m browser greenroom/sources/tests/test_browser_billing.py``.
"""

import re
import time
from datetime import datetime

import pytest
from playwright.sync_api import expect

from greenroom.testing.browser import SCREENSHOTS

pytestmark = pytest.mark.browser

# Headers no alias matches, so the mapping step is what makes the file readable.
HEADERS = "Kunde,Monat,Betrag,Waehrung"
ADDED = 12_345.67


def _mrr_by_month(page) -> tuple[str, dict[str, float]]:
    """The Metrics page's currency and its "MRR by month" table (month label → value)."""
    page.goto("/metrics/")
    heading = page.locator("#mrr-title").inner_text()
    currency = re.search(r"\((\w{3})\)", heading)
    assert currency, heading
    table = page.locator("section", has=page.locator("#mrr-title"))
    values = {}
    for row in table.locator("tbody tr").all():
        month = row.locator("th").inner_text()
        values[month] = float(row.locator("td.num").inner_text().replace(",", ""))
    return currency[1], values


def test_it_maps_a_charges_file_and_shows_its_mrr_on_the_metrics_page(
    admin_page, job_worker, tmp_path
):
    page = admin_page
    currency, before = _mrr_by_month(page)
    # A closed month: the running one moves with the refresh's as-of date, a past one not.
    month = list(before)[-4]
    period = datetime.strptime(month, "%b %Y").strftime("%Y-%m")
    charges = tmp_path / "charges.csv"
    # 10,000.00 + 2,345.67 = ADDED, for two customers new to the sandbox.
    charges.write_text(
        f"{HEADERS}\n"
        f'nordwind-gmbh,{period},"10,000.00",{currency}\n'
        f"suedwind-ag,{period},2345.67,{currency}\n"
    )

    page.goto("/sources/new/")
    page.get_by_label("Name").fill("other-billing")
    page.get_by_label("Kind").select_option("billing_charges")
    page.get_by_role("button", name="Add source").click()
    page.locator("#id_file").set_input_files(str(charges))
    page.get_by_role("button", name="Upload").click()

    columns = page.locator("section", has_text="Columns of")
    expect(columns.get_by_role("columnheader", name="Betrag")).to_be_visible()
    for field, column in [
        ("customer", "Kunde"),
        ("period", "Monat"),
        ("amount", "Betrag"),
        ("currency", "Waehrung"),
    ]:
        page.locator(f"#map-{field}").select_option(column)
    page.get_by_role("button", name="Save column map").click()
    expect(page.get_by_text("Saved the column map")).to_be_visible()

    page.get_by_role("button", name="Sync now").click()
    history = page.locator("#list")
    status = history.locator("tbody .badge").first
    # The page follows the sync by itself and reloads when it ends: wait, never reload here
    # (a reload of ours would race the page's own).
    expect(status).to_have_text(
        re.compile("Succeeded|Partly loaded|Rejected|Failed|Skipped"), timeout=90_000
    )
    assert status.inner_text() == "Succeeded", history.inner_text()

    # The sync queues a refresh; the page shows the new figure once it is published.
    after = before
    for _ in range(90):
        after = _mrr_by_month(page)[1]
        if after[month] != before[month]:
            break
        time.sleep(1)
    page.screenshot(path=SCREENSHOTS / "billing-charges-mrr.png", full_page=True)
    assert after[month] - before[month] == pytest.approx(ADDED, abs=0.011)
