"""Turning a scanned file into the batch input ``_in`` inside DuckDB, with file row numbers.

JSON lines are read one line per row (read_csv with a delimiter that never occurs) so every
row keeps its line number, then parsed once with json_transform into a struct of the fields
the connector needs. CSV is read with DuckDB's sniffer, every column as text; Parquet as is.
"""

import json
from pathlib import Path
from typing import Any

import duckdb

from greenroom.sources.connectors.base import RowError
from greenroom.sources.connectors.files import Scan, slice_for_reading


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
    path = slice_for_reading(found, drop_lines=drop)
    try:
        if not keep_record and not drop and _fast_read(conn, path, found, spec):
            return found.lines
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
    finally:
        if path != found.path:
            path.unlink(missing_ok=True)
    if drop:
        conn.execute(f"DELETE FROM _in WHERE _row IN ({', '.join(str(r) for r in drop)})")
    return conn.execute("SELECT count(*) FROM _in").fetchone()[0]


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
            SELECT row_number() OVER () + {found.first_line - 1} AS _row,
                   NULL::VARCHAR AS _record, true AS _valid, r AS j
            FROM read_json({_quote(str(path))}, format = 'newline_delimited', records = true,
                           columns = {columns}) r
            """
        )
    except duckdb.Error:
        return False
    return conn.execute("SELECT count(*) FROM _in").fetchone()[0] == found.lines


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
) -> int:
    """Create ``_in(_row, _record, <field>...)`` from a CSV or Parquet file, columns mapped.

    ``columns`` maps each wanted field to the file's column; ``first_row`` is the row number
    of the first record (2 for a whole CSV: the header is row 1); ``drop`` rows were blanked.
    """
    # Text throughout, Parquet too: values are converted (and checked) by the stages.
    selected = ", ".join(
        f"r.{_ident(column)}::VARCHAR AS {_ident(name)}" for name, column in columns.items()
    )
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _in AS
        SELECT row_number() OVER () + {first_row - 1} AS _row, to_json(r)::VARCHAR AS _record,
               {selected}
        FROM {_relation(path)} r
        """
    )
    if drop:
        conn.execute(f"DELETE FROM _in WHERE _row IN ({', '.join(str(r) for r in drop)})")
    return conn.execute("SELECT count(*) FROM _in").fetchone()[0]


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
) -> tuple[dict[str, str], list[RowError]]:
    """Match wanted fields to the file's columns by alias (case and spacing ignored).

    ``overrides`` is the source's own column map (field → column). A missing required field
    is one error naming what was expected and what the file has.
    """
    by_key = {_key(column): column for column in found}
    mapped: dict[str, str] = {}
    errors: list[RowError] = []
    for name, aliases in fields.items():
        wanted = overrides.get(name)
        if wanted:
            if wanted in found:
                mapped[name] = wanted
                continue
            errors.append(
                RowError(
                    file_name,
                    1,
                    name,
                    f"the column map names {wanted!r}, which is not in "
                    f"the file; found columns: {', '.join(found)}",
                )
            )
            continue
        for alias in (name, *aliases):
            if _key(alias) in by_key:
                mapped[name] = by_key[_key(alias)]
                break
        else:
            if name in required:
                expected = " or ".join(repr(a) for a in (name, *aliases))
                errors.append(
                    RowError(
                        file_name,
                        1,
                        name,
                        f"missing column: expected {expected}; found columns: {', '.join(found)}",
                    )
                )
    return mapped, errors


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
