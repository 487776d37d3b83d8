"""In a real browser: the Metrics page links its MRR export, and the CSV it downloads marks
the running month partial."""

import csv
import io

import pytest

from greenroom.testing.browser import SCREENSHOTS

pytestmark = pytest.mark.browser


def test_the_mrr_export_downloads_with_a_partial_column(admin_page):
    page = admin_page
    page.goto("/metrics/")
    page.screenshot(path=SCREENSHOTS / "metrics-export-links.png", full_page=False)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("mrr-as-of-")
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert rows[0][:2] == ["period", "partial"]
    assert {row[1] for row in rows[1:]} <= {"True", "False"}
    assert rows[-1][1] in {"True", "False"}  # the last month: to date, or complete
