"""Committing one batch: stage, validate, then merge and record the cursor in ONE transaction.

A batch with any bad row is rejected whole (nothing written, cursor unchanged) unless the
source quarantines bad rows; then good rows are merged and bad ones kept in
``meta.rejected_rows`` with their reasons. Merging deletes the rows whose natural key is in
the batch, then inserts, so loading the same records again changes nothing; and because the
cursor is written in the same transaction as the rows, a process killed at any point leaves
either the whole batch with its cursor or neither.
"""

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import duckdb

from greenroom.lib.imports.report import ImportReport, Problem
from greenroom.metrics.rawschema import RAW_TABLES, columns_of
from greenroom.sources.connectors.base import (
    MAX_REPORTED_ERRORS,
    Batch,
    BatchInvalid,
    Check,
    Stage,
)
from greenroom.sources.connectors.readers import unreadable

BATCH_COLUMNS = (
    "batch, source, table_name, rows_in, rows_loaded, rows_rejected, started_at, committed_at, "
    "cursor"
)
REJECTED_COLUMNS = 'batch, source, table_name, file, "row", field, reason, record, rejected_at'


@dataclass
class BatchResult:
    """What happened to one batch: its rows, and its problems in the import report.

    Rows are the input's records (a line, a CSV row, an API object), each counted once:
    ``rows_in`` = ``rows_loaded`` + ``rows_rejected`` + ``rows_skipped``. A record is
    rejected when any part of it was (a quarantined line of an invoice), skipped when
    nothing of it was kept (an exact repeat). Objects embedded in a record (a Stripe
    invoice's lines, a subscription's items) are not rows: ``embedded_loaded`` counts them.
    """

    label: str
    batch_id: str
    committed: bool
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    embedded_loaded: int = 0
    notices: list[str] = field(default_factory=list)
    report: ImportReport = field(init=False)

    def __post_init__(self) -> None:
        self.report = ImportReport(file=self.label)

    @property
    def errors(self) -> list[Problem]:
        """The problems listed (the first MAX_REPORTED_ERRORS)."""
        return self.report.problems

    @property
    def errors_total(self) -> int:
        return self.report.problem_count


