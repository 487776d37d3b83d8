"""Running an import: check every row, stage, then save in short transactions; undo on failure.

1. **Check** (no transaction): each row is read from the file as a stream, checked against
   the workspace and *staged* in a SQLite file of its own in the data folder's ``tmp/``
   (never the main database, so checking takes no lock anyone else needs). Any bad row
   rejects the import and nothing is written.
2. **Apply**: the staged rows are saved ``CHUNK`` at a time: each chunk is compared with the
   rows it changes outside any transaction (``Importer.plan``), then written in a short
   transaction of its own that also beats the run's heartbeat (``Importer.write``). On
   SQLite, other people's writes (audit events of page views included) wait for one chunk,
   never for a file (see ``Pacer``). Only one import of a workspace applies at a time.
3. A chunk that fails **undoes** the whole import (``journal``), so imports stay all or
   nothing. A process killed mid-import leaves a run whose heartbeat stops: ``import_recover``
   (every few minutes, and before the next import of the workspace applies) undoes what it
   saved and queues it again from its file, so it is completed by the next run.
"""

import logging
import pickle
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers.choices import IMPORT_AUDIT_ACTION, ImportKind
from greenroom.customers.formats import FIELDS
from greenroom.customers.journal import Journal, journal_undo
from greenroom.customers.models import (
    Account,
    ConsentRecord,
    Contact,
    ImportChange,
    ImportRun,
    Outreach,
)
from greenroom.customers.services.accounts import AccountImporter
from greenroom.customers.services.base import Importer
from greenroom.customers.services.consent import ConsentImporter
from greenroom.customers.services.contacts import ContactImporter
from greenroom.customers.services.outreach import OutreachImporter
from greenroom.lib.imports.bulk import analyze, delete_many
from greenroom.lib.imports.columns import mapping_check
from greenroom.lib.imports.report import ImportRejected, ImportReport
from greenroom.lib.imports.tables import Table

logger = logging.getLogger(__name__)

Status = ImportRun.Status
# Rows saved per transaction: tens of milliseconds of SQLite's write lock, 0.1-0.2 s on a busy
# two-core server (benchmarks/imports.py), and few enough ids for one IN (...) on every
# SQLite version.
CHUNK = 900
ANALYZE_AFTER = 5000
# A run whose process has given no sign of life for this long was interrupted; runs beat
# every second or so while they work.
STALE_AFTER = timedelta(minutes=2)
# A queued run not started after this long is queued again (its queue entry may be lost).
QUEUED_STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3
BEAT_EVERY = 1.0

IMPORTERS: dict[str, type[Importer]] = {
    ImportKind.ACCOUNTS: AccountImporter,
    ImportKind.CONTACTS: ContactImporter,
    ImportKind.CONSENT: ConsentImporter,
    ImportKind.OUTREACH: OutreachImporter,
}
# The tables whose statistics a large import of each kind changes.
ANALYZED = {
    ImportKind.ACCOUNTS: (Account,),
    ImportKind.CONTACTS: (Contact,),
    ImportKind.CONSENT: (ConsentRecord, Contact),
    ImportKind.OUTREACH: (Outreach, Contact),
}


class ImportBusy(ValidationError):
    """Another import of the workspace was being saved for longer than this one could wait."""


class Interrupted(RuntimeError):
    """The run was taken over by recovery (its heartbeat had stopped): stop saving."""


def run_import(
    *, run: ImportRun, table: Table, actor: User | None, wait: float | None
) -> ImportReport:
    """Check, stage and apply ``table`` for ``run`` (status CHECKING); returns the report or
    raises ImportRejected (nothing saved). ``wait``: seconds to wait for another import of
    the workspace to finish saving (None: as long as it takes), else ImportBusy."""
    report = ImportReport(file=table.name, kind=run.kind)
    importer = IMPORTERS[run.kind](run.workspace, run.format, run.mapping, report)
    beat = Heartbeat(run)
    with Stage(stage_path(run)) as stage:
        try:
            mapping_check(
                fields=FIELDS[run.kind],
                what=run.kind,
                mapping=run.mapping,
                headers=table.headers,
                report=report,
            )
            _check(importer, table, stage, beat)
        except ImportRejected:
            pass  # the report holds the problems
        except ValidationError as error:
            # A file found unreadable halfway (bad UTF-8) is a problem of the file too; the
            # problem names the file already.
            for message in error.messages:
                report.problem(None, "(file)", message.removeprefix(f"{report.file}: "))
        if report.rejected:
            _finish(run, Status.FAILED, report)
            raise ImportRejected(report)
        try:
            _claim(run, beat, wait)
        except ImportBusy as busy:
            report.problem(None, "(import)", busy.messages[0])
            _finish(run, Status.FAILED, report)
            raise
        _apply(run, importer, stage, beat)
    _done(run, report, actor)
    return report


