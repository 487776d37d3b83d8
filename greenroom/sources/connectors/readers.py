"""Turning a scanned file into the batch input ``_in`` inside DuckDB, with file row numbers.

JSON lines are read one line per row (read_csv with a delimiter that never occurs) so every
row keeps its line number, then parsed once with json_transform into a struct of the fields
the connector needs. CSV is read with DuckDB's sniffer, every column as text; Parquet as is.
"""

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from greenroom.lib.imports.columns import column_key
from greenroom.lib.imports.report import Problem
from greenroom.lib.redact import redact_paths
from greenroom.sources.connectors.base import BatchInvalid
from greenroom.sources.connectors.files import Scan, slice_for_reading

# Column names listed in an error: enough to spot a typo, not a dump of a wide file.
MAX_COLUMNS_LISTED = 40
MAX_COLUMN_NAME = 60


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def jsonl_prepare(
    conn: duckdb.DuckDBPyConnection,
    found: Scan,
    spec: dict[str, Any],
    *,
    drop: set[int],
    keep_record: bool = True,
) -> int:
    """Create ``_in(_row, _record, _valid, j)`` from JSON lines; returns the rows read.

    A line is valid when it parses (try() turns json_transform's failure into NULL, in one
    parse where json_valid would add a second) and is an object (it starts with "{").
    Without ``keep_record`` the line itself is not kept (the largest column by far); the
    loader reads the few it needs for quarantined rows back from the file.
    """
    record = "line" if keep_record else "NULL::VARCHAR"
    drop_input(conn)
    path = slice_for_reading(found, drop_lines=drop)
    try:
        if not keep_record and not drop and _fast_read(conn, path, found, spec):
            return found.lines
        _read_lines(conn, path, found, spec, record)
    except duckdb.Error as error:
        # E.g. a line holding the delimiter byte chr(1), which no JSON text has.
        raise BatchInvalid(
            [unreadable(found.path.name, error, line_one=found.first_line)]
        ) from None
    finally:
        if path != found.path:
            path.unlink(missing_ok=True)
    if drop:
        conn.execute(f"DELETE FROM _in WHERE _row IN ({', '.join(str(r) for r in drop)})")
    return conn.execute("SELECT count(*) FROM _in").fetchone()[0]


def drop_input(conn: duckdb.DuckDBPyConnection) -> None:
    """Drop the previous batch's ``_in``, a table or a view of its file (DuckDB replaces
    neither with the other)."""
    kind = conn.execute(
        "SELECT 'VIEW' FROM duckdb_views() WHERE view_name = '_in' AND temporary "
        "UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = '_in' AND temporary"
    ).fetchone()
    if kind:
        conn.execute(f"DROP {kind[0]} _in")


def _read_lines(
    conn: duckdb.DuckDBPyConnection, path: Path, found: Scan, spec: dict[str, Any], record: str
) -> None:
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _in AS
        SELECT _row, {record} AS _record,
               j IS NOT NULL AND starts_with(ltrim(line), '{{') AS _valid, j
        FROM (
            SELECT row_number() OVER () + {found.first_line - 1} AS _row, line,
                   try(json_transform(line, {_quote(json.dumps(spec))})) AS j
            FROM read_csv({_quote(str(path))}, columns = {{'line': 'VARCHAR'}},
                          header = false, delim = chr(1), quote = '', escape = '',
                          auto_detect = false)
        )
        WHERE line IS NOT NULL AND trim(line) <> ''
        """
    )


def _fast_read(conn: duckdb.DuckDBPyConnection, path: Path, found: Scan, spec: dict) -> bool:
    """``_in`` by DuckDB's own JSON reader, when every line is a clean JSON object.

    About twice as fast as parsing line by line, but it stops at the first bad line and skips
    blank ones (so its row numbers would no longer be line numbers). Either makes this return
    False, and the caller reads line by line, which reports every problem by its line.
    """
    columns = "{" + ", ".join(f"{_quote(k)}: {_quote(_type(v))}" for k, v in spec.items()) + "}"
    try:
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _in AS
            SELECT NULL::BIGINT AS _row, NULL::VARCHAR AS _record, true AS _valid, r AS j
            FROM read_json({_quote(str(path))}, format = 'newline_delimited', records = true,
                           columns = {columns}) r
            """
        )
    except duckdb.Error:
        return False
    if conn.execute("SELECT count(*) FROM _in").fetchone()[0] != found.lines:
        return False
    # Numbered once written, by its place in the table, which is the line's place in the file
    # (insertion order is kept): a numbering window made the read gather every row first.
    conn.execute(f"UPDATE _in SET _row = rowid + {found.first_line}")
    return True


