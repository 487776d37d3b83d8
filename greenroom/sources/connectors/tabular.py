"""CSV (or Parquet) files with one record per row: costs, headcount, CRM accounts, FX rates.

Columns are matched by name, ignoring case, spaces and punctuation, against each field's
known aliases (the names real exports use); a source's ``columns`` setting maps any other
name. Values stay text until SQL casts them, so a wrong type is a row error, not a crash.
"""

from abc import abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from greenroom.sources.connectors.base import Batch, BatchInvalid, Check, Connector, Stage
from greenroom.sources.connectors.files import (
    Scan,
    advance,
    file_cursor,
    file_unchanged,
    scan,
    slice_for_reading,
)
from greenroom.sources.connectors.readers import (
    csv_prepare,
    json_refused,
    map_columns,
    sniff_format,
    table_columns,
    unreadable,
)
from greenroom.sources.currencies import CURRENCIES_SQL

Fields = dict[str, tuple[str, ...]]


def table_file_batch(
    connector: Connector,
    path: Path,
    cursor: dict[str, Any],
    *,
    fields: Fields,
    required: set[str],
    stages: list[Stage],
    input_checks: list[Check] | None = None,
    from_file: bool = False,
) -> Batch | None:
    """The batch for what is new in a CSV or Parquet file since ``cursor``. ``from_file``:
    the stages read a Parquet file itself (``_in`` is a view; they must read it only once)."""
    quarantine = bool(connector.settings.get("quarantine"))
    overrides = connector.settings.get("columns") or {}
    if path.suffix.lower() == ".parquet":
        state = cursor.get("files", {}).get(str(path))
        size = path.stat().st_size
        if state and file_unchanged(path, state) and state.get("offset") == size:
            return None
        found, end, lines, errors, notices, bad = None, size, 0, [], [], set()
    else:
        start, first_line = file_cursor(cursor, path)
        found = scan(path, start, has_header=True, first_line=first_line)
        if found.end <= start and not found.errors:
            return None
        end, lines, errors, notices = found.end, found.lines, found.errors, found.notices
        bad = found.bad_lines
    next_line = (found.first_line if found else 1) + lines

    def prepare(conn: duckdb.DuckDBPyConnection) -> int:
        if found is not None and 1 in found.bad_lines:
            raise BatchInvalid([e for e in found.errors if e.row == 1])
        if found is not None and sniff_format(path) == "json":
            raise BatchInvalid([json_refused(connector, path)])
        drop = bad if quarantine else set()
        read = path if found is None else slice_for_reading(found, drop_lines=drop)
        try:
            return _prepare(conn, read, first_row=_first_row(found), drop=drop)
        finally:
            if read != path:
                read.unlink(missing_ok=True)

    def _prepare(conn, read: Path, *, first_row: int, drop: set[int]) -> int:
        # DuckDB reads the file in these two calls; its errors quote paths and lines.
        try:
            found_columns = table_columns(conn, read)
        except duckdb.Error as error:
            raise BatchInvalid([unreadable(path.name, error, line_one=first_row - 1)]) from None
        columns, mapping_errors = map_columns(path.name, found_columns, fields, required, overrides)
        if mapping_errors:
            raise BatchInvalid(mapping_errors)
        try:
            # Each row's text is only needed to quarantine it; writing it for every row
            # costs about as much as reading the file.
            return csv_prepare(
                conn,
                read,
                columns,
                first_row=first_row,
                drop=drop,
                keep_record=quarantine,
                absent=[name for name in fields if name not in columns],
                view=from_file,
            )
        except duckdb.Error as error:
            raise BatchInvalid([unreadable(path.name, error, line_one=first_row - 1)]) from None

    return Batch(
        label=path.name,
        prepare=prepare,
        stages=stages,
        input_checks=input_checks or [],
        advance_cursor=lambda current: advance(current, path, offset=end, next_line=next_line),
        errors=errors,
        notices=notices,
        bad_rows=bad,
    )


def _first_row(found: Scan | None) -> int:
    # Parquet counts records from 1; a whole CSV's first record is row 2 (the header is 1);
    # a resumed CSV read (header re-attached) starts at the line the cursor points to.
    if found is None:
        return 1
    return found.first_line + 1 if found.start == 0 else found.first_line


def currency_check(column: str = "currency") -> Check:
    """A row fails when its currency is not an ISO 4217 code."""
    return Check(
        column,
        f"{column} IS NULL OR {column} NOT IN {CURRENCIES_SQL}",
        f"CASE WHEN {column} IS NULL THEN 'missing currency' "
        f"ELSE 'unknown currency ' || {column} || ' (not an ISO 4217 code)' END",
    )


def decimal_sql(column: str) -> str:
    """Text → DECIMAL(18,2), allowing thousands separators like 1,234.50."""
    clean = (
        f"CASE WHEN regexp_full_match(trim({column}), '-?[0-9]{{1,3}}(,[0-9]{{3}})+(\\.[0-9]+)?') "
        f"THEN replace(trim({column}), ',', '') ELSE trim({column}) END"
    )
    return f"try_cast({clean} AS DECIMAL(18,2))"


def date_sql(column: str, date_format: str | None) -> str:
    """Text → DATE: ISO 8601 by default, or the source's ``date_format`` (strptime codes)."""
    if date_format:
        fmt = date_format.replace("'", "''")
        return f"try_strptime(trim({column}), '{fmt}')::DATE"
    return f"try_cast(trim({column}) AS DATE)"


def bad_value(field: str, raw: str, typed: str, what: str, *, required: bool = True) -> Check:
    """A row fails when ``raw`` is present but does not convert (or is missing, if required)."""
    missing = f"{raw} IS NULL OR trim({raw}) = ''"
    if required:
        condition = f"{typed} IS NULL"
        reason = f"CASE WHEN {missing} THEN 'missing {what}' ELSE 'not {what}: ' || {raw} END"
    else:
        condition = f"NOT ({missing}) AND {typed} IS NULL"
        reason = f"'not {what}: ' || {raw}"
    return Check(field, condition, reason)


def required_text(field: str, column: str | None = None) -> Check:
    """A row fails when a text field is empty."""
    column = column or field
    return Check(field, f"{column} IS NULL OR trim({column}) = ''", f"'missing {field}'")


class TabularConnector(Connector):
    """A CSV/Parquet connector: fields with aliases, required ones, one stage."""

    fields: Fields = {}
    required: set[str] = set()

    @abstractmethod
    def stage(self) -> Stage:
        """The one stage every file of this connector fills."""

    def batches(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        for path in self.files:
            batch = table_file_batch(
                self,
                path,
                cursor,
                fields=self.fields,
                required=self.required,
                stages=[self.stage()],
            )
            if batch is not None:
                yield batch

    def date(self, column: str) -> str:
        return date_sql(column, self.settings.get("date_format"))

    def default_currency(self) -> str:
        value = (self.settings.get("currency") or "").upper()
        return "'" + value.replace("'", "") + "'" if value else "NULL"
