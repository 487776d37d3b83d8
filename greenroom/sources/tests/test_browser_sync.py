"""The source page in a real browser: product ops upload a file that is rejected, press
"Sync now" and watch the status change to "Rejected" without reloading, then remove the file
after reading what happens to its data.

Run with ``pytest -m browser``; screenshots land in test-results/screenshots/sources-*.png.
"""

import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from greenroom.testing.browser import EMAILS, SCREENSHOTS, sign_in
from greenroom.testing.browser_support import PageProblems, greenroom_command

pytestmark = pytest.mark.browser

BAD_COSTS = "date,account,cost centre,amount,currency\n2025-01-31,6100,Billing,ten,EUR\n"


@pytest.fixture
def worker(sandbox_env) -> Iterator[None]:
    """A job worker for the served sandbox (which runs none), for this test only."""
    command = greenroom_command("worker", "--workers", "1", "--no-scheduler")
    process = subprocess.Popen(
        command, env=sandbox_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_status_follows_a_sync_live_and_a_rejected_file_can_be_removed(
    new_page, sandbox_url, worker
):
    page = new_page()
    problems = PageProblems(sandbox_url)
    problems.watch(page)
    sign_in(page, EMAILS["product_ops"])
    page.goto("/sources/")
    page.get_by_role("link", name="general-ledger").click()
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "bad-ledger.csv", "mimeType": "text/csv", "buffer": BAD_COSTS.encode()}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("it loads with the next sync")).to_be_visible()

    page.get_by_role("button", name="Sync now").click()
    state = page.locator("#sync-state")
    # Polled, then reloaded by htmx when the background sync is over: nobody presses reload.
    expect(state.locator(".badge")).to_have_text("Rejected", timeout=30_000)
    expect(page.locator("#list tbody tr").first).to_contain_text("Rejected")
    page.screenshot(path=SCREENSHOTS / "sources-rejected-live.png", full_page=True)

    page.get_by_role("link", name="Remove").last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remove")
    expect(page.get_by_text("Rows it already loaded")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "sources-remove-file.png", full_page=True)
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("no later sync reads it")).to_be_visible()
    assert not problems.found + problems.csp_violations