def stage_path(run: ImportRun) -> Path:
    """Where a run's checked rows wait to be applied."""
    return Path(settings.FILE_UPLOAD_TEMP_DIR) / f"import-{run.pk}.stage"


class Stage:
    """Checked rows kept in a SQLite file of their own until they are applied, sorted by
    (group, order); read back in chunks that never split a group."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self.path, self.count = path, 0
        self.pending: list[tuple[int, str, bytes]] = []
        self.db = sqlite3.connect(path)
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE staged (grp INTEGER, ord TEXT, payload BLOB);"
        )

    def __enter__(self) -> "Stage":
        return self

    def __exit__(self, *exc) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)

    def add(self, group: int, order: str, payload: Any) -> None:
        # Pickle is safe here: the file is written and read by this process only.
        self.pending.append((group, order, pickle.dumps(payload, pickle.HIGHEST_PROTOCOL)))
        self.count += 1
        if len(self.pending) >= 5000:
            self.flush()

    def flush(self) -> None:
        self.db.executemany("INSERT INTO staged VALUES (?, ?, ?)", self.pending)
        self.pending = []

    def chunks(self, size: int) -> Iterator[list]:
        self.flush()
        chunk: list = []
        group = None
        rows = self.db.execute("SELECT grp, payload FROM staged ORDER BY grp, ord, rowid")
        for next_group, payload in rows:
            if len(chunk) >= size and next_group != group:
                yield chunk
                chunk = []
            chunk.append(pickle.loads(payload))
            group = next_group
        if chunk:
            yield chunk


class Heartbeat:
    """The run's sign of life and progress, written at most every second while checking,
    and inside every chunk's transaction while saving (so a run taken over by recovery
    cannot save one more chunk)."""

    def __init__(self, run: ImportRun):
        self.run, self.last = run, 0.0

    def due(self) -> bool:
        return time.monotonic() - self.last >= BEAT_EVERY

    def now(self, **progress: Any) -> None:
        self.last = time.monotonic()
        ImportRun.objects.filter(pk=self.run.pk).update(heartbeat_at=timezone.now(), **progress)

    def within(self, expected: str, **changes: Any) -> None:
        self.last = time.monotonic()
        mine = ImportRun.objects.filter(pk=self.run.pk, status=expected)
        if not mine.update(heartbeat_at=timezone.now(), **changes):
            raise Interrupted(f"import {self.run.pk} is no longer {expected}")


def _check(importer: Importer, table: Table, stage: Stage, beat: Heartbeat) -> None:
    report, rows, started = importer.report, 0, time.monotonic()
    for line, raw in table.rows:
        staged = importer.check(line, raw)
        rows += 1
        # Once the import is rejected, rows are still checked (to report every problem)
        # but no longer kept.
        if staged is not None and not report.rejected:
            stage.add(*staged)
        if beat.due():
            beat.now(progress=int(table.done() * 100), rows=rows)
    for line, problem in table.problems:
        report.problem(line, "(row)", problem)
    beat.now(progress=100, rows=rows)
    logger.info("Checked %d rows in %.1f s.", rows, time.monotonic() - started)


def _claim(run: ImportRun, beat: Heartbeat, wait: float | None) -> None:
    """Become the workspace's one import that applies; recover a stale one in the way."""
    deadline = None if wait is None else time.monotonic() + wait
    while True:
        with transaction.atomic():
            # PostgreSQL: claims of one workspace one at a time (SQLite: IMMEDIATE already).
            list(Workspace.objects.select_for_update().filter(pk=run.workspace_id).values("pk"))
            other = (
                ImportRun.objects.filter(
                    workspace_id=run.workspace_id, status__in=(Status.APPLYING, Status.UNDOING)
                )
                .exclude(pk=run.pk)
                .first()
            )
            if other is None:
                beat.within(Status.CHECKING, status=Status.APPLYING, progress=0)
                return
        if other.heartbeat_at is None or other.heartbeat_at < timezone.now() - STALE_AFTER:
            import_recover_one(run=other)
            continue
        if deadline is not None and time.monotonic() > deadline:
            raise ImportBusy(
                "Another import is being saved in this workspace; try again in a minute."
            )
        if beat.due():
            beat.now()
        time.sleep(0.5)