def last_cursor(conn: duckdb.DuckDBPyConnection, source: str) -> dict[str, Any]:
    """The cursor committed with the source's latest batch ({} before the first)."""
    row = conn.execute(
        "SELECT cursor FROM meta.batches WHERE source = ? ORDER BY committed_at DESC LIMIT 1",
        [source],
    ).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def batch_commit(
    conn: duckdb.DuckDBPyConnection,
    *,
    source: str,
    batch: Batch,
    cursor: dict[str, Any],
    quarantine: bool,
) -> BatchResult:
    """Load ``batch`` all-or-nothing; see the module docstring."""
    result = BatchResult(label=batch.label, batch_id=uuid.uuid4().hex, committed=False)
    started = conn.execute("SELECT now()").fetchone()[0]
    if batch.errors and not quarantine:
        # Bad bytes: DuckDB would refuse the file anyway, and the scan said where.
        result.notices += batch.notices
        result.report.extend(batch.errors)
        return result
    try:
        result.rows_in = batch.prepare(conn)
    except BatchInvalid as invalid:
        result.report.extend([*invalid.errors, *batch.errors])
        return result
    except duckdb.Error as error:
        # A file DuckDB cannot read at all (connectors translate the errors they foresee).
        result.report.extend([unreadable(batch.label, error, line_one=None), *batch.errors])
        return result
    finally:
        # After prepare: reading the file may add notices (e.g. credits counted).
        result.notices += batch.notices
    if not quarantine and _loads_directly(batch):
        after = json.dumps(batch.advance_cursor(cursor), sort_keys=True)
        if _load_direct(
            conn, source=source, batch=batch, result=result, started=started, cursor=after
        ):
            return result
    result.report.extend(batch.errors)
    result.report.extend(*_input_errors(conn, batch))
    bad: dict[str, str] = {}  # stage table → SQL for its bad-row filter
    for stage in batch.stages:
        try:
            _stage(conn, stage)
        except duckdb.Error as error:
            # A stage reading the file itself (a view) meets what the file holds only now.
            result.report.extend([unreadable(batch.label, error, line_one=None)])
            return result
        stage_errors, stage_total, notices = _validate(conn, stage, batch.label)
        result.report.extend(stage_errors, total=stage_total)
        result.notices += notices
        bad[stage.table] = _bad_filter(stage)
        result.notices += _warnings(conn, stage, batch.label, bad[stage.table], result.report)
    if result.report.rejected and not quarantine:
        result.rows_rejected = result.rows_in
        return result
    _count_records(conn, batch, bad, result)
    conn.execute("BEGIN TRANSACTION")
    try:
        _merge_all(
            conn,
            source=source,
            batch=batch,
            result=result,
            bad=bad,
            started=started,
            cursor=json.dumps(batch.advance_cursor(cursor), sort_keys=True),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    result.committed = True
    return result


def _loads_directly(batch: Batch) -> bool:
    # One stage of one row per input row, and nothing to report for rows that load. Other
    # stages (Segment's identities) and input checks are allowed: _load_direct first makes
    # sure no row fails the checks and the other stages are empty.
    if batch.errors or not batch.stages:
        return False
    stage = batch.stages[0]
    return bool(stage.input_key) and not any(
        other.children_of or other.warnings or other.prepared for other in batch.stages
    )


def _direct_input_fits(conn: duckdb.DuckDBPyConnection, batch: Batch) -> bool:
    """Whether every input row passes the input checks and reaches no stage but the first:
    two cheap scans of a few ``_in`` columns (a file of identify calls, or a bad line, then
    goes the staged way without first paying for a whole insert that would be undone)."""
    failing = " OR ".join(_is(check.bad) for check in batch.input_checks)
    if failing and conn.execute(f"SELECT EXISTS (SELECT 1 FROM _in WHERE {failing})").fetchone()[0]:
        return False
    return not any(
        conn.execute(f"SELECT EXISTS (SELECT 1 FROM ({stage.select_sql}))").fetchone()[0]
        for stage in batch.stages[1:]
    )


def _load_direct(
    conn: duckdb.DuckDBPyConnection,
    *,
    source: str,
    batch: Batch,
    result: BatchResult,
    started: Any,
    cursor: str,
) -> bool:
    """Load a prepared batch with nothing to report from ``_in`` straight into the raw
    table of its first stage, in one transaction; False (and nothing written) when there is
    something to report, or a row for another stage, for the caller to stage the batch,
    which names every problem.

    The staged way writes every row twice (the staged table, then the raw table) to name
    the rows that fail; a batch where none fails needs only the second. The ids are read
    first, alone: the rows of an id found more than once (few) are set aside, and if they
    pass their checks and each id's copies are the same, every other row is inserted, then
    one row per repeated id. A row failing a check stops that insert (``error``). Repeats
    are never inserted and then deleted: deleting rows of the transaction's own insert
    makes DuckDB write the whole insert again at commit.
    """
    stage = batch.stages[0]
    table = f"raw.{stage.table}"
    key = ", ".join(RAW_TABLES[stage.table][1])
    listed = ", ".join(columns_of(stage.table))
    failing = " OR ".join(_is(check.bad) for check in stage.checks) or "false"
    # Ids are grouped by their hash (cheaper than the text); an id sharing its hash with a
    # repeated one is only set aside with it, and inserted on its own all the same.
    key_hash = f"hash({', '.join(f'i.{name}' for name in stage.input_key)})"

    def rows(join: str) -> str:
        # The stage's rows, of the input rows the join keeps: joined where ``_in`` is read,
        # so the stage's work is done for those rows alone.
        return (
            f"WITH _in AS (SELECT i.* FROM temp.main._in i {join} _repeated r "
            f"ON {key_hash} = r._key) SELECT * FROM ({stage.select_sql})"
        )

    try:
        if not _direct_input_fits(conn, batch):
            return False
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE _repeated AS "
            f"SELECT {key_hash} AS _key FROM _in i GROUP BY ALL HAVING count(*) > 1"
        )
        repeated = conn.execute("SELECT count(*) FROM _repeated").fetchone()[0] > 0
        set_aside = 0
        if repeated:
            conn.execute(
                f"CREATE OR REPLACE TEMP TABLE _repeats AS "
                f"SELECT {listed}, ({failing}) AS _failing FROM ({rows('SEMI JOIN')})"
            )
            set_aside, ids, unfit = conn.execute(
                f"SELECT count(*), count(DISTINCT row({key})), bool_or(_failing) OR EXISTS "
                f"(SELECT 1 FROM _repeats GROUP BY {key} "
                f"HAVING count(DISTINCT {_content_hash(listed.split(', '))}) > 1) "
                "FROM _repeats"
            ).fetchone()
            if unfit:
                return False
        had_rows = conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]
    except duckdb.Error:
        return False
    insert = f"INSERT INTO {table} ({listed}, _source, _batch, _loaded_at)"
    parameters = [source, result.batch_id]
    others = rows("ANTI JOIN") if repeated else f"SELECT * FROM ({stage.select_sql})"
    conn.execute("BEGIN TRANSACTION")
    try:
        # As in _merge: rows need no order in the raw table, so every core writes.
        conn.execute("SET preserve_insertion_order = false")
        try:
            inserted = conn.execute(
                f"{insert} SELECT {listed}, ?, ?, now() FROM ({others}) "
                f"WHERE CASE WHEN {failing} THEN error('a row fails a check') ELSE true END",
                parameters,
            ).fetchone()[0]
        finally:
            conn.execute("RESET preserve_insertion_order")
        if inserted + set_aside != result.rows_in:
            # Not one staged row per input row after all: counted the staged way.
            conn.execute("ROLLBACK")
            return False
        skipped = 0
        if repeated:
            conn.execute(
                f"{insert} SELECT DISTINCT ON ({key}) {listed}, ?, ?, now() FROM _repeats",
                parameters,
            )
            skipped = set_aside - ids
        if had_rows:
            same = " AND ".join(f"b.{k} = t.{k}" for k in RAW_TABLES[stage.table][1])
            conn.execute(
                f"DELETE FROM {table} t WHERE t._batch IS DISTINCT FROM ? AND EXISTS "
                f"(SELECT 1 FROM {table} b WHERE b._batch = ? AND {same})",
                [result.batch_id, result.batch_id],
            )
        loaded = result.rows_in - skipped
        # Every stage's table is recorded, as the staged way does (the others received none).
        for recorded in batch.stages:
            conn.execute(
                f"INSERT INTO meta.batches ({BATCH_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, 0, ?, now(), ?)",
                [
                    result.batch_id,
                    source,
                    recorded.table,
                    result.rows_in,
                    loaded if recorded is stage else 0,
                    started,
                    cursor,
                ],
            )
        conn.execute("COMMIT")
    except duckdb.Error:
        # A row failing a check, or what only reading all of the file meets (a row with too
        # many columns): the staged way reads it again and says where.
        conn.execute("ROLLBACK")
        return False
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    result.committed = True
    result.rows_loaded, result.rows_skipped = loaded, skipped
    if skipped:
        result.notices.append(_repeats_notice(batch.label, skipped))
    return True


