"""Importing customer data: a file held in memory, records sent through the API, or an
upload kept for the mapping step and then imported at once or by a background job.

How one import is checked, saved and undone is ``importing``; what each kind of row means
is in its capability's module (accounts, contacts, consent, outreach).
"""

import logging
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.move import file_move_safe
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.customers.choices import ImportFormat, ImportKind
from greenroom.customers.formats import format_detect, mapping_guess
from greenroom.customers.models import ImportRun
from greenroom.customers.services import importing
from greenroom.customers.services.importing import run_import
from greenroom.jobs.registry import enqueue
from greenroom.lib.imports.report import ImportRejected, ImportReport
from greenroom.lib.imports.tables import Table, table_open, table_read

logger = logging.getLogger(__name__)

# Files up to this size are imported in the request that confirms them (well under a second
# of work); larger ones by a background job while the page shows their progress.
INLINE_IMPORT_MAX = 1_000_000
# How long an import made in a request waits for another import of the workspace to finish
# saving before it gives up.
INLINE_WAIT = 10.0
Status = ImportRun.Status


def records_import(
    *,
    actor: User | None,
    workspace: Workspace,
    kind: str,
    name: str,
    data: bytes,
    format: str = "auto",
    mapping: dict[str, str] | None = None,
) -> ImportReport:
    """Import one CSV or XLSX file of ``kind`` held in memory, here and now; ``format``
    'auto' recognises Salesforce and HubSpot exports by their columns. Raises
    ImportRejected (nothing saved) on any bad row."""
    table = table_read(name=name, data=data)
    format = _format(format, table.headers)
    run = _run_create(
        actor, workspace, kind, format, name, size=len(data),
        mapping=mapping or mapping_guess(kind=kind, format=format, headers=table.headers),
    )  # fmt: skip
    return run_import(run=run, table=table, actor=actor, wait=INLINE_WAIT)


def records_upsert(
    *, actor: User | None, workspace: Workspace, kind: str, source: str, records: list[dict]
) -> ImportReport:
    """Create or update records sent through the API, keyed by their id in ``source``
    (salesforce, hubspot or generic); validated exactly like an imported file."""
    headers = sorted({name for record in records for name in record})
    rows = [
        (index, {name: _text(record.get(name)) for name in headers})
        for index, record in enumerate(records, start=1)
    ]
    table = Table(name="request", headers=headers, rows=rows)
    mapping = {name: name for name in headers}
    run = _run_create(actor, workspace, kind, source, "request", size=0, mapping=mapping)
    return run_import(run=run, table=table, actor=actor, wait=INLINE_WAIT)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def _format(format: str, headers: list[str]) -> str:
    if format == "auto":
        format = format_detect(headers)
    if format not in ImportFormat.values:
        raise ValidationError({"format": f"Unknown format {format!r}."})
    return format


def _run_create(actor, workspace, kind, format, name, *, size: int, mapping) -> ImportRun:
    if kind not in ImportKind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    return ImportRun.objects.create(
        workspace=workspace,
        kind=kind,
        format=format,
        filename=name[:255],
        size=size,
        mapping=mapping,
        status=Status.CHECKING,
        attempts=1,
        heartbeat_at=timezone.now(),
        created_by=actor,
    )


def import_upload(
    *, actor: User, workspace: Workspace, kind: str, format: str, upload: File
) -> ImportRun:
    """Keep an uploaded file for the mapping step, after checking that it can be read; the
    file is moved or copied in chunks to the data folder, never read whole into memory."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    name = Path(upload.name or "upload").name
    path = _store(upload, suffix=Path(name).suffix.lower()[:6])
    try:
        with path.open("rb") as stream:
            headers = table_open(name=name, stream=stream).headers
        format = _format(format, headers)
    except ValidationError:
        path.unlink(missing_ok=True)
        raise
    return ImportRun.objects.create(
        workspace=workspace,
        kind=kind,
        format=format,
        filename=name[:255],
        stored_path=str(path),
        size=path.stat().st_size,
        mapping=mapping_guess(kind=kind, format=format, headers=headers),
        created_by=actor,
    )


def _store(upload: File, *, suffix: str) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "customer-imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    if hasattr(upload, "temporary_file_path"):
        # Already on disk in the data folder's tmp/: moved, not copied.
        file_move_safe(upload.temporary_file_path(), str(path))
        return path
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def import_start(*, actor: User, run: ImportRun, mapping: dict[str, str]) -> ImportRun:
    """Import an uploaded file with the confirmed mapping: a small file at once (raising
    ImportRejected if a row is wrong), a larger one as a background job. The run keeps the
    progress and the report."""
    mapping = {name: column for name, column in mapping.items() if column}
    queued = run.size > INLINE_IMPORT_MAX
    started = ImportRun.objects.filter(pk=run.pk, status=Status.MAPPING).update(
        mapping=mapping,
        status=Status.QUEUED if queued else Status.CHECKING,
        attempts=0 if queued else 1,
        heartbeat_at=timezone.now(),
    )
    if not started:
        raise ValidationError("This file was already imported; upload it again to re-import.")
    run.refresh_from_db()
    if queued:
        # Imported here: the tasks module imports this one.
        from greenroom.customers.tasks import import_file

        enqueue(import_file, workspace_id=run.workspace_id, run_id=run.pk)
        return run
    _import_stored(run, actor, wait=INLINE_WAIT)
    return run


def import_execute(*, run: ImportRun) -> ImportReport | None:
    """Run a queued import (the import job's work); None when another process already
    started it. A rejected file is a finished run, not a failure of the job."""
    if not importing.run_start(run=run):
        logger.info("Import %s was already started elsewhere.", run.pk)
        return None
    run.refresh_from_db()
    try:
        return _import_stored(run, run.created_by, wait=None)
    except ImportRejected as rejected:
        return rejected.report


def _import_stored(run: ImportRun, actor: User | None, *, wait: float | None) -> ImportReport:
    try:
        with open(run.stored_path, "rb") as stream:
            table = table_open(name=run.filename, stream=stream)
            return run_import(run=run, table=table, actor=actor, wait=wait)
    finally:
        # The upload holds personal data the database now has (or refused): keeping a copy
        # would escape erasure requests. An interrupted run keeps it to be imported again.
        if run.status in (Status.DONE, Status.FAILED):
            Path(run.stored_path).unlink(missing_ok=True)


def import_recover() -> int:
    """Undo what interrupted imports saved and queue them again from their files (see
    ``importing``); returns how many runs were recovered."""
    recovered = sum(importing.import_recover_one(run=run) for run in importing.stale_runs())
    importing.forget_finished_changes()
    return recovered
