"""Roadmaps from the spreadsheets teams keep today (CSV or XLSX), into the standard template.

Upload, map the columns (suggested from their names, with a preview of the first rows),
import. Every row becomes an item of the upload's team (or of the team a mapped Team column
names); columns mapped to no field are kept on the item as ``Column: value`` note lines; an
item that lacks the template's required fields is imported and listed for follow-up. All or
nothing: a value that cannot be read (a confidence of "soon", a horizon of "whenever") stops
the import, every such problem named by file, row and column. Re-importing the same file
changes nothing: an item is found again by its row id (a mapped id column) or else its title,
within its team.
"""

import csv
import io
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.lib.imports.columns import RowReader, TargetField, column_match, mapping_check
from greenroom.lib.imports.report import ImportRejected, ImportReport
from greenroom.lib.imports.tables import Table, table_open, table_read
from greenroom.lib.imports.values import BadValue, as_choice, as_int, as_money
from greenroom.organisation.models import Team
from greenroom.strategy import selectors, services
from greenroom.strategy.choices import AuditAction, ImportKind, ImportStatus, ItemSource, ItemStatus
from greenroom.strategy.horizons import horizon_read
from greenroom.strategy.models import RoadmapImport, RoadmapItem

PREVIEW_ROWS = 8
FIELDS = [
    TargetField("title", "Title", required=True),
    TargetField("key", "Row id"),
    TargetField("horizon", "Horizon (column or quarter)"),
    TargetField("status", "Status"),
    TargetField("team", "Team"),
    TargetField("owner", "Owner"),
    TargetField("problem", "Problem"),
    TargetField("impact", "Impact"),
    TargetField("revenue", "Revenue unlocked"),
    TargetField("cost", "Cost reduced"),
    TargetField("confidence", "Confidence"),
    TargetField("reach", "Reach"),
    TargetField("effort", "Effort (person-months)"),
]
# Header names teams' sheets use for each field, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("Title", "Feature", "Epic", "Item", "Initiative", "Name", "Summary", "Theme",
              "Project", "What"),
    "key": ("ID", "Row ID", "Key", "Ref", "Reference", "Item ID"),
    "horizon": ("Horizon", "Quarter", "When", "Timeline", "Timeframe", "Target quarter",
                "Target", "Release", "Column", "Now/Next/Later", "Target date", "Due date", "Due",
                "ETA"),
    "status": ("Status", "State", "Stage", "Progress"),
    "team": ("Team", "Squad", "Pod", "Tribe"),
    "owner": ("Owner", "PM", "Product manager", "Product owner", "DRI", "Lead", "Assignee"),
    "problem": ("Problem", "Problem statement", "Customer problem", "Why", "Description",
                "Rationale"),
    "impact": ("Impact", "Expected impact", "Business impact", "Value"),
    "revenue": ("Revenue unlocked", "Revenue", "Revenue impact", "ARR impact", "New ARR"),
    "cost": ("Cost reduced", "Cost savings", "Savings"),
    "confidence": ("Confidence", "Confidence %", "Confidence level"),
    "reach": ("Reach",),
    "effort": ("Effort", "Person-months", "Effort (person-months)", "Effort (PM)"),
}  # fmt: skip
STATUS_WORDS = {
    "idea": ItemStatus.PROPOSED, "backlog": ItemStatus.PROPOSED,
    "discovery": ItemStatus.PROPOSED, "indiscovery": ItemStatus.PROPOSED,
    "exploring": ItemStatus.PROPOSED, "todo": ItemStatus.PLANNED,
    "committed": ItemStatus.PLANNED, "notstarted": ItemStatus.PLANNED,
    "scheduled": ItemStatus.PLANNED, "doing": ItemStatus.IN_PROGRESS,
    "wip": ItemStatus.IN_PROGRESS, "started": ItemStatus.IN_PROGRESS,
    "indevelopment": ItemStatus.IN_PROGRESS, "building": ItemStatus.IN_PROGRESS,
    "inbuild": ItemStatus.IN_PROGRESS, "blocked": ItemStatus.IN_PROGRESS,
    "atrisk": ItemStatus.IN_PROGRESS, "inbeta": ItemStatus.IN_PROGRESS,
    "beta": ItemStatus.IN_PROGRESS, "shipped": ItemStatus.DONE, "launched": ItemStatus.DONE,
    "released": ItemStatus.DONE, "complete": ItemStatus.DONE, "completed": ItemStatus.DONE,
    "live": ItemStatus.DONE, "cancelled": ItemStatus.DROPPED, "canceled": ItemStatus.DROPPED,
    "wontdo": ItemStatus.DROPPED, "parked": ItemStatus.DROPPED, "killed": ItemStatus.DROPPED,
}  # fmt: skip
# RICE's impact words (choices.RICE_IMPACT), read from an Impact column that holds no amount.
IMPACT_WORDS = {"massive": 3.0, "high": 2.0, "medium": 1.0, "med": 1.0, "low": 0.5,
                "minimal": 0.25}  # fmt: skip
