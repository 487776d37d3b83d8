"""Writes for sources: create, change, upload and remove files, run a sync, remove a source.

A sync runs inside the analytics store's single writer (greenroom.metrics.store.writer),
one batch at a time; each batch commits its rows and the source's cursor together (see
loader.py). The SyncRun row is the application's record of it and is only created once the
writer lock is held, so any other run of the source still marked "running" then belongs to
a process that died (kill -9, power cut) and is marked interrupted.
"""

import functools
import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.lib.redact import redact_paths, short_path
from greenroom.metrics import store
from greenroom.metrics.rawschema import RAW_TABLES, ensure_raw_and_meta
from greenroom.sources.choices import AuditAction, RunStatus, SourceKind, SourceStatus, Trigger
from greenroom.sources.connectors.base import MAX_REPORTED_ERRORS
from greenroom.sources.connectors.files import FILE_SUFFIXES, upload_dir
from greenroom.sources.connectors.registry import BILLING_KINDS, FILE_KINDS, connector_for
from greenroom.sources.currencies import country_rows
from greenroom.sources.loader import BatchResult, batch_commit, last_cursor
from greenroom.sources.models import Source, SyncRun
from greenroom.sources.paths import PACKED_SUFFIXES, OutsideFolders, path_check
from greenroom.sources.schedule import schedule_parse
from greenroom.sources.selectors import source_file_list, upload_file
from greenroom.sources.settings_schema import settings_clean

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@transaction.atomic
def source_create(
    *,
    actor: User | None,
    workspace: Workspace,
    name: str,
    kind: str,
    settings: dict[str, Any] | None = None,
    schedule: str = "",
    enabled: bool = True,
    trusted: bool = False,
) -> Source:
    """A new source; its settings are checked against its kind.

    ``trusted`` (the command line, run by whoever runs the server) may read files anywhere;
    from the web or the API a ``path`` must stay inside the allowed folders, now and at
    every sync (see greenroom/sources/paths.py), or a product-ops login could read the
    server's own files.
    """
    name = (name or "").strip().lower()
    if not _NAME.match(name):
        raise ValidationError(
            {"name": "Use lower-case letters, digits, - and _ (e.g. stripe-billing)."}
        )
    if kind not in SourceKind.values:
        raise ValidationError(
            {"kind": f"Unknown kind {kind!r}; use one of {', '.join(SourceKind.values)}."}
        )
    if Source.objects.for_workspace(workspace).filter(name=name).exists():
        raise ValidationError({"name": f"A source named {name!r} already exists."})
    schedule_parse(schedule)
    cleaned = settings_clean(kind, settings or {})
    _check_path(cleaned, trusted=trusted)
    source = Source.objects.create(
        workspace=workspace,
        name=name,
        kind=kind,
        settings=cleaned,
        path_trusted=trusted,
        schedule=schedule.strip(),
        enabled=enabled,
    )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.SOURCE_CREATE,
        target=source,
        detail={"kind": kind},
    )
    return source


@transaction.atomic
def source_update(
    *,
    actor: User | None,
    source: Source,
    settings: dict[str, Any] | None = None,
    schedule: str | None = None,
    enabled: bool | None = None,
    trusted: bool = False,
) -> Source:
    """Change a source's settings, schedule or whether it syncs on schedule.

    With ``trusted`` (the command line) the path is trusted from now on; a path changed on
    the web or the API is checked and from then on kept inside the allowed folders.
    """
    if settings is not None:
        cleaned = settings_clean(source.kind, settings)
        if trusted or cleaned.get("path") != source.settings.get("path"):
            _check_path(cleaned, trusted=trusted)
            source.path_trusted = trusted
        source.settings = cleaned
    if schedule is not None:
        schedule_parse(schedule)
        source.schedule = schedule.strip()
    if enabled is not None:
        source.enabled = enabled
    source.save()
    audit_record(
        actor=actor, workspace=source.workspace, action=AuditAction.SOURCE_UPDATE, target=source
    )
    return source


def _check_path(settings: dict[str, Any], *, trusted: bool) -> None:
    if settings.get("path") and not trusted:
        path_check(settings["path"])


