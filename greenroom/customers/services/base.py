"""What every customer importer is: rows checked one by one, then saved a chunk at a time.

An import runs in two steps (see ``importing``). First every row is *checked* against the
workspace (organisation names, owners, accounts, contacts) with lookups loaded once, and
staged; nothing is written, so a file with any wrong row changes nothing and the report
lists every problem with its file, row and column. Then the staged rows are *applied* a
chunk at a time, each chunk in a short transaction that compares it with the rows it would
change, inserts and updates in bulk, and records in a ``Journal`` what it did so the whole
import can be undone. Re-importing the same file changes nothing.

The importers of each kind live with the other writes of their capability: accounts,
contacts, consent, outreach.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet

from greenroom.accounts.models import Workspace
from greenroom.customers.choices import ImportFormat
from greenroom.customers.formats import ID_FIELD
from greenroom.customers.journal import Journal
from greenroom.customers.models import CrmRecord
from greenroom.lib.imports.bulk import Statement, insert_statement
from greenroom.lib.imports.columns import RowReader
from greenroom.lib.imports.report import ImportReport

# A row checked and waiting to be applied: (group, order, payload). Chunks never split a
# group, and rows are applied in (group, order) order.
Staged = tuple[int, str, Any]


class Importer:
    """Checks rows of one kind (``check``: no writes) and saves checked rows a chunk at a
    time: ``plan`` prepares a chunk (reads and comparisons, outside any transaction), then
    ``write`` saves it inside a short transaction, counting what it did into ``tally``."""

    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        self.workspace, self.format, self.mapping, self.report = workspace, format, mapping, report

    def check(self, line: int, raw: dict[str, str]) -> Staged | None:
        raise NotImplementedError

    def plan(self, chunk: list, journal: Journal) -> Any:
        return chunk

    def write(self, plan: Any, journal: Journal, tally: ImportReport) -> None:
        raise NotImplementedError


@dataclass
class RecordPlan:
    """A chunk of accounts or contacts compared with the database: the INSERT of the new
    ones, ready to run, and the rows to update (pk, id in the source, values)."""

    fields: list[str]
    new: list[dict]
    insert: Statement
    changed: list[tuple[int, str, dict]]
    unchanged: int


class RecordImporter(Importer):
    """Accounts and contacts: one record per row, keyed by its id in the source system."""

    model: type[CrmRecord]

    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        super().__init__(workspace, format, mapping, report)
        self.id_field = ID_FIELD[ImportFormat(format)]
        self.seen: dict[str, int] = {}

    def check(self, line: int, raw: dict[str, str]) -> Staged | None:
        reader = RowReader(line, raw, self.mapping, self.report)
        record_id = reader.text("id", 64)
        if not record_id:
            reader.fail("id", "is required")
        values = self.values(reader)
        # Columns nobody mapped are kept as custom attributes rather than silently dropped.
        values["custom"] = reader.unmapped()
        if record_id in self.seen:
            reader.fail("id", f"'{record_id}' is also on row {self.seen[record_id]}")
        if not reader.ok or self.skip(line, record_id, values):
            return None
        self.seen[record_id] = line
        return line, "", (record_id, values)

    def values(self, reader: RowReader) -> dict[str, Any]:
        raise NotImplementedError

    def skip(self, line: int, record_id: str, values: dict[str, Any]) -> bool:
        return False

    def live(self) -> QuerySet:
        """The rows of the workspace an import may update."""
        return self.model.objects.for_workspace(self.workspace).order_by()

    def with_ids(self, ids: list[str]) -> QuerySet:
        """Rows of the workspace with these ids from this import's source system."""
        # "Not blank" repeats the condition of the unique index on the ids: without it,
        # SQLite cannot use that partial index and reads every row of the workspace.
        return self.live().filter(**{f"{self.id_field}__in": ids}).exclude(**{self.id_field: ""})

    def match(self, chunk: list[tuple[str, dict]], columns: list[str]) -> Iterable[tuple]:
        """(id, values, the row it updates or None) for each record of the chunk."""
        existing = {
            row[self.id_field]: row for row in self.with_ids([k for k, _ in chunk]).values(*columns)
        }
        return ((key, values, existing.get(key)) for key, values in chunk)

    def plan(self, chunk: list[tuple[str, dict]], journal: Journal) -> RecordPlan:
        fields = sorted({name for _, values in chunk for name in values})
        columns = ["pk", self.id_field, *fields]
        new, changed, unchanged = [], [], 0
        for record_id, values, before in self.match(chunk, columns):
            if before is None:
                new.append({"workspace_id": self.workspace.pk, self.id_field: record_id, **values})
            elif before[self.id_field] == record_id and all(
                before[name] == value for name, value in values.items()
            ):
                unchanged += 1
            else:
                changed.append((before["pk"], record_id, values))
        insert = insert_statement(self.model, journal.tag(new))
        return RecordPlan(fields, new, insert, changed, unchanged)

    def write(self, plan: RecordPlan, journal: Journal, tally: ImportReport) -> None:
        plan.insert.run()
        names = [*plan.fields, self.id_field]
        # Read again inside the transaction: the previous values must be the ones replaced.
        before = {
            row["pk"]: row
            for row in self.live()
            .filter(pk__in=[pk for pk, _, _ in plan.changed])
            .values("pk", *names)
        }
        rows = [
            {**before[pk], **values, self.id_field: record_id}
            for pk, record_id, values in plan.changed
            if pk in before
        ]
        journal.update(self.model, rows, names, before)
        tally.count("created", len(plan.new))
        tally.count("updated", len(rows))
        tally.count("unchanged", plan.unchanged)
        self.written(plan, rows, before, journal)

    def written(self, plan: RecordPlan, rows: list[dict], before: dict, journal: Journal):
        """What follows from a chunk's new and updated rows, in the same transaction."""


def utc_order(moment: datetime) -> str:
    """The staged order of rows by time: text that sorts as time does."""
    return moment.astimezone(UTC).isoformat()


def chunks(items: list, size: int = 900) -> Iterable[list]:
    """``items`` in lists of ``size``."""
    # SQLite limits the variables in one statement; 900 stays clear of every version's limit.
    for start in range(0, len(items), size):
        yield items[start : start + size]