CONFIDENCE_WORDS = {"high": 80, "medium": 50, "med": 50, "low": 20}
# The fields an import writes: a re-import compares and updates only these.
WRITTEN = ("title", "column", "status", "problem", "revenue_unlocked", "cost_reduced",
           "impact_score", "confidence", "reach", "effort", "target_quarter", "notes")  # fmt: skip


def mapping_guess(headers: list[str]) -> dict[str, str]:
    """Field → column for the columns whose names a field's aliases know."""
    guess: dict[str, str] = {}
    for target in FIELDS:
        taken = set(guess.values())
        found = column_match([h for h in headers if h not in taken], ALIASES[target.name])
        if found:
            guess[target.name] = found
    return guess


def as_confidence(value: str) -> int | None:
    """A percentage: ``80``, ``80 %``, ``0.8``, or High / Medium / Low (80 / 50 / 20)."""
    text = value.strip().lower().replace(" ", "")
    if not text:
        return None
    if text in CONFIDENCE_WORDS:
        return CONFIDENCE_WORDS[text]
    try:
        number = float(text.rstrip("%"))
    except ValueError:
        raise BadValue(
            f"'{value}' is not a confidence (a percentage, or high/medium/low)"
        ) from None
    if not text.endswith("%") and 0 < number <= 1 and "." in text:
        number *= 100
    if not 0 <= number <= 100:
        raise BadValue(f"'{value}' is not between 0 and 100 %")
    return round(number)


def as_number(value: str) -> float | None:
    if not value.strip():
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise BadValue(f"'{value}' is not a number") from None
    if number <= 0:
        raise BadValue(f"'{value}' must be above zero")
    return number


def impact_read(value: str) -> tuple[Decimal | None, float | None]:
    """An Impact cell: an amount (revenue unlocked per year) or a RICE impact word."""
    text = value.strip()
    if not text:
        return None, None
    word = re.sub(r"[^a-z]", "", text.lower())
    if word in IMPACT_WORDS:
        return None, IMPACT_WORDS[word]
    multiplier = Decimal(1)
    suffix = re.search(r"(?i)\s*([km])\s*$", text)
    if suffix and re.search(r"\d", text):
        multiplier = Decimal(1000 if suffix.group(1).lower() == "k" else 1_000_000)
        text = text[: suffix.start()]
    try:
        amount = as_money(text)
    except BadValue:
        raise BadValue(
            f"'{value}' is not an amount (e.g. 250000, $250k) or an impact word "
            "(massive, high, medium, low, minimal)"
        ) from None
    return (amount * multiplier if amount is not None else None), None


@dataclass
class Row:
    """One spreadsheet row read into an item's fields, with its team and key."""

    line: int
    team: Team
    key: str
    data: dict[str, Any]


@dataclass
class Outcome:
    """What an import did: the report, and the items that need follow-up (with what)."""

    report: ImportReport
    items: list[RoadmapItem] = field(default_factory=list)
    follow_up: list[tuple[RoadmapItem, list[str]]] = field(default_factory=list)


def _teams(workspace: Workspace) -> dict[str, Team]:
    return {t.name.strip().lower(): t for t in Team.objects.for_workspace(workspace)}


def rows_read(
    *,
    table: Table,
    mapping: dict[str, str],
    team: Team,
    columns: list[str],
    report: ImportReport,
    today: date,
) -> list[Row]:
    """Every row read into item fields; problems (named by row and column) in ``report``."""
    mapping_check(
        fields=FIELDS, what="a roadmap item", mapping=mapping, headers=table.headers, report=report
    )
    teams = _teams(team.workspace)
    rows: list[Row] = []
    seen: dict[tuple[int, str], int] = {}
    for line, values in table.rows:
        reader = RowReader(line, values, mapping, report)
        row = _row(reader, team, teams, columns, today)
        if row is None:
            continue
        first = seen.setdefault((row.team.pk, row.key), line)
        if first != line:
            what = "row id" if "key" in mapping else "title"
            reader.fail("key" if "key" in mapping else "title", f"same {what} as row {first}")
            continue
        rows.append(row)
    for line, message in table.problems:
        report.problem(line, "(row)", message)
    return rows