def source_upload(*, actor: User | None, source: Source, upload: UploadedFile) -> Path:
    """Keep an uploaded file with the source; the next sync loads it."""
    if source.kind not in FILE_KINDS:
        raise ValidationError({"file": "This source reads an API, not files."})
    suffix = Path(upload.name or "").suffix.lower()
    allowed = FILE_SUFFIXES | PACKED_SUFFIXES if source.kind in BILLING_KINDS else FILE_SUFFIXES
    if suffix not in allowed:
        raise ValidationError({"file": f"Upload {', '.join(sorted(allowed))} files."})
    folder = upload_dir(source.workspace_id, source.name)
    folder.mkdir(parents=True, exist_ok=True)
    # The time prefix keeps upload order (files load in name order) and never overwrites.
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(upload.name or "").stem)[:80] or "upload"
    target = folder / f"{timezone.now():%Y%m%dT%H%M%S%f}-{stem}{suffix}"
    with open(target, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    audit_record(
        actor=actor,
        workspace=source.workspace,
        action=AuditAction.SOURCE_UPLOAD,
        target=source,
        detail={"file": target.name, "bytes": upload.size},
    )
    return target


def source_file_delete(*, actor: User | None, source: Source, name: str) -> None:
    """Remove one uploaded file so no later sync reads (or reports) it again.

    Rows it loaded stay in the store: they were merged by id with the source's other files,
    so they are not the file's alone; removing the source removes them.
    """
    path = upload_file(source, name)
    path.unlink()
    audit_record(
        actor=actor,
        workspace=source.workspace,
        action=AuditAction.SOURCE_FILE_DELETE,
        target=source,
        detail={"file": name},
    )


def source_delete(*, actor: User | None, source: Source) -> int:
    """Remove a source with its sync history, uploaded files and every row it loaded into
    the analytics store, and queue a full refresh; returns the rows deleted from the store.

    Its rows go too: a source nobody can see any more must not keep feeding the metrics, and
    its cursor (kept with its batches) must not resume under a new source of the same name.
    The store's writer is taken first (a running sync finishes), and only then the database
    transaction, so the two never wait on each other; the store is changed inside that
    transaction, so if it fails the source stays.
    """
    from greenroom.jobs.registry import enqueue  # imported here, as source_sync_request
    from greenroom.metrics.tasks import refresh

    workspace = source.workspace
    name, uploads = source.name, upload_dir(source.workspace_id, source.name)
    with store.writer(workspace.pk) as conn, transaction.atomic():
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.SOURCE_DELETE,
            target=source,
            detail={"name": name, "kind": source.kind},
        )
        source.delete()
        removed = _store_rows_delete(conn, name)
    shutil.rmtree(uploads, ignore_errors=True)
    enqueue(refresh, workspace_id=workspace.pk, full=True)
    return removed


def _store_rows_delete(conn, name: str) -> int:
    ensure_raw_and_meta(conn)
    conn.execute("BEGIN TRANSACTION")
    try:
        removed = sum(
            conn.execute(f"DELETE FROM raw.{table} WHERE _source = ?", [name]).fetchone()[0]
            for table in RAW_TABLES
        )
        conn.execute("DELETE FROM meta.batches WHERE source = ?", [name])
        conn.execute("DELETE FROM meta.rejected_rows WHERE source = ?", [name])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return removed


def source_sync_request(*, actor: User, source: Source, trigger: str) -> Any:
    """Queue a sync of ``source`` as a background job; returns the queued JobRun."""
    # Imported here: the tasks module imports this one.
    from greenroom.jobs.registry import enqueue
    from greenroom.sources.tasks import sync_source

    audit_record(
        actor=actor,
        workspace=source.workspace,
        action=AuditAction.SOURCE_SYNC,
        target=source,
        detail={"trigger": trigger},
    )
    return enqueue(
        sync_source,
        workspace_id=source.workspace_id,
        source_id=source.pk,
        trigger=trigger,
        actor_id=actor.pk,
    )


def source_sync(
    *,
    source: Source,
    trigger: str = Trigger.CLI,
    actor: User | None = None,
    full: bool = False,
    progress: Progress | None = None,
) -> SyncRun:
    """Load what is new in ``source`` into the raw layer; returns the finished run.

    ``full`` ignores the cursor and reads everything again (merges keep it duplicate-free).
    An exception (an API down after its retries) is recorded on the run and raised.
    """
    say = progress or logger.info
    with store.writer(source.workspace_id) as conn:
        run = _run_start(source, trigger=trigger, actor=actor)
        try:
            _prepare_connection(conn)
            cursor = {} if full else last_cursor(conn, source.name)
            run.cursor_before = cursor
            connector = connector_for(source.kind)(
                name=source.name,
                settings=_effective_settings(source),
                files=source_file_list(source),
            )
            for batch in connector.batches(cursor):
                say(f"{source.name}: loading {batch.label} …")
                result = batch_commit(
                    conn,
                    source=source.name,
                    batch=batch,
                    cursor=cursor,
                    quarantine=bool(source.settings.get("quarantine")),
                )
                if result.committed:
                    cursor = last_cursor(conn, source.name)
                _run_add(run, result)
                say(_describe(source.name, result))
            rows_held = _rows_held(conn, source, connector.tables)
        except BaseException as error:
            _run_fail(run, source, error)
            raise
        run.cursor_after = cursor
        return _run_finish(run, source, rows_held)


def _prepare_connection(conn) -> None:
    conn.execute("SET TimeZone = 'UTC'")
    ensure_raw_and_meta(conn)
    # One statement of literal rows: executemany would be a round trip per country, and
    # binding the names as list parameters cost about a second of every sync.
    conn.execute(f"CREATE OR REPLACE TEMP TABLE _countries AS {_countries_sql()}")


@functools.cache
def _countries_sql() -> str:
    rows = ", ".join(
        "('{}', '{}')".format(name.replace("'", "''"), code) for name, code in country_rows()
    )
    return f"SELECT * FROM (VALUES {rows}) AS c(name, alpha2)"


