"""Every CSV and XLSX export is written here, so no cell reaches a spreadsheet as a formula.

A text cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
spreadsheets skip before looking) is run as a formula when the file is opened: a contact
named ``=HYPERLINK("https://evil.example", "Click")`` becomes a phishing link,
``+cmd|' /C calc'!A0`` a command. OWASP's rule, followed here, prefixes such a cell with a
single quote so it stays text. Numbers (int, float, Decimal) are never text, so a real
``-5`` stays the number -5; the text "-5" or "+1 555 0100" (a phone number) is quoted.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Literal["csv", "xlsx"]
Row = Sequence[Any]


def safe_cell(value: Any) -> Any:
    """``value`` as an export may hold it: numbers, dates and blanks as they are, anything
    else as text, quoted when a spreadsheet would read it as a formula."""
    if value is None or isinstance(value, int | float | Decimal | date):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(rows: Iterable[Row]) -> Iterator[str]:
    """``rows`` as CSV text, one line at a time (a StreamingHttpResponse can send them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def xlsx_bytes(rows: Iterable[Row], *, sheet: str) -> bytes:
    """``rows`` as an Excel workbook of one sheet, written row by row (openpyxl's write-only
    mode keeps memory flat however many rows there are)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])  # Excel's limit on sheet names
    for row in rows:
        worksheet.append([_xlsx_cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = safe_cell(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        # Excel has no time zones; openpyxl refuses aware datetimes.
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, str):
        # Control characters (other than tab and line ends) are not allowed in the XML.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def export_response(rows: Iterable[Row], *, filename: str, format: Format) -> HttpResponseBase:
    """A download of ``rows`` (header first) as ``filename.csv`` or ``filename.xlsx``."""
    response: HttpResponseBase
    if format == "xlsx":
        response = HttpResponse(xlsx_bytes(rows, sheet=filename), content_type=XLSX_TYPE)
    else:
        response = StreamingHttpResponse(csv_chunks(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{format}"'
    return response