def _apply(run: ImportRun, importer: Importer, stage: Stage, beat: Heartbeat) -> None:
    journal, pacer, saved, started = Journal(run), Pacer(), 0, time.monotonic()
    try:
        for chunk in stage.chunks(CHUNK):
            saved += len(chunk)
            progress = saved * 100 // max(stage.count, 1)
            _save_chunk(importer, chunk, journal, pacer, beat, progress)
    except Interrupted:
        raise
    except IntegrityError as error:
        # Rows changed under the import since they were checked (merged, deleted): the
        # file is fine, the moment was not.
        _undo_failed(run, importer.report, error)
        raise ImportRejected(importer.report) from error
    except Exception as error:
        logger.exception("Import %s failed while saving; undoing it.", run.pk)
        _undo_failed(run, importer.report, error)
        raise
    # KeyboardInterrupt and SystemExit pass through untouched: the worker is stopping, and
    # recovery undoes and requeues the run once its heartbeat is stale.
    logger.info(
        "Saved %d rows in %.1f s, %d transactions holding the database %.1f s in all, "
        "the longest %.0f ms.",
        saved, time.monotonic() - started, pacer.count, pacer.held, pacer.longest * 1000,
    )  # fmt: skip


def _save_chunk(
    importer: Importer,
    chunk: list,
    journal: Journal,
    pacer: "Pacer",
    beat: Heartbeat,
    progress: int,
) -> None:
    """Plan the chunk outside any transaction, then write it in a short one; planned again
    once if a row changed in between (the write then fails on a constraint)."""
    for attempt in (1, 2):
        plan = importer.plan(chunk, journal)
        tally = ImportReport(file="", kind=importer.report.kind)
        pacer.wait()
        try:
            with pacer.holding(), transaction.atomic():
                beat.within(Status.APPLYING, progress=progress)
                importer.write(plan, journal, tally)
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        importer.report.merge(tally)
        return


class Pacer:
    """Times the chunks' transactions and, on SQLite, leaves the write lock free after each
    for as long as it was held. Writers waiting for it sit in SQLite's busy handler, which
    tries again only every 100 ms or so: a writer that took the lock back at once would
    keep them waiting, chunk after chunk, up to the busy timeout (the "database is locked"
    errors of a long import)."""

    def __init__(self):
        # Inside an outer transaction (tests, the sandbox build) nothing is released anyway.
        self.paced = connection.vendor == "sqlite" and not connection.in_atomic_block
        self.free_until, self.longest, self.held, self.count = 0.0, 0.0, 0.0, 0

    def wait(self) -> None:
        delay = self.free_until - time.monotonic()
        if self.paced and delay > 0:
            time.sleep(delay)

    @contextmanager
    def holding(self) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            held = time.monotonic() - started
            self.longest, self.held, self.count = (
                max(self.longest, held),
                self.held + held,
                self.count + 1,
            )
            self.free_until = time.monotonic() + held


def _undo_failed(run: ImportRun, report: ImportReport, error: Exception) -> None:
    ImportRun.objects.filter(pk=run.pk).update(status=Status.UNDOING, progress=0)
    undone = journal_undo(run=run, beat=Heartbeat(run).now)
    report.forget_counts()
    report.problem(None, "(import)", f"saving failed, so nothing was kept: {error}"[:500])
    _finish(run, Status.FAILED, report, undone=undone)


