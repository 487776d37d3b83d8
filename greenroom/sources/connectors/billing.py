"""Billing from any system: subscription lines or charges per period, from CSV, XLSX or
Parquet (each also inside a .gz or .zip), into raw.billing_subscription_lines and
raw.billing_charges. The revenue model turns both into the same per-line MRR as Stripe
invoices (greenroom/metrics/model.py), so every revenue metric reads them unchanged.

Amounts in these files are in major units (12.50 is twelve pounds fifty, 5.125 five dinars
and 125 fils), read by the rule in ``amount_sql``. A billing file is an export re-made whole,
not a log that grows: it is read whole whenever it changes, and loading it again changes
nothing (rows are keyed by subscription and start, or by customer, plan, currency and period).

Before anything is loaded the whole file is checked, and each kind of problem is reported
ONCE with how many rows it affects and the first of them (a million rows with a currency
symbol in the amount are one message, not a million): the source page can say what to fix.
"""

import csv
import gzip
import shutil
import tempfile
import zipfile
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from django.core.exceptions import ValidationError

from greenroom.lib.imports.report import Problem
from greenroom.lib.imports.tables import table_open
from greenroom.sources.connectors.base import Batch, BatchInvalid, Check, Connector, Stage
from greenroom.sources.connectors.files import advance, file_unchanged, scan
from greenroom.sources.connectors.readers import (
    csv_prepare,
    drop_input,
    map_columns,
    number_rows,
    sniff_format,
    table_columns,
    table_select,
    unreadable,
)
from greenroom.sources.connectors.tabular import Fields
from greenroom.sources.currencies import CURRENCIES_SQL

# What a billing source reads, beyond plain CSV and Parquet.
PACKED_SUFFIXES = frozenset({".gz", ".zip", ".xlsx"})
TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".parquet", ".xlsx"})
# Rows a grouped problem names: enough to find the pattern, not a list of a million.
FIRST_ROWS = 5
# A stage's one check when the whole file was checked before staging (the loader wants one).
ALREADY_CHECKED = Check("(file)", "false", "'checked with the whole file'")
# The column a spreadsheet written out as CSV carries its own row numbers in.
SHEET_ROW = "_greenroom_sheet_row"
OPEN_END = "DATE '9999-12-31'"


# --- Reading the file: unpacking and spreadsheets ---------------------------------------


@contextmanager
def readable_table(path: Path) -> Iterator[Path]:
    """``path`` as a CSV or Parquet file DuckDB can read: unpacked from .gz or .zip, and a
    spreadsheet's first sheet written out as CSV. Temporary copies are removed after."""
    made: list[Path] = []
    try:
        yield _unpacked(path, made)
    finally:
        for temporary in made:
            temporary.unlink(missing_ok=True)


def _unpacked(path: Path, made: list[Path]) -> Path:
    suffix = path.suffix.lower()
    if suffix == ".gz":
        inner = Path(path.stem).suffix.lower() or ".csv"
        target = _temporary(inner, made)
        try:
            with gzip.open(path, "rb") as packed, open(target, "wb") as out:
                shutil.copyfileobj(packed, out, 1 << 20)
        except (OSError, EOFError):
            raise _file_problem(path, "not a readable .gz file (damaged or cut short)") from None
        return _unpacked_inner(path, target, made)
    if suffix == ".zip":
        return _unpacked_inner(path, _from_zip(path, made), made)
    if suffix == ".xlsx":
        return _sheet_as_csv(path, path, made)
    return path


def _unpacked_inner(outer: Path, inner: Path, made: list[Path]) -> Path:
    # A spreadsheet inside an archive is read like one uploaded bare.
    return _sheet_as_csv(outer, inner, made) if inner.suffix.lower() == ".xlsx" else inner


def _from_zip(path: Path, made: list[Path]) -> Path:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                info
                for info in archive.infolist()
                if not info.is_dir()
                and Path(info.filename).suffix.lower() in TABLE_SUFFIXES
                and not Path(info.filename).name.startswith(".")
                and not info.filename.startswith("__MACOSX/")
            ]
            if len(members) != 1:
                names = ", ".join(info.filename for info in members[:10]) or "none"
                raise _file_problem(
                    path,
                    f"a .zip must hold exactly one CSV, XLSX or Parquet file; it holds {names}",
                )
            target = _temporary(Path(members[0].filename).suffix.lower(), made)
            with archive.open(members[0]) as packed, open(target, "wb") as out:
                shutil.copyfileobj(packed, out, 1 << 20)
            return target
    except zipfile.BadZipFile:
        raise _file_problem(path, "not a readable .zip file (damaged or cut short)") from None