def _content_hash(columns: list[str], alias: str = "") -> str:
    # What tells an exact repeat from a conflicting one: every business column.
    packed = ", ".join(f"{alias}{name}" for name in columns)
    return f"md5(to_json(struct_pack({packed}))::VARCHAR)"


def _repeats_notice(file: str, same: int) -> str:
    return (
        f"{file}: {same} rows repeat an earlier row exactly (same id, same content); "
        "only the first of each counts, the repeats are skipped."
    )


def _count_records(
    conn: duckdb.DuckDBPyConnection, batch: Batch, bad: dict[str, str], result: BatchResult
) -> None:
    # Counted by input row (``_row``), whatever number of staged rows it became: one line may
    # be an event and an identity, or an invoice and its lines (rows of a child stage that
    # share their row with a parent-stage row are embedded).
    failing = " OR ".join(_is(c.bad) for c in batch.input_checks)
    input_bad = (
        conn.execute(f"SELECT count(*) FROM _in WHERE {failing}").fetchone()[0] if failing else 0
    )
    by_row = bool(input_bad) or any(stage.children_of for stage in batch.stages)
    loaded = rejected = embedded = 0
    if not by_row:
        # Without embedded lists, a connector's stages split the input by kind (tracks to
        # events, identifies to identities) and none unnests: a row is one staged row, so a
        # scan per stage counts it (grouping by row costs ~0.4 s per million rows). A sum
        # above the rows read would mean otherwise: then rows are grouped after all.
        counts = [_count_stage(conn, stage, bad) for stage in batch.stages]
        loaded, rejected = sum(c[0] for c in counts), sum(c[1] for c in counts)
        by_row = loaded + rejected > result.rows_in
    if by_row:
        loaded, rejected, embedded = _count_by_row(conn, batch, bad, failing)
    # Rows the byte scan removed never reached ``_in``: read, and rejected.
    result.rows_in += len(batch.bad_rows)
    result.rows_loaded = loaded
    result.rows_rejected = rejected + len(batch.bad_rows)
    result.rows_skipped = result.rows_in - result.rows_loaded - result.rows_rejected
    result.embedded_loaded = embedded