def _type(spec: Any) -> str:
    if isinstance(spec, dict):
        fields = ", ".join(f'"{name}" {_type(value)}' for name, value in spec.items())
        return f"STRUCT({fields})"
    return str(spec)


def csv_prepare(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    columns: dict[str, str],
    *,
    first_row: int,
    drop: set[int],
    keep_record: bool = True,
    absent: Iterable[str] = (),
    view: bool = False,
) -> int:
    """Create ``_in(_row, _record, <field>...)`` from a CSV or Parquet file, columns mapped.

    ``columns`` maps each wanted field to the file's column; ``first_row`` is the row number
    of the first record (2 for a whole CSV: the header is row 1); ``drop`` rows were blanked.
    Without ``keep_record`` the row is not kept as JSON (only quarantine needs it, and writing
    it costs more than reading the file). ``absent`` fields are NULL columns. With ``view``,
    a Parquet file's ``_in`` (no rows dropped, none kept) is a view of the file: the stage
    reads the file itself, and no copy of every row is made first (0.6 of 5.5 CPU-s per
    million PostHog events).
    """
    select = table_select(
        path, columns, first_row=first_row, keep_record=keep_record, absent=absent
    )
    numbered = path.suffix.lower() == ".parquet" and not keep_record
    # Only Parquet, numbered by the reader, can be a view.
    made = "VIEW" if view and numbered and not drop else "TABLE"
    drop_input(conn)
    conn.execute(f"CREATE TEMP {made} _in AS {select}")
    if not numbered:
        number_rows(conn, "_in", first_row=first_row)
    if drop:
        conn.execute(f"DELETE FROM _in WHERE _row IN ({', '.join(str(r) for r in drop)})")
    return conn.execute("SELECT count(*) FROM _in").fetchone()[0]


def table_select(
    path: Path,
    columns: dict[str, str],
    *,
    first_row: int,
    keep_record: bool,
    absent: Iterable[str] = (),
) -> str:
    """The SELECT reading a CSV or Parquet file as ``_in``'s rows (see csv_prepare). Only a
    Parquet file numbers its rows (``_row``) as it is read; a CSV's are NULL until the table
    written from it is numbered by ``number_rows``."""
    record = "to_json(r)::VARCHAR" if keep_record else "NULL::VARCHAR"
    # Text throughout, Parquet too: values are converted (and checked) by the stages.
    selected = ", ".join(
        [f"r.{_ident(column)}::VARCHAR AS {_ident(name)}" for name, column in columns.items()]
        + [f"NULL::VARCHAR AS {_ident(name)}" for name in absent]
    )
    # Parquet numbers its rows itself, read in parallel (unless the whole row is kept as
    # JSON, which would then hold the number too).
    if path.suffix.lower() == ".parquet" and not keep_record:
        relation = f"read_parquet({_quote(str(path))}, file_row_number = true)"
        row = f"r.file_row_number + {first_row}"
    else:
        # Numbered once written: a numbering window here made every step after it (the
        # connector's shape too) run on one thread, in order.
        relation, row = _relation(path), "NULL::BIGINT"
    return f"SELECT {row} AS _row, {record} AS _record, {selected} FROM {relation} r"


def number_rows(conn: duckdb.DuckDBPyConnection, table: str, *, first_row: int) -> None:
    """Set ``_row`` of a table written straight from a file (no join, no grouping) to each
    row's place in the file: the table keeps the file's order (DuckDB preserves insertion
    order, read in parallel or not), so its row id is that place."""
    conn.execute(f"UPDATE {table} SET _row = rowid + {int(first_row)}")


def _relation(path: Path) -> str:
    if path.suffix.lower() == ".parquet":
        return f"read_parquet({_quote(str(path))})"
    return _csv_relation(path)


def _csv_relation(path: Path) -> str:
    return (
        f"read_csv({_quote(str(path))}, header = true, all_varchar = true, "
        "sample_size = 20480, null_padding = true)"
    )