def _sheet_as_csv(named: Path, path: Path, made: list[Path]) -> Path:
    """The spreadsheet's first sheet as a CSV file; a header row with unnamed columns (merged
    header cells, or a title above the header) is refused, since no column could be mapped."""
    try:
        with open(path, "rb") as stream:
            table = table_open(name=named.name, stream=stream)
            target = _temporary(".csv", made)
            with open(target, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                # Blank sheet rows are left out: each row keeps its number in the sheet.
                writer.writerow([SHEET_ROW, *table.headers])
                for line, values in table.rows:
                    writer.writerow([line, *(values[h] for h in table.headers)])
    except ValidationError as error:
        message = " ".join(error.messages).removeprefix(f"{named.name}: ")
        if "no name in the first row" in message or "must name the columns" in message:
            raise BatchInvalid([merged_header_problem(named.name, message)]) from None
        raise _file_problem(named, message) from None
    if table.problems:
        line, reason = table.problems[0]
        if len(table.headers) == 1:
            # Row 1 holds one filled cell (a title, or cells merged across the header).
            detail = f"only its first cell is filled, and row {line} has more values"
            raise BatchInvalid([merged_header_problem(named.name, detail)])
        raise BatchInvalid([Problem(named.name, line, "(line)", reason)])
    return target


def merged_header_problem(file_name: str, detail: str) -> Problem:
    """Row 1 does not name every column: the usual cause is a spreadsheet's merged header."""
    return Problem(
        file_name,
        1,
        "(header)",
        f"row 1 is not one row of column names ({detail}); this looks like merged header "
        "cells or a title row above the header: unmerge them, or delete the rows above the "
        "column names, so that row 1 names every column",
    )


def _temporary(suffix: str, made: list[Path]) -> Path:
    with tempfile.NamedTemporaryFile(suffix=suffix, prefix="greenroom-billing-", delete=False) as f:
        made.append(Path(f.name))
        return Path(f.name)


def _file_problem(path: Path, reason: str) -> BatchInvalid:
    return BatchInvalid([Problem(path.name, None, "(file)", reason)])


def _header_cells(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        first = handle.readline()
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return next(csv.reader([first], dialect), [])


# --- Values: amounts, dates, intervals ---------------------------------------------------


SYMBOLS = "$€£¥₹₩₽₺₪₫₦₱฿₴"
# Around the number: spaces (plain, non-breaking, thin), apostrophes, parentheses, a minus,
# currency symbols; letters are allowed only as a code of one to three (EUR, US, R).
_AROUND = f"\\s\u00a0\u202f''()\\-{SYMBOLS}"  # '' is a quote inside SQL text
AMOUNT_MACROS = f"""
CREATE OR REPLACE TEMP MACRO _billing_number(c) AS CASE
    WHEN regexp_full_match(c, '[0-9]+(\\.[0-9]+)?') THEN c
    WHEN regexp_full_match(c, '[0-9]{{1,3}}(,[0-9]{{3}})+(\\.[0-9]+)?') THEN replace(c, ',', '')
    WHEN regexp_full_match(c, '[0-9]{{1,3}}(\\.[0-9]{{3}})+,[0-9]+')
      OR regexp_full_match(c, '[0-9]{{1,3}}(\\.[0-9]{{3}}){{2,}}')
        THEN replace(replace(c, '.', ''), ',', '.')
    WHEN regexp_full_match(c, '[0-9]+,[0-9]{{1,2}}') THEN replace(c, ',', '.')
END;
CREATE OR REPLACE TEMP MACRO _billing_amount_slow(t) AS CASE
    WHEN regexp_full_match(regexp_replace(t, '[0-9.,{_AROUND}]', '', 'g'), '([A-Za-z]{{1,3}})?')
    THEN try_cast(_billing_number(regexp_replace(t, '[{_AROUND}A-Za-z]', '', 'g'))
                  AS DECIMAL(18,4))
         * CASE WHEN regexp_matches(t, '^\\(.*\\)$|^[^0-9]*-|-$') THEN -1 ELSE 1 END
END;
CREATE OR REPLACE TEMP MACRO billing_amount(x) AS CASE
    WHEN regexp_full_match(trim(x), '-?[0-9]+(\\.[0-9]+)?') THEN try_cast(trim(x) AS DECIMAL(18,4))
    -- 1,234.50 (the commonest shape with a separator): what the slow rule makes of it, cheaply.
    WHEN regexp_full_match(trim(x), '-?[0-9]{{1,3}}(,[0-9]{{3}})+(\\.[0-9]+)?')
        THEN try_cast(replace(trim(x), ',', '') AS DECIMAL(18,4))
    ELSE _billing_amount_slow(trim(x))
END;
"""


def amount_sql(column: str) -> str:
    """Text → DECIMAL(18,4) in major units, by one documented rule (docs/import-formats.md).

    Spaces, non-breaking spaces, apostrophes, currency symbols and a code of up to three
    letters around the number are dropped; a minus or parentheses make it negative. Then
    ``1,234.50`` (commas grouping threes, a point for decimals), ``1.234,50`` (points
    grouping threes, a comma for decimals; or two or more point groups, ``1.234.567``) and
    ``12,50`` (a comma and one or two digits: a decimal comma) are read; a single point is
    always a decimal point (``1.234`` is one point two three four). Anything else is not an
    amount. Needs ``AMOUNT_MACROS`` on the connection.
    """
    return f"billing_amount({column})"


def date_sql(column: str, date_format: str | None) -> str:
    """Text → DATE: ISO 8601 (a time after the date is ignored), or ``date_format``."""
    if date_format:
        fmt = date_format.replace("'", "''")
        return f"try_strptime(trim({column}), '{fmt}')::DATE"
    return f"try_cast(left(trim({column}), 10) AS DATE)"


def date_shape_sql(column: str) -> str:
    """A date's written shape, how formats are told apart: a time after it dropped, each run
    of digits a 9 and of letters an a (``2024-03-01`` and ``2024-3-1 10:00`` → ``9-9-9``,
    ``01/03/2024`` → ``9/9/9``, ``1 Mar 2024`` → ``9 a 9``)."""
    date_part = f"regexp_replace(trim({column}), '[T ][0-9]{{1,2}}:[0-9]{{2}}.*$', '')"
    return f"regexp_replace(regexp_replace({date_part}, '[0-9]+', '9', 'g'), '[A-Za-z]+', 'a', 'g')"


# Interval words billing systems write → (Stripe's interval, months or units it multiplies).
INTERVALS = {
    "month": ("month", 1),
    "months": ("month", 1),
    "monthly": ("month", 1),
    "mo": ("month", 1),
    "m": ("month", 1),
    "quarter": ("month", 3),
    "quarterly": ("month", 3),
    "year": ("year", 1),
    "years": ("year", 1),
    "yearly": ("year", 1),
    "annual": ("year", 1),
    "annually": ("year", 1),
    "yr": ("year", 1),
    "y": ("year", 1),
    "week": ("week", 1),
    "weeks": ("week", 1),
    "weekly": ("week", 1),
    "day": ("day", 1),
    "days": ("day", 1),
    "daily": ("day", 1),
}


def _interval_map_sql() -> str:
    rows = ", ".join(f"('{word}', '{unit}', {times})" for word, (unit, times) in INTERVALS.items())
    return f"(VALUES {rows}) AS i(word, unit, times)"


# --- Checks, reported once per kind -------------------------------------------------------


def check_totals(
    conn: duckdb.DuckDBPyConnection, table: str, checks: list[Check]
) -> tuple[list[int], int]:
    """How many rows of ``table`` fail each check, and how many are credits (a negative
    amount): one scan for all of them."""
    counts = [f"count(*) FILTER (WHERE coalesce({c.bad}, false))" for c in checks]
    found = conn.execute(
        f"SELECT {', '.join([*counts, 'count(*) FILTER (WHERE amount < 0)'])} FROM {table}"
    ).fetchone()
    totals = list(found or [0] * (len(checks) + 1))
    return totals[:-1], totals[-1]


def grouped_problems(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    counted: list[tuple[Check, int]],
    file_name: str,
) -> list[Problem]:
    """One problem per failing check (with how many rows fail it, from ``check_totals``):
    the first few rows, and the first one's reason."""
    problems = []
    for check, total in counted:
        if not total:
            continue
        first = conn.execute(
            f"SELECT _row, ({check.reason})::VARCHAR FROM {table} "
            f"WHERE coalesce({check.bad}, false) ORDER BY _row LIMIT {FIRST_ROWS}"
        ).fetchall()
        rows = ", ".join(str(row) for row, _ in first)
        more = f" and {total - len(first)} more" if total > len(first) else ""
        problems.append(
            Problem(
                file_name,
                first[0][0],
                check.field,
                f"{first[0][1]} — {total} row{'s' if total > 1 else ''} (rows {rows}{more})",
            )
        )
    return problems


def _is_unparsed_date(check: Check) -> bool:
    # date_checks' second kind: a date is there but did not read as one.
    return check.reason.startswith("'not a date")


def mixed_date_formats(
    conn: duckdb.DuckDBPyConnection, columns: dict[str, str], file_name: str
) -> list[Problem]:
    """A column whose dates are written in more than one shape (2024-03-01 and 01/03/2024):
    one problem naming each shape's first value and row, as no single format reads them.
    ``columns``: field → the column of ``_billing`` holding its text as written."""
    problems = []
    for column, text in columns.items():
        shapes = conn.execute(
            f"""
            SELECT shape, min(_row) AS first_row, arg_min(trim("{text}"), _row), count(*)
            FROM (SELECT _row, "{text}", {date_shape_sql(f'"{text}"')} AS shape FROM _billing
                  WHERE "{text}" IS NOT NULL AND trim("{text}") <> '')
            GROUP BY shape ORDER BY first_row
            """
        ).fetchall()
        if len(shapes) < 2:
            continue
        listed = "; ".join(
            f"{value!r} (row {first}, {count} row{'s' if count > 1 else ''})"
            for _shape, first, value, count in shapes[:FIRST_ROWS]
        )
        problems.append(
            Problem(
                file_name,
                shapes[1][1],
                column,
                f"dates in {len(shapes)} formats in one column: {listed}; write every date "
                "one way (YYYY-MM-DD, or set the source's date_format)",
            )
        )
    return problems


# ISO 4217 codes as a table: a row's currency looked up in it (a hash join) cost a seventh
# of what comparing it with a list of 180 literals did.
CURRENCY_TABLE = "_iso_currencies"
CURRENCY_TABLE_SQL = (
    f"CREATE OR REPLACE TEMP TABLE {CURRENCY_TABLE} AS "
    f"SELECT unnest([{CURRENCIES_SQL[1:-1]}]) AS code"
)


def currency_check() -> Check:
    return Check(
        "currency",
        f"currency IS NULL OR currency NOT IN (SELECT code FROM {CURRENCY_TABLE})",
        "CASE WHEN currency IS NULL THEN 'missing currency' "
        "ELSE 'unknown currency ' || _currency || ' (not an ISO 4217 code)' END",
    )


def _value_checks(
    field: str, raw: str, typed: str, *, required: bool, missing_reason: str, bad_reason: str
) -> list[Check]:
    # Missing and unreadable are two kinds of problem, so two messages.
    missing = f"({raw} IS NULL OR trim({raw}) = '')"
    checks = [Check(field, f"NOT {missing} AND {typed} IS NULL", bad_reason)]
    if required:
        checks.insert(0, Check(field, missing, f"'{missing_reason}'"))
    return checks


def amount_checks(field: str, raw: str, typed: str, *, required: bool) -> list[Check]:
    return _value_checks(
        field,
        raw,
        typed,
        required=required,
        missing_reason=f"missing {field} (a billing line needs one; write 0 for a free line)",
        bad_reason=f"'not an amount: ' || {raw} || ' (read as in docs/import-formats.md: "
        "1,234.50 or 1.234,50, a symbol or code allowed)'",
    )


def date_checks(field: str, raw: str, typed: str, *, required: bool) -> list[Check]:
    return _value_checks(
        field,
        raw,
        typed,
        required=required,
        missing_reason=f"missing {field}",
        bad_reason=f"'not a date: ' || {raw} || "
        "' (expected YYYY-MM-DD, or set the source''s date_format)'",
    )


def text_check(field: str) -> Check:
    return Check(field, f"{field} IS NULL", f"'missing {field}'")


# --- The connectors ---------------------------------------------------------------------


class BillingConnector(Connector):
    """A billing export of one shape; subclasses give the fields, the typed SELECT and the
    checks. Every file is read whole, typed into ``_billing``, checked, then staged."""

    label = ""
    table = ""
    fields: Fields = {}
    required: set[str] = set()
    # Each date field → the column of ``_billing`` holding its text as written.
    date_fields: dict[str, str] = {}
    # Whether the checks reject any two rows sharing the raw table's key (see Stage).
    key_checked = False
    # Whether ``typed_sql`` keeps the file's rows in order (no join, no row numbers used), so
    # the rows can be numbered after typing (readers.number_rows).
    typed_in_order = False

    @abstractmethod
    def typed_sql(self) -> str:
        """SELECT over ``_in``: the raw table's columns, ``_row`` and raw text for messages."""

    @abstractmethod
    def checks(self) -> list[Check]:
        """Every check a row must pass (each reported once, grouped, over the whole file)."""

    def derived_sql(self) -> str:
        """``_billing``: the typed rows (``_typed``) with the columns computed across rows."""
        return f"SELECT * FROM ({self.typed_sql()}) _typed"

    def after_typed(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Tables the checks read beside ``_billing`` (none unless a subclass says)."""

    def batches(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        for path in self.files:
            batch = self.file_batch(path, cursor)
            if batch is not None:
                yield batch

    def file_batch(self, path: Path, cursor: dict[str, Any]) -> Batch | None:
        state = cursor.get("files", {}).get(str(path))
        size = path.stat().st_size
        if state and file_unchanged(path, state) and state.get("offset") == size:
            return None
        batch = Batch(
            label=path.name,
            prepare=lambda conn: self._prepare(conn, path, batch),
            stages=[self._stage()],
            advance_cursor=lambda current: advance(current, path, offset=size, next_line=1),
        )
        return batch

    def _prepare(self, conn: duckdb.DuckDBPyConnection, path: Path, batch: Batch) -> int:
        with readable_table(path) as readable:
            count = self._read(conn, path, readable)
            self._check(conn, path, batch)  # _in may be a view of the (unpacked) file
        return count

    def _read(self, conn: duckdb.DuckDBPyConnection, path: Path, readable: Path) -> int:
        parquet = readable.suffix.lower() == ".parquet"
        if not parquet:
            if sniff_format(readable) == "json":
                raise _file_problem(
                    path,
                    f"this looks like JSON; the {self.label} connector reads CSV, XLSX or "
                    "Parquet — use the Stripe objects connector (stripe_files) for Stripe's "
                    "JSON, or export the billing data as CSV",
                )
            found = scan(readable, 0, has_header=True)
            if found.errors:
                raise BatchInvalid([_renamed(e, path.name) for e in found.errors])
            header = _header_cells(readable)
            blank = [str(i + 1) for i, cell in enumerate(header) if not cell.strip()]
            if len(header) > 1 and blank:
                detail = f"column {', '.join(blank)} has no name"
                raise BatchInvalid([merged_header_problem(path.name, detail)])
        try:
            found_columns = table_columns(conn, readable)
            columns, mapping_errors = map_columns(
                path.name,
                [column for column in found_columns if column != SHEET_ROW],
                self.fields,
                self.required,
                self.settings.get("columns") or {},
            )
            if mapping_errors:
                raise BatchInvalid(mapping_errors)
            first_row = 1 if parquet else 2
            if SHEET_ROW in found_columns:
                columns["_sheet_row"] = SHEET_ROW
            elif self.typed_in_order and not self.settings.get("quarantine"):
                # Typed straight from the file, then numbered: a copy of every row first
                # cost a seventh of the import. (Quarantine keeps each row's text; a sheet's
                # rows carry their own numbers.)
                drop_input(conn)
                absent = [name for name in self.fields if name not in columns]
                select = table_select(
                    readable, columns, first_row=first_row, keep_record=False, absent=absent
                )
                conn.execute(f"CREATE TEMP VIEW _in AS {select}")
                count = self._typed(conn)
                number_rows(conn, "_billing", first_row=first_row)
                return count
            csv_prepare(
                conn,
                readable,
                columns,
                first_row=first_row,
                drop=set(),
                keep_record=bool(self.settings.get("quarantine")),
                absent=[name for name in self.fields if name not in columns],
            )
            if SHEET_ROW in found_columns:
                conn.execute("UPDATE _in SET _row = CAST(_sheet_row AS BIGINT)")
            return self._typed(conn)
        except duckdb.Error as error:
            raise BatchInvalid([unreadable(path.name, error, line_one=1)]) from None

    def _typed(self, conn: duckdb.DuckDBPyConnection) -> int:
        """``_billing`` from ``_in``, the staged rows to be (see ``_stage``); its row count."""
        conn.execute(AMOUNT_MACROS)
        conn.execute(CURRENCY_TABLE_SQL)
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE _billing AS "
            "SELECT *, false AS _dup_conflict, NULL::BIGINT AS _dup_first, "
            f"NULL::VARCHAR AS _loaded_overlap FROM ({self.derived_sql()})"
        )
        count = conn.execute("SELECT count(*) FROM _billing").fetchone()
        return count[0] if count else 0

    def _check(self, conn: duckdb.DuckDBPyConnection, path: Path, batch: Batch) -> None:
        self.after_typed(conn)
        if self.settings.get("quarantine"):
            return  # bad rows are kept aside row by row by the stage's checks
        checks = self.checks()
        # Every check counted, and the credits, in one scan of the typed rows.
        totals, credits = check_totals(conn, "_billing", checks)
        problems = []
        if not self.settings.get("date_format"):
            # Shapes are only compared where some date did not parse: a column that reads
            # whole as ISO dates (with or without a time) has no format problem to explain.
            unparsed = {
                check.field: self.date_fields[check.field]
                for check, total in zip(checks, totals, strict=True)
                if total and check.field in self.date_fields and _is_unparsed_date(check)
            }
            problems += mixed_date_formats(conn, unparsed, path.name)
        # A column of mixed date formats is that one problem, not also "not a date".
        mixed = {problem.field for problem in problems}
        problems += grouped_problems(
            conn,
            "_billing",
            [(c, total) for c, total in zip(checks, totals, strict=True) if c.field not in mixed],
            path.name,
        )
        if problems:
            raise BatchInvalid(problems)
        if credits:
            rows = ", ".join(
                str(row)
                for (row,) in conn.execute(
                    f"SELECT _row FROM _billing WHERE amount < 0 ORDER BY _row LIMIT {FIRST_ROWS}"
                ).fetchall()
            )
            batch.notices.append(
                f"{path.name}: {credits} rows have a negative amount (credits), loaded as "
                f"negative revenue (rows {rows}{' …' if credits > FIRST_ROWS else ''})."
            )

    def _stage(self) -> Stage:
        # Without quarantine every check already ran over the whole file, grouped, before
        # staging (a failure rejects the file there): the loader need not run them again.
        quarantine = bool(self.settings.get("quarantine"))
        return Stage(
            self.table,
            "SELECT * FROM _billing",
            self.checks() if quarantine else [ALREADY_CHECKED],
            prepared="_billing",
            key_checked=self.key_checked and not quarantine,
        )

    def date(self, column: str) -> str:
        return date_sql(column, self.settings.get("date_format"))

    def currency_sql(self) -> str:
        default = (self.settings.get("currency") or "").upper().replace("'", "")
        fallback = f"'{default}'" if default else "NULL"
        return f"upper(coalesce(nullif(trim(currency), ''), {fallback}))"


def _renamed(problem: Problem, name: str) -> Problem:
    return Problem(name, problem.row, problem.field, problem.message)


class BillingChargesConnector(BillingConnector):
    """Charges per period: what each customer was charged for each month (or the month
    starting on the period's date), optionally per plan. A charge is that month's MRR."""

    kind = "billing_charges"
    label = "billing charges"
    table = "billing_charges"
    tables = ("billing_charges",)
    fields = {
        "customer": (
            "customer id",
            "customer_id",
            "account",
            "account id",
            "account code",
            "client",
            "customer name",
        ),
        "period": ("month", "billing period", "period start", "date", "invoice date"),
        "amount": ("mrr", "charge", "charged", "revenue", "total", "net amount", "amount due"),
        "currency": ("currency code", "ccy"),
        "plan": ("product", "plan id", "plan name", "product name", "sku", "item"),
    }
    required = {"customer", "period", "amount"}
    date_fields = {"period": "_period"}
    # Two charges sharing an id (customer, plan, currency, period) overlap: a checked problem.
    key_checked = True
    typed_in_order = True

    def typed_sql(self) -> str:
        # "2024-03" is the month; a full date starts a month-long period on that day.
        period = (
            "CASE WHEN regexp_full_match(trim(period), '[0-9]{4}-[0-9]{1,2}') "
            "THEN try_cast(trim(period) || '-01' AS DATE) "
            f"ELSE {self.date('period')} END"
        )
        return f"""
            SELECT nullif(trim(customer), '') AS customer,
                   coalesce(nullif(trim(plan), ''), '') AS plan,
                   {period} AS period_start,
                   {amount_sql("amount")} AS amount,
                   {self.currency_sql()} AS currency,
                   _row, period AS _period, amount AS _amount, trim(currency) AS _currency
            FROM _in
        """

    def derived_sql(self) -> str:
        return f"""
            SELECT customer || '|' || plan || '|' || currency || '|' || period_start
                       AS charge_id, *, NULL::BIGINT AS _overlap_row
            FROM ({self.typed_sql()}) _typed
        """

    def after_typed(self, conn: duckdb.DuckDBPyConnection) -> None:
        # Each charge covers a month from its start: one starting before the previous charge
        # of the same customer, plan and currency has ended overlaps it. Sorting a million
        # charges by key to compare neighbours costs more than reading them, so only the
        # candidates are compared: charges sharing a key and a start month (found by a hash of
        # the four, far cheaper to group by; a collision only adds a candidate, and the
        # comparison below is exact), and a charge starting after the 1st with the next
        # month's charges of its key (only when there is such a charge: the join would
        # otherwise hash every charge for nothing).
        late = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM _billing WHERE day(period_start) > 1)"
        ).fetchone()
        next_month = (
            """
                UNION
                SELECT b.* FROM late a JOIN k b USING (customer, plan, currency)
                WHERE b.month = a.month + INTERVAL 1 MONTH
                  AND b.period_start < a.period_start + INTERVAL 1 MONTH
                UNION
                SELECT a.* FROM late a JOIN k b USING (customer, plan, currency)
                WHERE b.month = a.month + INTERVAL 1 MONTH
                  AND b.period_start < a.period_start + INTERVAL 1 MONTH
            """
            if late and late[0]
            else ""
        )
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _charge_overlaps AS
            WITH k AS (
                SELECT _row, customer, plan, currency, period_start,
                       date_trunc('month', period_start) AS month
                FROM _billing WHERE period_start IS NOT NULL AND customer IS NOT NULL
            ),
            late AS (SELECT * FROM k WHERE day(period_start) > 1),
            repeated AS (
                SELECT hash(customer, plan, currency, month) AS h FROM k
                GROUP BY h HAVING count(*) > 1
            ),
            candidates AS (
                SELECT k.* FROM k SEMI JOIN repeated
                  ON hash(k.customer, k.plan, k.currency, k.month) = repeated.h
                {next_month}
            )
            SELECT _row, lag(_row) OVER earlier AS _overlap_row
            FROM candidates
            WINDOW earlier AS (PARTITION BY customer, plan, currency ORDER BY period_start, _row)
            QUALIFY lag(period_start) OVER earlier + INTERVAL 1 MONTH > period_start
            """
        )
        overlaps = conn.execute("SELECT count(*) FROM _charge_overlaps").fetchone()
        if overlaps and overlaps[0]:
            conn.execute(
                "UPDATE _billing SET _overlap_row = o._overlap_row FROM _charge_overlaps o "
                "WHERE _billing._row = o._row"
            )
        self._loaded_overlaps(conn)

    def _loaded_overlaps(self, conn: duckdb.DuckDBPyConnection) -> None:
        # A charge overlapping one this source loaded before from another file (or an
        # earlier version of this one): both months would count. A charge re-sent (same
        # customer, plan, currency and period) replaces the old one, so is no overlap.
        held = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM raw.billing_charges WHERE _source = ?)", [self.name]
        ).fetchone()
        if not (held and held[0]):
            return
        conn.execute(
            """
            UPDATE _billing SET _loaded_overlap = o.earlier FROM (
                SELECT b._row, strftime(min(r.period_start), '%Y-%m-%d') AS earlier
                FROM _billing b JOIN raw.billing_charges r
                  ON r.customer = b.customer AND r.plan = b.plan AND r.currency = b.currency
                 AND r._source = $source
                 AND r.period_start < b.period_start + INTERVAL 1 MONTH
                 AND b.period_start < r.period_start + INTERVAL 1 MONTH
                WHERE NOT EXISTS (SELECT 1 FROM _billing x WHERE x.charge_id = r.charge_id)
                GROUP BY b._row
            ) o WHERE _billing._row = o._row
            """,
            {"source": self.name},
        )

    def checks(self) -> list[Check]:
        return [
            text_check("customer"),
            *date_checks("period", "_period", "period_start", required=True),
            *amount_checks("amount", "_amount", "amount", required=True),
            currency_check(),
            Check(
                "period",
                "_overlap_row IS NOT NULL",
                "'period overlaps the charge at row ' || _overlap_row || ' for the same "
                "customer, plan and currency (each charge covers a month from its period)'",
            ),
            Check(
                "period",
                "_loaded_overlap IS NOT NULL",
                "'period overlaps the charge from ' || _loaded_overlap || ' for the same "
                "customer, plan and currency that this source loaded before, from another file "
                "or an earlier version of this one (each charge covers a month from its period)'",
            ),
        ]


class BillingSubscriptionsConnector(BillingConnector):
    """Subscription lines: a customer's plan at a price per interval, from a start date to an
    end (or cancellation) date, or open. Rows of one subscription must not overlap."""

    kind = "billing_lines"
    label = "billing subscription lines"
    table = "billing_subscription_lines"
    tables = ("billing_subscription_lines",)
    fields = {
        "subscription_id": ("subscription", "subscription id", "contract id", "id"),
        "customer": ("customer id", "customer_id", "account", "account id", "client"),
        "plan": ("product", "plan id", "plan name", "product name", "price id", "sku"),
        "amount": ("price", "unit price", "unit amount", "plan amount", "recurring amount"),
        "currency": ("currency code", "ccy"),
        "interval": ("billing interval", "billing period", "billing frequency", "period unit"),
        "interval_count": ("billing interval count", "period", "interval length"),
        "start_date": ("start", "started at", "activated at", "start date", "created at"),
        "end_date": (
            "end",
            "ended at",
            "end date",
            "cancellation date",
            "cancelled at",
            "canceled at",
            "cancel date",
            "expires at",
        ),
        "quantity": ("qty", "seats", "units", "plan quantity"),
        "discount": ("discount amount", "discount total", "coupon amount"),
    }
    required = {"customer", "amount", "start_date"}
    date_fields = {"start_date": "_start", "end_date": "_end"}

    def typed_sql(self) -> str:
        default_interval = (self.settings.get("interval") or "").lower().replace("'", "")
        interval_text = (
            f"""lower(trim(coalesce(nullif(trim("interval"), ''), '{default_interval}')))"""
        )
        discount = amount_sql("trim(discount, '% ')")
        return f"""
            SELECT coalesce(nullif(trim(subscription_id), ''),
                            trim(customer) || '|' || coalesce(nullif(trim(plan), ''), '')
                            || '|' || {self.currency_sql()}) AS subscription_id,
                   nullif(trim(customer), '') AS customer,
                   coalesce(nullif(trim(plan), ''), '') AS plan,
                   {amount_sql("amount")} AS amount,
                   {self.currency_sql()} AS currency,
                   i.unit AS interval_unit,
                   coalesce(try_cast(nullif(trim(interval_count), '') AS INTEGER), 1) * i.times
                       AS interval_count,
                   {self.date("start_date")} AS start_date,
                   {self.date("end_date")} AS end_date,
                   coalesce(try_cast(nullif(trim(quantity), '') AS INTEGER), 1) AS quantity,
                   CASE WHEN ends_with(trim(discount), '%')
                        THEN {amount_sql("amount")}
                             * coalesce(try_cast(nullif(trim(quantity), '') AS INTEGER), 1)
                             * {discount} / 100
                        ELSE coalesce({discount}, 0) END AS discount,
                   _row, amount AS _amount, trim(currency) AS _currency,
                   {interval_text} AS _interval, interval_count AS _interval_count,
                   start_date AS _start, end_date AS _end, quantity AS _quantity,
                   discount AS _discount
            FROM _in LEFT JOIN {_interval_map_sql()} ON i.word = {interval_text}
        """

    def derived_sql(self) -> str:
        # A row overlaps when an earlier-starting row of its subscription has not ended by its
        # start (an open end runs for ever).
        return f"""
            SELECT subscription_id || '@' || start_date AS line_id, *,
                   max(coalesce(end_date, {OPEN_END})) OVER earlier > start_date AS _overlaps,
                   arg_max(_row, coalesce(end_date, {OPEN_END})) OVER earlier AS _overlap_row
            FROM ({self.typed_sql()}) _typed
            WINDOW earlier AS (PARTITION BY subscription_id ORDER BY start_date, _row
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        """

    def after_typed(self, conn: duckdb.DuckDBPyConnection) -> None:
        # A row overlapping a line this source loaded before, from another file (or an earlier
        # version of this one), of the same subscription: both would count. Lines this file
        # re-sends (same subscription and start) are replaced, so they are no overlap.
        held = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM raw.billing_subscription_lines WHERE _source = ?)",
            [self.name],
        ).fetchone()
        if not (held and held[0]):
            return
        conn.execute(
            f"""
            UPDATE _billing SET _loaded_overlap = o.earlier FROM (
                SELECT b._row, arg_min(
                    strftime(r.start_date, '%Y-%m-%d') || ' to '
                    || coalesce(strftime(r.end_date, '%Y-%m-%d'), 'open'), r.start_date
                ) AS earlier
                FROM _billing b JOIN raw.billing_subscription_lines r
                  ON r.subscription_id = b.subscription_id AND r._source = $source
                 AND r.start_date < coalesce(b.end_date, {OPEN_END})
                 AND coalesce(r.end_date, {OPEN_END}) > b.start_date
                WHERE NOT EXISTS (SELECT 1 FROM _billing x WHERE x.line_id = r.line_id)
                GROUP BY b._row
            ) o WHERE _billing._row = o._row
            """,
            {"source": self.name},
        )

    def checks(self) -> list[Check]:
        return [
            text_check("customer"),
            *amount_checks("amount", "_amount", "amount", required=True),
            currency_check(),
            Check(
                "interval",
                "interval_unit IS NULL",
                "CASE WHEN _interval = '' THEN 'missing interval (a column, or the source''s "
                "interval setting: month, year, week, day or quarter)' "
                "ELSE 'unknown interval ' || _interval || ' (month, year, week, day, quarter)' END",
            ),
            Check(
                "interval_count",
                "interval_count IS NULL OR interval_count < 1",
                "'not a whole number of intervals, 1 or more: ' || _interval_count",
            ),
            *date_checks("start_date", "_start", "start_date", required=True),
            *date_checks("end_date", "_end", "end_date", required=False),
            Check("end_date", "end_date < start_date", "'ends before it starts'"),
            Check(
                "quantity",
                "try_cast(nullif(trim(_quantity), '') AS INTEGER) IS NULL "
                "AND nullif(trim(_quantity), '') IS NOT NULL OR quantity < 0",
                "'not a whole number of 0 or more: ' || _quantity",
            ),
            *amount_checks("discount", "_discount", "discount", required=False),
            Check(
                "start_date",
                "_overlaps",
                "'period overlaps another of subscription ' || subscription_id || "
                "' (row ' || _overlap_row || ' runs past this start)'",
            ),
            Check(
                "start_date",
                "_loaded_overlap IS NOT NULL",
                "'period overlaps a line of subscription ' || subscription_id || ' this "
                "source loaded before, from another file or an earlier version of this one ('"
                " || _loaded_overlap || '): end one of the two periods'",
            ),
        ]


class RecurlySubscriptionsConnector(BillingSubscriptionsConnector):
    """Recurly's Subscriptions export (docs.recurly.com/docs/subscriptions-exports), read as
    subscription lines: uuid, account_code, plan_code, unit_amount, quantity, currency,
    activated_at, and expires_at as the end (canceled_at only marks a subscription that runs
    to expires_at). The export has no billing interval: set the source's ``interval``."""

    kind = "recurly"
    label = "Recurly subscriptions"
    fields = {
        **BillingSubscriptionsConnector.fields,
        "subscription_id": ("uuid", "subscription_uuid"),
        "customer": ("account_code",),
        "plan": ("plan_code", "plan_name"),
        "amount": ("unit_amount", "subscription_unit_amount"),
        "interval": ("plan_interval_unit",),
        "interval_count": ("plan_interval_length",),
        "start_date": ("activated_at", "subscription_activated_at"),
        "end_date": ("expires_at", "subscription_expires_at"),
        "quantity": ("quantity", "subscription_quantity"),
        "discount": ("discount_amount",),
    }