def _count_stage(
    conn: duckdb.DuckDBPyConnection, stage: Stage, bad: dict[str, str]
) -> tuple[int, int]:
    condition = bad[stage.table]
    loaded, rejected = conn.execute(
        f"SELECT count(*) FILTER (WHERE NOT ({condition})), count(*) FILTER (WHERE {condition}) "
        f"FROM {_staged(stage)}"
    ).fetchone()
    return loaded, rejected


def _count_by_row(
    conn: duckdb.DuckDBPyConnection, batch: Batch, bad: dict[str, str], failing: str
) -> tuple[int, int, int]:
    parts = [
        f"SELECT _row, ({bad[stage.table]}) AS bad, {stage.children_of is not None} AS child "
        f"FROM {_staged(stage)}"
        for stage in batch.stages
    ]
    if failing:
        parts.append(f"SELECT _row, true, false FROM _in WHERE {failing}")
    if not parts:
        return 0, 0, 0
    embedded = "0"
    if any(stage.children_of for stage in batch.stages):
        embedded = (
            "(SELECT count(*) FROM staged SEMI JOIN "
            "(SELECT DISTINCT _row FROM staged WHERE NOT child) USING (_row) "
            "WHERE child AND NOT bad)"
        )
    loaded, rejected, embedded_loaded = conn.execute(
        f"""
        WITH staged AS ({" UNION ALL ".join(parts)}),
        records AS (SELECT _row, bool_or(bad) AS bad FROM staged GROUP BY _row)
        SELECT count(*) FILTER (WHERE NOT bad), count(*) FILTER (WHERE bad), {embedded}
        FROM records
        """
    ).fetchone()
    return loaded, rejected, embedded_loaded


def _input_errors(conn: duckdb.DuckDBPyConnection, batch: Batch) -> tuple[list[Problem], int]:
    if not batch.input_checks:
        return [], 0
    parts = [
        f"SELECT _row, {_text(c.field)} AS field, ({c.reason})::VARCHAR AS reason "
        f"FROM _in WHERE {_is(c.bad)}"
        for c in batch.input_checks
    ]
    union = " UNION ALL ".join(parts)
    total = conn.execute(f"SELECT count(*) FROM ({union})").fetchone()[0]
    if not total:
        return [], 0
    rows = conn.execute(
        f"SELECT * FROM ({union}) ORDER BY _row, field LIMIT {MAX_REPORTED_ERRORS}"
    ).fetchall()
    return [Problem(batch.label, row, name, reason) for row, name, reason in rows], total


def _stage(conn: duckdb.DuckDBPyConnection, stage: Stage) -> None:
    if stage.prepared:
        conn.execute(f"DROP TABLE IF EXISTS {_staged(stage)}")
        conn.execute(f"ALTER TABLE {stage.prepared} RENAME TO {_staged(stage)}")
        return
    # The duplicate marks are columns from the start: adding them afterwards (ALTER TABLE)
    # rewrote the staged table once per column.
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE {_staged(stage)} AS "
        f"SELECT *, false AS _dup_conflict, NULL::BIGINT AS _dup_first FROM ({stage.select_sql})"
    )