def _row(
    reader: RowReader, team: Team, teams: dict[str, Team], columns: list[str], today: date
) -> Row | None:
    title = reader.text("title", 300)
    if not title:
        reader.fail("title", "is empty: every item needs a title")
    if reader.has("team") and reader.text("team"):
        team = teams.get(reader.text("team").lower()) or team
        if reader.text("team").lower() not in teams:
            reader.fail("team", f"'{reader.text('team')}' is not a team of this workspace")
    horizon = reader.parse("horizon", lambda v: horizon_read(v, columns, today))
    status = reader.parse("status", _status, ItemStatus.PLANNED) or ItemStatus.PLANNED
    revenue, impact_score = reader.parse("impact", impact_read, (None, None))
    if reader.has("revenue") and reader.text("revenue"):
        revenue = reader.parse("revenue", as_money)
    data = {
        "title": title,
        "column": horizon.column if horizon else columns[-1],
        "target_quarter": horizon.quarter if horizon else "",
        "status": status,
        "problem": reader.text("problem", 10_000),
        "revenue_unlocked": revenue,
        "cost_reduced": reader.parse("cost", as_money),
        "impact_score": impact_score,
        "confidence": reader.parse("confidence", as_confidence),
        "reach": reader.parse("reach", as_int),
        "effort": reader.parse("effort", as_number),
        "notes": _notes(reader),
    }
    if not reader.ok:
        return None
    key = reader.text("key") if reader.has("key") else ""
    # source_key holds 300 characters: a title key is cut to fit (titles are 300 at most).
    by_title = "title:" + " ".join(title.lower().split())[:290]
    return Row(reader.line, team, key or by_title, data)


def _status(value: str) -> str:
    if not value.strip():
        return ItemStatus.PLANNED
    return as_choice(value, ItemStatus, STATUS_WORDS)


def _notes(reader: RowReader) -> str:
    """Unmapped columns, and the owner (items have no owner field), as ``Column: value``."""
    lines = []
    if reader.has("owner") and reader.text("owner"):
        lines.append(f"{reader.mapping['owner']}: {reader.text('owner')}")
    # Excel dates come out as ISO date-times: a day is written as a day.
    lines += [
        f"{column}: {value.removesuffix('T00:00:00')}"
        for column, value in reader.unmapped().items()
    ]
    return "\n".join(lines)


def _existing(workspace: Workspace, rows: Iterable[Row]) -> dict[tuple[int, str], RoadmapItem]:
    keys = {row.key for row in rows}
    found = RoadmapItem.objects.for_workspace(workspace).filter(
        source=ItemSource.SPREADSHEET, source_key__in=keys
    )
    return {(item.team_id, item.source_key): item for item in found}


@transaction.atomic
def rows_save(
    *, actor: User | None, workspace: Workspace, rows: list[Row], report: ImportReport
) -> list[RoadmapItem]:
    """Create or update one item per row (each change audited with ``actor``); the file's
    values win over edits made since the last import of the same row."""
    existing = _existing(workspace, rows)
    saved = []
    for row in rows:
        item = existing.get((row.team.pk, row.key))
        data = row.data
        if item is None:
            data = {**data, "team": row.team, "source": ItemSource.SPREADSHEET}
            data["source_key"] = row.key
        outcome = "created" if item is None else "updated"
        item, changed = services.roadmap_item_import(
            actor=actor, workspace=workspace, data=data, instance=item
        )
        report.count(outcome if changed else "unchanged")
        saved.append(item)
    return saved


def follow_up(
    *, workspace: Workspace, item_ids: Iterable[int] | None = None
) -> list[tuple[RoadmapItem, list[str]]]:
    """Imported items that lack fields the template requires, with the fields they lack
    (keys of choices.TEMPLATE_FIELDS); every imported item, or those of ``item_ids``."""
    required = selectors.roadmap_template(workspace=workspace).required
    rows = selectors.roadmap_item_list(workspace=workspace).exclude(source=ItemSource.GREENROOM)
    if item_ids is not None:
        rows = rows.filter(pk__in=list(item_ids))
    found = []
    for item in rows.order_by("team__name", "title", "pk"):
        missing = selectors.missing_from_template(item, required)
        if missing:
            found.append((item, missing))
    return found


