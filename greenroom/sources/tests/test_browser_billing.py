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


def _latest_mrr(page) -> tuple[str, str, float]:
    """(month label, currency, value) of the Metrics page's headline MRR."""
    page.goto("/metrics/")
    stat = page.locator(".stat", has_text="MRR at").first
    label = stat.locator(".label").inner_text()
    found = re.match(r"MRR at (\w{3} \d{4}) \((\w{3})\)", label)
    assert found, label
    value = float(stat.locator(".value").inner_text().replace(",", ""))
    return found[1], found[2], value


def test_it_maps_a_charges_file_and_shows_its_mrr_on_the_metrics_page(admin_page, tmp_path):
    page = admin_page
    month, currency, before = _latest_mrr(page)
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
    page.get_by_label("File").set_input_files(str(charges))
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
    for _ in range(60):
        page.reload()
        if history.get_by_text("Succeeded").count():
            break
        assert not history.get_by_text("Rejected").count(), history.inner_text()
        time.sleep(1)
    expect(history.get_by_text("Succeeded")).to_be_visible()

    # The sync queues a refresh; the page shows the new figure once it is published.
    after = before
    for _ in range(90):
        after = _latest_mrr(page)[2]
        if after != before:
            break
        time.sleep(1)
    page.screenshot(path=SCREENSHOTS / "billing-charges-mrr.png", full_page=True)
    assert after - before == pytest.approx(ADDED, abs=0.011)