def _staged(stage: Stage) -> str:
    return f"_stage_{stage.table}"


def _bad_filter(stage: Stage) -> str:
    conditions = [_is(check.bad) for check in stage.checks]
    conditions.append("_dup_conflict")
    return " OR ".join(conditions)


def _validate(
    conn: duckdb.DuckDBPyConnection, stage: Stage, file: str
) -> tuple[list[Problem], int, list[str]]:
    staged = _staged(stage)
    key = RAW_TABLES[stage.table][1]
    notices = [] if stage.key_checked else _mark_duplicates(conn, staged, key, file)
    conditions = " OR ".join(_is(c.bad) for c in stage.checks) or "false"
    failing = conn.execute(
        f"SELECT count(*) FILTER (WHERE {conditions}), count(*) FILTER (WHERE _dup_conflict) "
        f"FROM {staged}"
    ).fetchone()
    if not failing[0] and not failing[1]:
        return [], 0, notices
    parts = [
        f"SELECT _row, {_text(c.field)} AS field, ({c.reason})::VARCHAR AS reason "
        f"FROM {staged} WHERE {_is(c.bad)}"
        for c in stage.checks
    ]
    key_text = " || '/' || ".join(f"coalesce({k}::VARCHAR, '')" for k in key)
    parts.append(
        f"SELECT _row, {_text(', '.join(key))}, 'duplicate id ' || {key_text} || "
        f"' with different content (first at row ' || _dup_first || ')' "
        f"FROM {staged} WHERE _dup_conflict"
    )
    union = " UNION ALL ".join(parts)
    total = conn.execute(f"SELECT count(*) FROM ({union})").fetchone()[0]
    rows = conn.execute(
        f"SELECT _row, field, reason FROM ({union}) "
        f"ORDER BY _row, field LIMIT {MAX_REPORTED_ERRORS}"
    ).fetchall()
    return [Problem(file, row, name, reason) for row, name, reason in rows], total, notices


# Warnings quoted in a batch's notice (all of them are counted, and kept in its report).
NOTICE_WARNINGS = 3


def _warnings(
    conn: duckdb.DuckDBPyConnection, stage: Stage, file: str, bad: str, report: ImportReport
) -> list[str]:
    # Only rows that will load can carry a warning; a rejected row has its error instead.
    notices = []
    for check in stage.warnings:
        where = f"{_is(check.bad)} AND NOT ({bad})"
        total = conn.execute(f"SELECT count(*) FROM {_staged(stage)} WHERE {where}").fetchone()[0]
        if not total:
            continue
        rows = conn.execute(
            f"SELECT _row, ({check.reason})::VARCHAR FROM {_staged(stage)} WHERE {where} "
            f"ORDER BY _row LIMIT {MAX_REPORTED_ERRORS}"
        ).fetchall()
        found = [Problem(file, row, check.field, reason) for row, reason in rows]
        report.warn(found, total)
        quoted = "; ".join(str(problem) for problem in found[:NOTICE_WARNINGS])
        more = f" (and {total - NOTICE_WARNINGS} more)" if total > NOTICE_WARNINGS else ""
        notices.append(f"{file}: {total} warnings in raw.{stage.table}: {quoted}{more}")
    return notices