def roadmap_import(
    *,
    actor: User | None,
    workspace: Workspace,
    team: Team,
    name: str,
    stream,
    mapping: dict[str, str] | None = None,
    today: date | None = None,
) -> Outcome:
    """Read and save one roadmap spreadsheet; raises ImportRejected (every problem, nothing
    saved) or ValidationError (a file that cannot be read at all)."""
    if team.workspace_id != workspace.pk:
        raise ValidationError({"team": "Not found in this workspace."})
    report = ImportReport(file=name, kind="roadmap items")
    table = table_open(name=name, stream=stream)
    # One named cell that names no field: a title over merged cells, not a header.
    if len(table.headers) == 1 and not mapping_guess(table.headers):
        raise ValidationError(
            f"{name}: row 1 has a single cell ('{table.headers[0]}'): a title over merged "
            "cells? The first row must name the columns (Title, Quarter, Status...)."
        )
    mapping = {k: v for k, v in (mapping or {}).items() if v} or mapping_guess(table.headers)
    columns = services.roadmap_template_of(workspace).columns
    rows = rows_read(
        table=table,
        mapping=mapping,
        team=team,
        columns=columns,
        report=report,
        today=today or timezone.localdate(),
    )
    if report.rejected:
        raise ImportRejected(report)
    if not rows:
        report.problem(None, "(file)", "no rows to import under the header")
        raise ImportRejected(report)
    items = rows_save(actor=actor, workspace=workspace, rows=rows, report=report)
    return Outcome(report, items, follow_up(workspace=workspace, item_ids=[i.pk for i in items]))


def distinct_headers(data: bytes) -> bytes:
    """Jira's CSV export repeats a column once per value (``Sprint,Sprint``, ``Fix
    Version/s`` twice for an issue in two versions): the repeats are renamed ``Sprint (2)``
    so the file reads as a table; the first keeps its name."""
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)]  # with its "\r", if any
    try:
        header = next(csv.reader([first.decode("utf-8-sig").rstrip("\r")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return data  # the table reader says what is wrong with it
    seen: dict[str, int] = {}
    names = []
    for column in header:
        seen[column] = seen.get(column, 0) + 1
        names.append(column if seen[column] == 1 else f"{column} ({seen[column]})")
    if names == header:
        return data
    line = io.StringIO()
    csv.writer(line, lineterminator="").writerow(names)
    return line.getvalue().encode() + (first[-1:] == b"\r") * b"\r" + data[len(first) :]


def upload_keep(
    *, actor: User, workspace: Workspace, team: Team, kind: str, upload: File
) -> RoadmapImport:
    """Keep an uploaded file until its columns are mapped (a file that cannot be read is
    refused now, naming why)."""
    if team.workspace_id != workspace.pk:
        raise ValidationError({"team": "Not found in this workspace."})
    name = Path(upload.name or "upload").name
    folder = Path(settings.MEDIA_ROOT) / "roadmap-imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:6]}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    try:
        if kind == ImportKind.JIRA_CSV:
            table_read(name=name, data=distinct_headers(path.read_bytes()))
        else:
            with path.open("rb") as stream:
                table_open(name=name, stream=stream)
    except ValidationError:
        path.unlink(missing_ok=True)
        raise
    return RoadmapImport.objects.create(
        workspace=workspace,
        team=team,
        kind=kind,
        filename=name,
        stored_path=str(path),
        created_by=actor,
    )


def preview(run: RoadmapImport, rows: int = PREVIEW_ROWS) -> tuple[list[str], list[dict]]:
    """The columns and first rows of a kept file (read as a stream)."""
    with open(run.stored_path, "rb") as stream:
        table = table_open(name=run.filename, stream=stream)
        return table.headers, [values for _, values in islice(table.rows, rows)]


def run_import(*, actor: User, run: RoadmapImport, mapping: dict[str, str]) -> Outcome:
    """Import a kept file with its mapping; the run keeps the report either way, and the
    file is removed once imported (kept after a failure, to map or fix and try again)."""
    from greenroom.strategy import jira

    with open(run.stored_path, "rb") as stream:
        try:
            if run.kind == ImportKind.JIRA_CSV:
                outcome = jira.csv_import(
                    actor=actor, workspace=run.workspace, team=run.team, name=run.filename,
                    stream=stream,
                )  # fmt: skip
            else:
                outcome = roadmap_import(
                    actor=actor, workspace=run.workspace, team=run.team, name=run.filename,
                    stream=stream, mapping=mapping,
                )  # fmt: skip
        except ImportRejected as rejected:
            _finish(run, ImportStatus.FAILED, mapping, rejected.report.as_dict())
            raise
    Path(run.stored_path).unlink(missing_ok=True)
    report = outcome.report.as_dict() | {"item_ids": [item.pk for item in outcome.items]}
    _finish(run, ImportStatus.DONE, mapping, report, path="")
    audit_record(
        actor=actor,
        workspace=run.workspace,
        action=AuditAction.ROADMAP_IMPORT,
        target=run,
        detail={"summary": outcome.report.summary(), "team": str(run.team)},
    )
    return outcome


def _finish(run: RoadmapImport, status: str, mapping: dict, report: dict, **kept: str) -> None:
    run.status, run.mapping, run.report = status, mapping, report
    if "path" in kept:
        run.stored_path = kept["path"]
    run.save(update_fields=["status", "mapping", "report", "stored_path"])
