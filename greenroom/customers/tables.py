"""Read an uploaded CSV or Excel file into rows of text, reporting what is wrong with it.

Every value comes out as a stripped string so the importers parse CSV and XLSX the same
way; problems carry the file's own line numbers so people can find them.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError

XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    """A file's header and rows (line number, values by header), plus unreadable rows."""

    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def table_read(*, name: str, data: bytes) -> Table:
    """The rows of a CSV (UTF-8, comma or semicolon) or XLSX file."""
    if data.startswith(XLSX_MAGIC) or name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(name, data)
    return _read_csv(name, data)


def _read_csv(name: str, data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ValidationError(
            f"{name}: line {line} is not valid UTF-8 (byte {error.start}); "
            "export the file again as CSV UTF-8."
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        headers = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise ValidationError(f"{name}: the file is empty.") from None
    except csv.Error as error:
        raise ValidationError(f"{name}: line 1: {error}") from None
    table = Table(name, _checked_headers(name, headers))
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            table.problems.append((start, f"unreadable row ({error})"))
            continue
        _add_row(table, start, [cell.strip() for cell in cells])
    return table


def _read_xlsx(name: str, data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many unrelated types for a broken file
        raise ValidationError(f"{name}: not a readable Excel file ({error}).") from None
    try:
        lines = book.worksheets[0].iter_rows(values_only=True)
        header_row = next(lines, None)
        if header_row is None:
            raise ValidationError(f"{name}: the first sheet is empty.")
        headers = [_cell_text(cell) for cell in header_row]
        while headers and not headers[-1]:
            headers.pop()
        table = Table(name, _checked_headers(name, headers))
        for number, cells in enumerate(lines, start=2):
            values = [_cell_text(cell) for cell in cells]
            while len(values) > len(headers) and not values[-1]:
                values.pop()
            _add_row(table, number, values)
    finally:
        book.close()
    return table


def _checked_headers(name: str, headers: list[str]) -> list[str]:
    if not any(headers):
        raise ValidationError(f"{name}: the first row must name the columns.")
    blank = [str(i + 1) for i, header in enumerate(headers) if not header]
    if blank:
        raise ValidationError(f"{name}: column {', '.join(blank)} has no name in the first row.")
    seen: set[str] = set()
    for header in headers:
        if header.lower() in seen:
            raise ValidationError(f"{name}: the column '{header}' appears twice.")
        seen.add(header.lower())
    return headers


def _add_row(table: Table, line: int, cells: list[str]) -> None:
    if not any(cells):
        return
    if len(cells) > len(table.headers):
        table.problems.append(
            (line, f"{len(cells)} values but the header names {len(table.headers)} columns")
        )
        return
    cells = cells + [""] * (len(table.headers) - len(cells))
    table.rows.append((line, dict(zip(table.headers, cells, strict=True))))


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