def _mark_duplicates(
    conn: duckdb.DuckDBPyConnection, staged: str, key: tuple[str, ...], file: str
) -> list[str]:
    # Only rows whose id repeats are hashed and ranked: they are few, the file is not.
    keys = ", ".join(key)
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _repeated AS "
        f"SELECT {keys} FROM {staged} GROUP BY ALL HAVING count(*) > 1"
    )
    if not conn.execute("SELECT count(*) FROM _repeated").fetchone()[0]:
        return []
    columns = columns_of_stage(conn, staged)
    # IS NOT DISTINCT FROM: rows missing their id repeat each other too.
    matches = " AND ".join(f"s.{name} IS NOT DISTINCT FROM r.{name}" for name in key)
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _repeats AS
        SELECT _row, _row > _first_row AND _hash = _first_hash AS _same,
               _row > _first_row AND _hash <> _first_hash AS _conflict, _first_row
        FROM (
            SELECT *, first(_hash ORDER BY _row) OVER w AS _first_hash,
                   min(_row) OVER w AS _first_row
            FROM (
                SELECT s._row, {", ".join(f"s.{name}" for name in key)},
                       {_content_hash(columns, "s.")} AS _hash
                FROM {staged} s SEMI JOIN _repeated r ON {matches}
            )
            WINDOW w AS (PARTITION BY {keys})
        )
        """
    )
    same = conn.execute("SELECT count(*) FROM _repeats WHERE _same").fetchone()[0]
    conn.execute(f"DELETE FROM {staged} WHERE _row IN (SELECT _row FROM _repeats WHERE _same)")
    conn.execute(
        f"UPDATE {staged} SET _dup_conflict = true, _dup_first = r._first_row "
        f"FROM _repeats r WHERE {staged}._row = r._row AND r._conflict"
    )
    return [_repeats_notice(file, same)] if same else []


def columns_of_stage(conn: duckdb.DuckDBPyConnection, staged: str) -> list[str]:
    """The staged table's business columns (no ``_row``)."""
    described = conn.execute(f"DESCRIBE {staged}").fetchall()
    return [row[0] for row in described if not row[0].startswith("_")]


def _merge_all(
    conn: duckdb.DuckDBPyConnection,
    *,
    source: str,
    batch: Batch,
    result: BatchResult,
    bad: dict[str, str],
    started: Any,
    cursor: str,
) -> None:
    # meta.batches keeps what each raw table received (staged rows, embedded ones included);
    # the run's record counts are _count_records'.
    if batch.read_records is not None:
        _fill_records(conn, batch, bad)
    for stage in batch.stages:
        loaded = _merge(conn, stage, source=source, batch_id=result.batch_id, bad=bad[stage.table])
        rejected = _quarantine(
            conn,
            stage,
            source=source,
            batch_id=result.batch_id,
            file=batch.label,
            bad=bad[stage.table],
        )
        conn.execute(
            f"INSERT INTO meta.batches ({BATCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, now(), ?)",
            [
                result.batch_id,
                source,
                stage.table,
                result.rows_in,
                loaded,
                rejected,
                started,
                cursor,
            ],
        )
    if not batch.stages:
        conn.execute(
            f"INSERT INTO meta.batches ({BATCH_COLUMNS}) VALUES (?, ?, NULL, ?, 0, 0, ?, now(), ?)",
            [result.batch_id, source, result.rows_in, started, cursor],
        )
    _quarantine_input(conn, batch, source, result.batch_id)
    _quarantine_scan_errors(conn, batch, source, result.batch_id)


def _fill_records(conn: duckdb.DuckDBPyConnection, batch: Batch, bad: dict[str, str]) -> None:
    # Only the quarantined rows' text is needed; read it back from the file.
    queries = [
        f"SELECT _row FROM {_staged(stage)} WHERE {bad[stage.table]}" for stage in batch.stages
    ]
    queries += [f"SELECT _row FROM _in WHERE {_is(c.bad)}" for c in batch.input_checks]
    rows = {row for (row,) in conn.execute(" UNION ".join(queries)).fetchall()}
    if not rows:
        return
    records = batch.read_records(rows)
    conn.execute(
        "UPDATE _in SET _record = r.line FROM "
        "(SELECT unnest(?::BIGINT[]) AS _row, unnest(?::VARCHAR[]) AS line) r "
        "WHERE _in._row = r._row",
        [list(records), list(records.values())],
    )