def _done(run: ImportRun, report: ImportReport, actor: User | None) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            workspace=run.workspace,
            action=IMPORT_AUDIT_ACTION[ImportKind(run.kind)],
            detail={"file": run.filename, "format": run.format, "summary": report.summary()},
        )
        _finish(run, Status.DONE, report)
    # The previous values are no longer needed once the import is complete.
    _forget_changes(run)
    if report.created + report.updated >= ANALYZE_AFTER:
        analyze(*ANALYZED[ImportKind(run.kind)])


def _finish(run: ImportRun, status: str, report: ImportReport, **extra: Any) -> None:
    run.status, run.finished_at = status, timezone.now()
    run.report = _jsonable({**report.as_dict(), **extra})
    done = {"progress": 100} if status == Status.DONE else {}
    ImportRun.objects.filter(pk=run.pk).update(
        status=run.status, finished_at=run.finished_at, report=run.report, **done
    )


def _jsonable(report: dict) -> dict:
    # Keep the stored report small: the first 500 problems are enough to fix a file.
    return {**report, "errors": report["errors"][:500], "skipped": report["skipped"][:500]}


def _forget_changes(run: ImportRun) -> None:
    while ids := list(ImportChange.objects.filter(run=run).values_list("pk", flat=True)[:5000]):
        with transaction.atomic():
            delete_many(ImportChange, ids)


# --- recovery -----------------------------------------------------------------------------


def stale_runs() -> list[ImportRun]:
    """Active runs whose process stopped giving signs of life."""
    now = timezone.now()
    working = Q(status__in=(Status.CHECKING, Status.APPLYING, Status.UNDOING))
    return list(
        ImportRun.objects.filter(
            (working & Q(heartbeat_at__lt=now - STALE_AFTER))
            | Q(status=Status.QUEUED, heartbeat_at__lt=now - QUEUED_STALE_AFTER)
        ).select_related("workspace")
    )


def import_recover_one(*, run: ImportRun) -> bool:
    """Undo what an interrupted run saved, then queue it again from its file (or mark it
    failed); False if the run turned out to be alive after all."""
    now = timezone.now()
    cutoff = now - (QUEUED_STALE_AFTER if run.status == Status.QUEUED else STALE_AFTER)
    taken = ImportRun.objects.filter(pk=run.pk, status=run.status, heartbeat_at__lt=cutoff)
    if not taken.update(status=Status.UNDOING, heartbeat_at=now):
        return False
    logger.warning("Import %s (%s) was interrupted; undoing what it saved.", run.pk, run)
    undone = journal_undo(run=run, beat=Heartbeat(run).now)
    stage_path(run).unlink(missing_ok=True)
    stored = Path(run.stored_path) if run.stored_path else None
    if stored and stored.exists() and run.attempts < MAX_ATTEMPTS:
        _requeue(run)
        return True
    report = ImportReport(file=run.filename, kind=run.kind)
    report.problem(None, "(import)", "the import was interrupted, so nothing of it was kept")
    _finish(run, Status.FAILED, report, undone=undone)
    if stored:
        stored.unlink(missing_ok=True)
    return True


def _requeue(run: ImportRun) -> None:
    # Imported here: the tasks module imports the services, which import this module.
    from greenroom.customers.tasks import import_file
    from greenroom.jobs.registry import enqueue

    ImportRun.objects.filter(pk=run.pk).update(
        status=Status.QUEUED, heartbeat_at=timezone.now(), progress=0, rows=0
    )
    enqueue(import_file, workspace_id=run.workspace_id, run_id=run.pk)


def forget_finished_changes() -> int:
    """Drop previous values left behind by runs that finished (a process stopped between
    finishing and cleaning up); returns how many runs had some."""
    finished = ImportChange.objects.filter(run__status__in=(Status.DONE, Status.FAILED))
    runs = list(ImportRun.objects.filter(pk__in=finished.values("run_id")))
    for run in runs:
        _forget_changes(run)
    return len(runs)


def run_start(*, run: ImportRun) -> bool:
    """Claim a queued run for this process (a run is started once even if queued twice)."""
    return bool(
        ImportRun.objects.filter(pk=run.pk, status=Status.QUEUED).update(
            status=Status.CHECKING, heartbeat_at=timezone.now(), attempts=F("attempts") + 1
        )
    )