def _effective_settings(source: Source) -> dict[str, Any]:
    # Amounts without a currency column are in the workspace's reporting currency.
    return {"currency": source.workspace.reporting_currency, **source.settings}


def _run_start(source: Source, *, trigger: str, actor: User | None) -> SyncRun:
    now = timezone.now()
    SyncRun.objects.filter(source=source, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED,
        finished_at=now,
        message="Interrupted: the process running this sync stopped before it finished; "
        "batches it had committed are kept, the rest was loaded by a later sync.",
    )
    run = SyncRun.objects.create(source=source, trigger=trigger, actor=actor)
    Source.objects.filter(pk=source.pk).update(
        status=SourceStatus.RUNNING, last_sync_started_at=now
    )
    return run


def _run_add(run: SyncRun, result: BatchResult) -> None:
    run.batches += 1
    run.rows_in += result.rows_in
    run.rows_loaded += result.rows_loaded
    run.rows_rejected += result.rows_rejected
    run.rows_skipped += result.rows_skipped
    run.embedded_loaded += result.embedded_loaded
    run.notices += result.notices
    room = MAX_REPORTED_ERRORS - len(run.errors)
    # Kept (and shown by the API) as file, row, field and reason, as published.
    run.errors += [
        {"file": error.file, "row": error.row, "field": error.field, "reason": error.message}
        for error in result.errors[: max(room, 0)]
    ]
    run.errors_total += result.errors_total
    if not result.committed:
        run.batches_rejected += 1
    # Saved after each batch so the page shows progress, and a killed run shows its part.
    run.save()


def _outcome(run: SyncRun) -> RunStatus:
    # Rejected only when nothing was loaded; a run that loaded some batches or rows and
    # refused others is partly loaded.
    if run.batches == 0:
        return RunStatus.SKIPPED
    if run.batches_rejected == run.batches:
        return RunStatus.REJECTED
    if run.batches_rejected or run.rows_rejected:
        return RunStatus.PARTLY_LOADED
    return RunStatus.SUCCEEDED


def _run_finish(run: SyncRun, source: Source, rows_held: int) -> SyncRun:
    run.status = _outcome(run)
    run.finished_at = timezone.now()
    run.message = _summary(run)
    run.save()
    source.status = run.status
    source.rows_total = rows_held
    # The freshness: a rejected run committed nothing; one that found nothing new confirms
    # the data is as current as the files.
    if run.status != RunStatus.REJECTED:
        source.last_synced_at = run.finished_at
    source.save(update_fields=["status", "rows_total", "last_synced_at"])
    return run


def _run_fail(run: SyncRun, source: Source, error: BaseException) -> None:
    run.status = RunStatus.FAILED
    run.finished_at = timezone.now()
    run.message = _failure_message(error)[:2000]
    run.save()
    source.status = SourceStatus.FAILED
    source.save(update_fields=["status"])


def _rows_held(conn, source: Source, tables: tuple[str, ...]) -> int:
    # What the store holds from this source, embedded objects included: summing each sync's
    # loaded rows would count a row again every time a full sync replaces it.
    if not tables:
        return 0
    union = " UNION ALL ".join(
        f"SELECT count(*) AS n FROM raw.{table} WHERE _source = ?" for table in tables
    )
    return conn.execute(f"SELECT sum(n) FROM ({union})", [source.name] * len(tables)).fetchone()[0]


def _failure_message(error: BaseException) -> str:
    # Every member reads this on the source page and in the API: name the file, never its
    # server path (the job run keeps the whole traceback for the operator).
    if isinstance(error, OutsideFolders):
        return str(error)
    if isinstance(error, OSError) and error.filename:
        return f"{short_path(error.filename)}: {error.strerror or 'cannot be read'}."
    return redact_paths(f"{type(error).__name__}: {error}")


def _summary(run: SyncRun) -> str:
    if run.batches == 0:
        return "Nothing new to load."
    text = f"{run.batches} batch(es): {counts_text(run)}."
    if run.batches_rejected:
        text += (
            f" {run.batches_rejected} batch(es) rejected whole (nothing of them loaded); "
            "fix the file and sync again."
        )
    return text


def counts_text(counts: Any) -> str:
    """A run's or a batch's rows in the one wording every surface uses: read, loaded,
    rejected, skipped, and embedded objects on their own."""
    text = (
        f"{counts.rows_in} rows read: {counts.rows_loaded} loaded, "
        f"{counts.rows_rejected} rejected, {counts.rows_skipped} skipped"
    )
    if counts.embedded_loaded:
        text += f"; {counts.embedded_loaded} embedded objects (invoice lines, items) loaded"
    return text


def _describe(name: str, result: BatchResult) -> str:
    if not result.committed:
        return (
            f"{name}: {result.label} rejected, nothing loaded: {counts_text(result)}; "
            f"{result.errors_total} problem(s), first: "
            f"{result.errors[0] if result.errors else '?'}"
        )
    return f"{name}: {result.label}: {counts_text(result)}"
