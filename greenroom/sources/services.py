"""Writes for sources: create, change, upload files, and run a sync.

A sync runs inside the analytics store's single writer (greenroom.metrics.store.writer),
one batch at a time; each batch commits its rows and the source's cursor together (see
loader.py). The SyncRun row is the application's record of it and is only created once the
writer lock is held, so any other run of the source still marked "running" then belongs to
a process that died (kill -9, power cut) and is marked interrupted.
"""

import logging
import re
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
from greenroom.metrics.rawschema import ensure_raw_and_meta
from greenroom.sources.choices import AuditAction, RunStatus, SourceKind, SourceStatus, Trigger
from greenroom.sources.connectors.base import MAX_REPORTED_ERRORS
from greenroom.sources.connectors.files import FILE_SUFFIXES, upload_dir
from greenroom.sources.connectors.registry import BILLING_KINDS, FILE_KINDS, connector_for
from greenroom.sources.currencies import country_rows
from greenroom.sources.loader import BatchResult, batch_commit, last_cursor
from greenroom.sources.models import Source, SyncRun
from greenroom.sources.paths import PACKED_SUFFIXES, OutsideFolders, path_check
from greenroom.sources.schedule import schedule_parse
from greenroom.sources.selectors import source_file_list
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
        except BaseException as error:
            _run_fail(run, source, error)
            raise
        run.cursor_after = cursor
        return _run_finish(run, source)


def _prepare_connection(conn) -> None:
    conn.execute("SET TimeZone = 'UTC'")
    ensure_raw_and_meta(conn)
    names, codes = zip(*country_rows(), strict=True)
    # One statement: executemany would be a round trip per country.
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _countries AS "
        "SELECT unnest(?::VARCHAR[]) AS name, unnest(?::VARCHAR[]) AS alpha2",
        [list(names), list(codes)],
    )


def _effective_settings(source: Source) -> dict[str, Any]:
    # Amounts without a currency column are in the workspace's reporting currency.
    return {"currency": source.workspace.reporting_currency, **source.settings}


def _run_start(source: Source, *, trigger: str, actor: User | None) -> SyncRun:
    now = timezone.now()
    SyncRun.objects.filter(source=source, status=RunStatus.RUNNING).update(
        status=RunStatus.INTERRUPTED,
        finished_at=now,
        message="The process running this sync stopped before it finished; "
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
    run.notices += result.notices
    if result.committed:
        run.rows_rejected += result.rows_rejected
    else:
        run.rows_rejected += result.rows_in
    room = MAX_REPORTED_ERRORS - len(run.errors)
    # Kept (and shown by the API) as file, row, field and reason, as published.
    run.errors += [
        {"file": error.file, "row": error.row, "field": error.field, "reason": error.message}
        for error in result.errors[: max(room, 0)]
    ]
    run.errors_total += result.errors_total
    if not result.committed:
        run.status = RunStatus.REJECTED
    elif result.rows_rejected and run.status == RunStatus.RUNNING:
        run.status = RunStatus.QUARANTINED
    # Saved after each batch so the page shows progress, and a killed run shows its part.
    run.save()


def _run_finish(run: SyncRun, source: Source) -> SyncRun:
    if run.status == RunStatus.RUNNING:
        run.status = RunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.message = _summary(run)
    run.save()
    status = {
        RunStatus.SUCCEEDED: SourceStatus.OK,
        RunStatus.QUARANTINED: SourceStatus.QUARANTINED,
        RunStatus.REJECTED: SourceStatus.REJECTED,
    }[RunStatus(run.status)]
    source.status = status
    source.rows_total += run.rows_loaded
    if status != SourceStatus.REJECTED:
        source.last_synced_at = run.finished_at
    source.save(update_fields=["status", "rows_total", "last_synced_at"])
    return run


def _run_fail(run: SyncRun, source: Source, error: BaseException) -> None:
    run.status = RunStatus.FAILED
    run.finished_at = timezone.now()
    run.message = _failure_message(error)[:2000]
    run.save()
    source.rows_total += run.rows_loaded
    source.status = SourceStatus.FAILED
    source.save(update_fields=["status", "rows_total"])


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
    text = (
        f"{run.batches} batch(es): {run.rows_in} rows read, {run.rows_loaded} loaded, "
        f"{run.rows_rejected} rejected."
    )
    if run.status == RunStatus.REJECTED:
        text += " Batches with errors were not loaded; fix the file and sync again."
    return text


def _describe(name: str, result: BatchResult) -> str:
    if not result.committed:
        return (
            f"{name}: {result.label} rejected, nothing loaded: {result.errors_total} problem(s), "
            f"first: {result.errors[0] if result.errors else '?'}"
        )
    text = f"{name}: {result.label} loaded {result.rows_loaded} of {result.rows_in} rows"
    if result.rows_rejected:
        text += f", {result.rows_rejected} quarantined"
    return text