def _merge(
    conn: duckdb.DuckDBPyConnection, stage: Stage, *, source: str, batch_id: str, bad: str
) -> int:
    staged = _staged(stage)
    table = f"raw.{stage.table}"
    key = RAW_TABLES[stage.table][1]
    columns = ", ".join(columns_of(stage.table))
    good = f"(SELECT * FROM {staged} WHERE NOT ({bad}))"
    match = " AND ".join(f"g.{k} = t.{k}" for k in key)
    # A first load into an empty table has nothing to replace: skip the anti-join.
    if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
        conn.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM {good} g WHERE {match})")
    if stage.children_of:
        parent = stage.children_of
        conn.execute(
            f"DELETE FROM {table} WHERE parent_id IN "
            f"(SELECT DISTINCT {parent} FROM {good} g WHERE {parent} IS NOT NULL)"
        )
    # Rows keep their file order everywhere a report cites it (staging); the raw table does not
    # need it exactly, and appending without it lets DuckDB write with every core.
    conn.execute("SET preserve_insertion_order = false")
    try:
        return conn.execute(
            f"INSERT INTO {table} ({columns}, _source, _batch, _loaded_at) "
            f"SELECT {columns}, ?, ?, now() FROM {good} g",
            [source, batch_id],
        ).fetchone()[0]
    finally:
        conn.execute("RESET preserve_insertion_order")


def _quarantine(
    conn: duckdb.DuckDBPyConnection,
    stage: Stage,
    *,
    source: str,
    batch_id: str,
    file: str,
    bad: str,
) -> int:
    staged = _staged(stage)
    if not conn.execute(f"SELECT EXISTS (SELECT 1 FROM {staged} WHERE {bad})").fetchone()[0]:
        return 0  # nothing to keep aside, and _in (perhaps the file itself) is not read
    field, reason = _first_failure(stage.checks, duplicate=True)
    return conn.execute(
        f"""
        INSERT INTO meta.rejected_rows ({REJECTED_COLUMNS})
        SELECT ?, ?, ?, ?, s._row, s.field, s.reason, i._record, now()
        FROM (SELECT _row, {field} AS field, {reason} AS reason
              FROM {_staged(stage)} WHERE {bad}) s
        LEFT JOIN (SELECT _row, _record FROM _in) i ON i._row = s._row
        """,
        [batch_id, source, stage.table, file],
    ).fetchone()[0]


def _quarantine_input(
    conn: duckdb.DuckDBPyConnection, batch: Batch, source: str, batch_id: str
) -> int:
    if not batch.input_checks:
        return 0
    field, reason = _first_failure(batch.input_checks, duplicate=False)
    bad = " OR ".join(_is(c.bad) for c in batch.input_checks)
    return conn.execute(
        f"""
        INSERT INTO meta.rejected_rows ({REJECTED_COLUMNS})
        SELECT ?, ?, NULL, ?, _row, {field}, {reason}, _record, now()
        FROM _in WHERE {bad}
        """,
        [batch_id, source, batch.label],
    ).fetchone()[0]


def _first_failure(checks: list[Check], *, duplicate: bool) -> tuple[str, str]:
    # SQL for the field and reason of a row's first failing check (one row, one record).
    other_field = _text("(id)") if duplicate else "NULL"
    other_reason = _text("duplicate id with different content") if duplicate else "NULL"
    field = " ".join(f"WHEN {_is(c.bad)} THEN {_text(c.field)}" for c in checks)
    reason = " ".join(f"WHEN {_is(c.bad)} THEN ({c.reason})::VARCHAR" for c in checks)
    return f"CASE {field} ELSE {other_field} END", f"CASE {reason} ELSE {other_reason} END"


def _quarantine_scan_errors(
    conn: duckdb.DuckDBPyConnection, batch: Batch, source: str, batch_id: str
) -> int:
    # Rows the byte scan removed (bad UTF-8) never reached a stage; keep their report.
    for error in batch.errors:
        conn.execute(
            f"INSERT INTO meta.rejected_rows ({REJECTED_COLUMNS}) "
            "VALUES (?, ?, NULL, ?, ?, ?, ?, NULL, now())",
            [batch_id, source, error.file, error.row, error.field, error.message],
        )
    return len(batch.bad_rows)


def _is(condition: str) -> str:
    # A check whose inputs are NULL (an end date left empty) has not failed.
    return f"coalesce(({condition}), false)"


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
