"""Read an uploaded CSV or Excel file row by row, reporting what is wrong with it.

Files are read as streams, never whole into memory: a row is parsed, checked and handed on
before the next is read. Every value comes out as a stripped string so the importers parse
CSV and XLSX the same way; problems carry the file's own line numbers so people can find them.
"""

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from typing import BinaryIO

from django.core.exceptions import ValidationError

XLSX_MAGIC = b"PK\x03\x04"
# CSV fields of a few megabytes are never real data; the csv module's default is 128 KB.
FIELD_LIMIT = 1_000_000


@dataclass
class Table:
    """A file's header and rows (line number, values by header), plus unreadable rows.

    ``rows`` may be read once; ``problems`` fills up as it is read, and ``done`` says how
    far it got, as a fraction (for progress)."""

    name: str
    headers: list[str]
    rows: Iterable[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    done: Callable[[], float] = lambda: 0.0


def table_read(*, name: str, data: bytes) -> Table:
    """The rows of a CSV or XLSX file held in memory (API requests, tests)."""
    return table_open(name=name, stream=io.BytesIO(data))


def table_open(*, name: str, stream: BinaryIO) -> Table:
    """The rows of a CSV (UTF-8, comma or semicolon) or XLSX file, read as they are used;
    a file that cannot be read at all (no header, not Excel) is refused here."""
    magic = stream.read(len(XLSX_MAGIC))
    stream.seek(0)
    if magic == XLSX_MAGIC or name.lower().endswith((".xlsx", ".xlsm")):
        return _open_xlsx(name, stream)
    return _open_csv(name, stream)


def _size(stream: BinaryIO) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _open_csv(name: str, stream: BinaryIO) -> Table:
    size = _size(stream)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        first_line = text.readline()
    except UnicodeDecodeError:
        raise _not_utf8(name, stream) from None
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(chain([first_line], text), delimiter=delimiter, strict=True)
    try:
        headers = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise ValidationError(f"{name}: the file is empty.") from None
    except csv.Error as error:
        raise ValidationError(f"{name}: line 1: {error}") from None
    table = Table(name, _checked_headers(name, headers))
    table.rows = _csv_rows(table, reader, stream)
    table.done = lambda: stream.tell() / size if size and not stream.closed else 1.0
    return table


def _csv_rows(table: Table, reader, stream: BinaryIO) -> Iterator[tuple[int, dict[str, str]]]:
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            table.problems.append((start, f"unreadable row ({error})"))
            continue
        except UnicodeDecodeError:
            raise _not_utf8(table.name, stream) from None
        row = _row(table, start, [cell.strip() for cell in cells])
        if row is not None:
            yield row


def _not_utf8(name: str, stream: BinaryIO) -> ValidationError:
    """Where the first byte that is not UTF-8 is: found by reading the file again, since
    the decoder that failed only knows its place in its own buffer."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 1
    while block := stream.read(1 << 20):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as error:
            # The decoder may hold back the start of a character from the previous block
            # (never a newline), so the bad byte can lie just before this block.
            bad = offset + error.start - (len(error.object) - len(block))
            line = lines + block[: max(bad - offset, 0)].count(b"\n")
            return ValidationError(
                f"{name}: line {line} is not valid UTF-8 (byte {bad}); "
                "export the file again as CSV UTF-8."
            )
        offset += len(block)
        lines += block.count(b"\n")
    return ValidationError(f"{name}: the file is not valid UTF-8; export it again as CSV UTF-8.")


def _open_xlsx(name: str, stream: BinaryIO) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header_row = next(lines, None)
    except Exception as error:  # openpyxl raises many unrelated types for a broken file
        raise ValidationError(f"{name}: not a readable Excel file ({error}).") from None
    if header_row is None:
        book.close()
        raise ValidationError(f"{name}: the first sheet is empty.")
    headers = [_cell_text(cell) for cell in header_row]
    while headers and not headers[-1]:
        headers.pop()
    table = Table(name, _checked_headers(name, headers))
    total = sheet.max_row or 0
    read = [1]
    table.rows = _xlsx_rows(table, book, lines, read)
    table.done = lambda: min(read[0] / total, 1.0) if total else 0.0
    return table


def _xlsx_rows(table: Table, book, lines, read: list[int]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        for number, cells in enumerate(lines, start=2):
            read[0] = number
            values = [_cell_text(cell) for cell in cells]
            while len(values) > len(table.headers) and not values[-1]:
                values.pop()
            row = _row(table, number, values)
            if row is not None:
                yield row
    finally:
        book.close()


def _checked_headers(name: str, headers: list[str]) -> list[str]:
    if not any(headers):
        raise ValidationError(f"{name}: the first row must name the columns.")
    blank = [str(i + 1) for i, header in enumerate(headers) if not header]
    if blank:
        which = f"column {blank[0]} has" if len(blank) == 1 else f"columns {', '.join(blank)} have"
        raise ValidationError(f"{name}: {which} no name in the first row.")
    seen: set[str] = set()
    for header in headers:
        if header.lower() in seen:
            raise ValidationError(f"{name}: the column '{header}' appears twice.")
        seen.add(header.lower())
    return headers


def _row(table: Table, line: int, cells: list[str]) -> tuple[int, dict[str, str]] | None:
    if not any(cells):
        return None
    if len(cells) > len(table.headers):
        table.problems.append(
            (line, f"{len(cells)} values but the header names {len(table.headers)} columns")
        )
        return None
    cells = cells + [""] * (len(table.headers) - len(cells))
    return line, dict(zip(table.headers, cells, strict=True))


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
