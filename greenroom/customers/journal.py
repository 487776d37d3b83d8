"""What an import changed, so that a failed or interrupted import can be undone.

An import saves its rows in many short transactions (other people's writes wait for a
chunk, never for a whole file), so the database cannot roll the whole import back by
itself. Instead every chunk records, in its own transaction: the import's run on each row it
creates, and the previous values of each row it updates (``ImportChange``). Undoing puts the
previous values back, but only where the import's value is still there (someone may have
edited the row since), and deletes the rows the import created unless something else now
points at them. Undo is itself done in short transactions and can be resumed.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, OuterRef

from greenroom.customers.models import (
    Account,
    ArrSnapshot,
    ConsentRecord,
    Contact,
    ImportChange,
    ImportRun,
    Outreach,
)
from greenroom.lib.imports.bulk import concrete_field, delete_many, insert_many, update_many

UNDO_CHUNK = 500
# Rows that refer to others go first, so the rows they refer to can go after them.
CREATED = (ConsentRecord, Outreach, ArrSnapshot, Contact, Account)
MODELS = {model._meta.label_lower: model for model in CREATED}


class Journal:
    """Writes of one import: tagged inserts and updates that keep the previous values.
    Without a run (a single change made on a page) it writes and records nothing more."""

    def __init__(self, run: ImportRun | None):
        self.run = run

    def tag(self, rows: list[dict]) -> list[dict]:
        """The rows, marked as created by this import."""
        if self.run is None:
            return rows
        return [{**row, "import_run_id": self.run.pk} for row in rows]

    def insert(self, model: type[models.Model], rows: list[dict]) -> None:
        """INSERT the rows, marked as created by this import."""
        insert_many(model, self.tag(rows))

    def update(
        self, model: type[models.Model], rows: list[dict], names: list[str], before: dict
    ) -> None:
        """UPDATE the named columns of the rows (dicts with ``pk``); ``before`` holds each
        row's current values by pk, read in this same transaction."""
        if self.run is not None:
            insert_many(ImportChange, list(self._changes(model, rows, names, before)))
        update_many(model, rows, names)

    def _changes(
        self, model: type[models.Model], rows: list[dict], names: list[str], before: dict
    ) -> Iterator[dict]:
        assert self.run is not None  # update() journals only with a run
        columns = [concrete_field(model, name).attname for name in names]
        for row in rows:
            old = before[row["pk"]]
            changed = [c for c in columns if old[c] != row[c]]
            if changed:
                yield {
                    "run_id": self.run.pk,
                    "table": model._meta.label_lower,
                    "row_id": row["pk"],
                    "before": {c: old[c] for c in changed},
                    "after": {c: row[c] for c in changed},
                }


NO_JOURNAL = Journal(None)


def journal_undo(*, run: ImportRun, beat: Callable[[], None]) -> dict[str, int]:
    """Undo what ``run`` saved: previous values back, created rows deleted. Each chunk is
    its own transaction and calls ``beat`` (the run's heartbeat) inside it."""
    restored, edited = _restore(run, beat)
    deleted, kept = _delete_created(run, beat)
    return {"restored": restored, "deleted": deleted, "kept": kept + edited}


def _restore(run: ImportRun, beat: Callable[[], None]) -> tuple[int, int]:
    restored = edited = 0
    while True:
        with transaction.atomic():
            beat()
            # Newest first: a row changed twice ends with its oldest previous values.
            changes = list(ImportChange.objects.filter(run=run).order_by("-id")[:UNDO_CHUNK])
            if not changes:
                return restored, edited
            by_table = defaultdict(list)
            for change in changes:
                by_table[change.table].append(change)
            for table, found in by_table.items():
                done, left = _restore_rows(MODELS[table], found)
                restored, edited = restored + done, edited + left
            ImportChange.objects.filter(pk__in=[c.pk for c in changes]).delete()


def _restore_rows(model: type[models.Model], changes: list[ImportChange]) -> tuple[int, int]:
    """Put back the previous values of rows that still hold what the import wrote; a row
    someone edited since (in any column the import changed) keeps that edit, whole."""
    columns = sorted({column for change in changes for column in change.before})
    current = {
        row["pk"]: row
        for row in model._default_manager.filter(pk__in=[c.row_id for c in changes])
        .order_by()
        .values("pk", *columns)
    }
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    edited = 0
    for change in changes:
        row = current.get(change.row_id)
        if row is None:
            continue  # deleted since (merged away): nothing to put back
        if not all(row[c] == _value(model, c, v) for c, v in change.after.items()):
            edited += 1
            continue
        back = {c: _value(model, c, v) for c, v in change.before.items()}
        row.update(back)
        groups[tuple(sorted(back))].append(dict(row))
    for names, rows in groups.items():
        update_many(model, rows, list(names))
    return sum(len(rows) for rows in groups.values()), edited


def _value(model: type[models.Model], column: str, stored: Any) -> Any:
    # The journal keeps values as JSON (amounts and times as text): typed again here.
    return concrete_field(model, column).to_python(stored)


def _delete_created(run: ImportRun, beat: Callable[[], None]) -> tuple[int, int]:
    deleted = kept = 0
    for model in CREATED:
        while True:
            with transaction.atomic():
                beat()
                ids = list(_unreferenced(model, run).values_list("pk", flat=True)[:UNDO_CHUNK])
                if not ids:
                    break
                delete_many(model, ids)
                deleted += len(ids)
        kept += model._default_manager.filter(import_run=run).count()
    return deleted, kept


def _unreferenced(model: type[models.Model], run: ImportRun) -> models.QuerySet:
    """Rows created by ``run`` that nothing else points at (yet): someone may have logged
    outreach for a contact the import added; that contact is kept rather than lose it."""
    rows = model._default_manager.filter(import_run=run)
    for relation in model._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete and relation.one_to_many:
            # The other side of a foreign key to ``model``; its model holds that key.
            assert isinstance(relation, models.ForeignObjectRel)
            related = relation.field.model._default_manager.filter(
                **{relation.field.name: OuterRef("pk")}
            )
            rows = rows.exclude(Exists(related))
    return rows