def table_columns(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The column names of a CSV or Parquet file, as DuckDB reads them."""
    described = conn.execute(f"DESCRIBE SELECT * FROM {_relation(path)}").fetchall()
    return [row[0] for row in described]


def map_columns(
    file_name: str,
    found: list[str],
    fields: dict[str, tuple[str, ...]],
    required: set[str],
    overrides: dict[str, str],
) -> tuple[dict[str, str], list[Problem]]:
    """Match wanted fields to the file's columns by alias (case and spacing ignored).

    ``overrides`` is the source's own column map (field → column). A missing required field
    is one error naming what was expected and what the file has.
    """
    by_key = {column_key(column): column for column in found}
    mapped: dict[str, str] = {}
    errors: list[Problem] = []
    for name, aliases in fields.items():
        wanted = overrides.get(name)
        if wanted:
            if wanted in found:
                mapped[name] = wanted
                continue
            errors.append(
                Problem(
                    file_name,
                    1,
                    name,
                    f"the column map names {wanted!r}, which is not in the file; "
                    f"{found_columns(found)}",
                )
            )
            continue
        for alias in (name, *aliases):
            if column_key(alias) in by_key:
                mapped[name] = by_key[column_key(alias)]
                break
        else:
            if name in required:
                expected = " or ".join(repr(a) for a in (name, *aliases))
                errors.append(
                    Problem(
                        file_name,
                        1,
                        name,
                        f"missing column: expected {expected}; {found_columns(found)}",
                    )
                )
    return mapped, errors


def found_columns(found: list[str]) -> str:
    """The file's column names for an error message, or why they are not listed.

    A file whose first line reads as one column is not a table with a header (a key, a
    note, a file split on another character); its first line is all it would show, so it
    is described, never repeated.
    """
    if len(found) < 2:
        return (
            "its first line is not a header of column names separated by commas, "
            "semicolons, tabs or | (is it a CSV file?)"
        )
    names = [
        name if len(name) <= MAX_COLUMN_NAME else name[:MAX_COLUMN_NAME] + "…" for name in found
    ]
    listed = ", ".join(names[:MAX_COLUMNS_LISTED])
    more = len(names) - MAX_COLUMNS_LISTED
    return f"found columns: {listed}" + (f" and {more} more" if more > 0 else "")


def unreadable(file_name: str, error: duckdb.Error, *, line_one: int | None) -> Problem:
    """A DuckDB error reading ``file_name`` as a problem its owner can act on.

    DuckDB's own message names the server path and may quote the offending line; this keeps
    the line number and the kind of problem. ``line_one`` is the file's row number of what
    DuckDB read as line 1 (a resumed read starts mid-file; None when unknown).
    """
    text = str(error)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    if line:
        columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
        reason = (
            f"expected {columns[1]} columns, found {columns[2]}"
            if columns
            else "this line cannot be read as CSV (an unclosed quote?)"
        )
        row = line_one + int(line[1]) - 1 if line_one is not None else None
        return Problem(file_name, row, "(line)", reason)
    if Path(file_name).suffix.lower() == ".parquet":
        reason = "not a readable Parquet file: it is damaged or cut short (copy it again whole)"
    elif "sniffing" in text:
        reason = (
            "cannot be read as CSV: no consistent separator or quoting was found "
            "(is it a CSV file, in UTF-8?)"
        )
    elif "No files found" in text:
        reason = "the file is no longer there (moved or deleted during the sync)"
    else:
        # Unforeseen: DuckDB's first line says what kind of problem, minus what it quotes.
        first = re.sub(r"'[^']*'|\"[^\"]*\"", "…", text.splitlines()[0] if text else "")
        reason = f"cannot be read: {redact_paths(first)}"
    return Problem(file_name, None, "(file)", reason)


def sniff_format(path: Path) -> str:
    """What a text file's first line looks like: "json" (an object or a list), "csv" (a
    header of several names split by , ; tab or |), or "other". A file given to the wrong
    connector is told apart once, by this, instead of failing on every row."""
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    if text[:1] in ("{", "["):
        return "json"
    first = text.split("\n", 1)[0]
    if any(first.count(sep) >= 1 for sep in (",", ";", "\t", "|")) and not first.startswith('"{'):
        return "csv"
    return "other"


def json_refused(connector: Any, path: Path) -> Problem:
    """The one problem for a JSON file given to a connector that reads tables."""
    return Problem(
        path.name,
        None,
        "(file)",
        f"this looks like JSON; the {connector.kind} connector reads CSV or Parquet — "
        "use a connector that reads JSON lines (Stripe objects, Segment, Amplitude, PostHog) "
        "or export the data as CSV",
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
