"""Jira epics as roadmap items, their child issues as delivery progress.

Two ways in: Jira Cloud's REST API (``POST /rest/api/3/search/jql``, paged by
``nextPageToken`` until ``isLast``) through a ``JiraConnection`` (one site, one query, one
team: a mapping), and Jira's CSV export (its own column names). Issues of the mapping's item
types (Epic by default) become items of its team, found again by their issue key; every other
issue whose parent (or Epic Link) is such an issue counts towards that item's delivery: child
issues done / all, and story points when the issues carry them. Status: a Jira status maps
to an item status by its name when the mapping names it, else by its category (To Do →
planned, In Progress → in progress, Done → done).

All or nothing: a response or a file missing a field an item needs (an issue without a key,
a summary, a type or a status) stops the import naming the page or row and the field, and
nothing is saved. The API token is read from the environment variable the mapping names.

With ``push_back`` on, Greenroom owns linked items' status and target quarter: a sync no
longer takes them from Jira, and writes them to each epic that differs (``PUT
/rest/api/3/issue/{key}``: the target quarter's last day as the due date, the status as a
``greenroom-<status>`` label, since a Jira status moves only through its workflow's
transitions).
"""

import base64
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.jobs.choices import JobStatus
from greenroom.lib.imports.columns import column_match
from greenroom.lib.imports.report import ImportRejected, ImportReport
from greenroom.lib.imports.tables import Table, table_read
from greenroom.organisation.models import Team
from greenroom.strategy import services
from greenroom.strategy.choices import AuditAction, ItemSource, ItemStatus
from greenroom.strategy.horizons import quarter_end, quarter_label, quarter_of
from greenroom.strategy.importing import Outcome, distinct_headers, follow_up
from greenroom.strategy.models import JiraConnection, RoadmapItem

PAGE_SIZE = 100
MAX_PAGES = 1000  # 100,000 issues: a query wider than that is a mistake, not a roadmap
TIMEOUT_S = 30
RETRIES = 3
RETRY_MAX_S = 30.0
CATEGORY_STATUS = {
    "new": ItemStatus.PLANNED,
    "indeterminate": ItemStatus.IN_PROGRESS,
    "done": ItemStatus.DONE,
}
# Category names as CSV exports write them ("Status Category"), to the API's keys.
CATEGORY_NAMES = {"to do": "new", "in progress": "indeterminate", "done": "done"}
LABEL_PREFIX = "greenroom-"
# Jira's CSV export column names (Issues → Export → CSV), in order of preference.
CSV_COLUMNS = {
    "key": ("Issue key",),
    "id": ("Issue id",),
    "summary": ("Summary",),
    "type": ("Issue Type",),
    "status": ("Status",),
    "category": ("Status Category",),
    "parent": ("Parent", "Parent id", "Parent key"),
    "epic_link": ("Custom field (Epic Link)",),
    "points": ("Custom field (Story Points)", "Custom field (Story point estimate)"),
    "due": ("Due date", "Due Date"),
}
CSV_REQUIRED = ("key", "summary", "type", "status")


@dataclass
class Issue:
    """One Jira issue as the import uses it."""

    key: str
    summary: str
    type: str
    status: str
    category: str  # new / indeterminate / done ("" when the source does not say)
    parent: str = ""  # the parent's key (or id, in a CSV export, resolved later)
    points: float | None = None
    due: date | None = None
    labels: list[str] = field(default_factory=list)


def _auth(connection: JiraConnection) -> str:
    token = os.environ.get(connection.token_env, "")
    if not token:
        raise ValidationError(
            f"No Jira API token: set the environment variable {connection.token_env} "
            "(the connection's token_env names it)."
        )
    pair = f"{connection.email}:{token}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _request(connection: JiraConnection, method: str, path: str, body: dict | None) -> Any:
    url = connection.base_url.rstrip("/") + path
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", _auth(connection))
    request.add_header("Accept", "application/json")
    request.add_header("Content-Type", "application/json")
    raw = _send(request, f"{method} {path}")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ValidationError(f"Jira's answer to {method} {path} is not JSON.") from None


def _send(request: urllib.request.Request, what: str) -> bytes:
    """The answer's body; Jira Cloud's rate limit (429, or 503 while busy) is waited out
    as its Retry-After asks, up to RETRIES times and RETRY_MAX_S seconds a wait."""
    for attempt in range(RETRIES + 1):
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            if error.code in (429, 503) and attempt < RETRIES:
                time.sleep(_retry_after(error.headers.get("Retry-After"), attempt))
                continue
            message = f"Jira answered {error.code} to {what}: {_why(error)}"
            raise ValidationError(message) from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise ValidationError(f"Jira could not be reached ({what}): {error}") from None
    raise AssertionError("unreachable: the last attempt returns or raises")


def _retry_after(header: str | None, attempt: int) -> float:
    try:
        seconds = float(header) if header else 2.0**attempt
    except ValueError:  # an HTTP date: not worth parsing for a wait capped this short
        seconds = 2.0**attempt
    return min(max(seconds, 0.0), RETRY_MAX_S)


def _why(error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read() or b"{}")
    except ValueError:
        return error.reason
    messages = list(body.get("errorMessages") or []) + [
        f"{k}: {v}" for k, v in (body.get("errors") or {}).items()
    ]
    return "; ".join(messages) or str(error.reason)


def search_pages(connection: JiraConnection) -> Iterator[dict]:
    """The pages of the connection's JQL search, as Jira returns them."""
    token = None
    for _ in range(MAX_PAGES):
        body: dict[str, Any] = {
            "jql": connection.jql,
            "maxResults": PAGE_SIZE,
            "fields": fields_wanted(connection),
        }
        if token:
            body["nextPageToken"] = token
        page = _request(connection, "POST", "/rest/api/3/search/jql", body)
        if not isinstance(page, dict):
            raise ValidationError("Jira's search answer is not an object with 'issues'.")
        yield page
        token = page.get("nextPageToken")
        if page.get("isLast", not token) or not token:
            return
    raise ValidationError(f"The query matched over {MAX_PAGES * PAGE_SIZE} issues: narrow it.")


def fields_wanted(connection: JiraConnection) -> list[str]:
    wanted = ["summary", "issuetype", "status", "parent", "duedate", "labels", "customfield_10014"]
    return wanted + ([connection.points_field] if connection.points_field else [])


def issues_from_pages(pages: list[dict], *, points_field: str, report: ImportReport) -> list[Issue]:
    """Issues from search answers; a missing field is a problem at ``pages[i].issues[j]``."""
    issues = []
    for number, page in enumerate(pages):
        found = page.get("issues")
        if not isinstance(found, list):
            report.problem(f"pages[{number}]", "issues", "missing: not a Jira search answer")
            continue
        for index, raw in enumerate(found):
            issue = _issue(raw, f"pages[{number}].issues[{index}]", points_field, report)
            if issue is not None:
                issues.append(issue)
    return issues


def _issue(raw: Any, place: str, points_field: str, report: ImportReport) -> Issue | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), dict):
        report.problem(place, "fields", "missing: the issue has no fields object")
        return None
    key, fields = raw.get("key"), raw["fields"]
    place = f"{place} ({key})" if key else place
    status = fields.get("status") if isinstance(fields.get("status"), dict) else {}
    kind = fields.get("issuetype") if isinstance(fields.get("issuetype"), dict) else {}
    needed = {
        "key": key,
        "fields.summary": fields.get("summary"),
        "fields.issuetype.name": kind.get("name"),
        "fields.status.name": status.get("name"),
    }
    missing = [name for name, value in needed.items() if not isinstance(value, str) or not value]
    for name in missing:
        report.problem(place, name, "missing")
    if missing:
        return None
    category = status.get("statusCategory")
    parent = fields.get("parent")
    # A next-gen parent, or a classic project's Epic Link (customfield_10014: its key).
    parent_key = parent.get("key") if isinstance(parent, dict) else None
    return Issue(
        key=str(key),
        summary=str(fields["summary"]),
        type=str(kind["name"]),
        status=str(status["name"]),
        category=str(category.get("key") or "") if isinstance(category, dict) else "",
        parent=str(parent_key or fields.get("customfield_10014") or ""),
        points=_points(fields.get(points_field), place, points_field, report),
        due=_due(fields.get("duedate")),
        labels=[str(label) for label in fields.get("labels") or []],
    )


def _points(value: Any, place: Any, name: str, report: ImportReport) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        report.problem(place, name, f"'{value}' is not a number of story points")
        return None


def _due(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def issues_from_csv(table: Table, report: ImportReport) -> list[Issue]:
    """Issues from Jira's CSV export; problems named by row and column."""
    found = {name: column_match(table.headers, aliases) for name, aliases in CSV_COLUMNS.items()}
    for name in CSV_REQUIRED:
        if found[name] is None:
            report.problem(1, CSV_COLUMNS[name][0], "no such column: is this Jira's CSV export?")
    if report.rejected:
        raise ImportRejected(report)
    issues, ids = [], {}
    for line, values in table.rows:

        def get(name: str, values: dict = values) -> str:
            column = found[name]
            return values.get(column, "") if column else ""

        missing = [found[name] or name for name in CSV_REQUIRED if not get(name)]
        for column in missing:
            report.problem(line, column, "is empty")
        if missing:
            continue
        category = get("category").lower()
        issue = Issue(
            key=get("key"),
            summary=get("summary"),
            type=get("type"),
            status=get("status"),
            category=CATEGORY_NAMES.get(category, category),
            parent=get("epic_link") or get("parent"),
            points=_points(get("points"), line, found["points"] or "points", report),
            due=_due(get("due")),
        )
        ids[get("id")] = issue.key
        issues.append(issue)
    for issue in issues:
        # Jira's "Parent" column holds the parent's id; the Epic Link its key.
        issue.parent = ids.get(issue.parent, issue.parent)
    for line, message in table.problems:
        report.problem(line, "(row)", message)
    return issues


@dataclass
class Mapping:
    """How issues become items: a team, the item types, the status map, push back."""

    team: Team
    item_types: list[str]
    status_map: dict[str, str]
    push_back: bool = False

    @classmethod
    def of(cls, connection: JiraConnection) -> "Mapping":
        return cls(
            connection.team, connection.item_types, connection.status_map, connection.push_back
        )

    def status(self, issue: Issue) -> str:
        """The item status of a Jira status: by name when mapped, else by category."""
        named = {k.lower(): v for k, v in self.status_map.items()}
        if issue.status.lower() in named:
            return named[issue.status.lower()]
        return CATEGORY_STATUS.get(issue.category, ItemStatus.PLANNED)

    def is_item(self, issue: Issue) -> bool:
        return issue.type.lower() in {t.lower() for t in self.item_types}


@dataclass
class Delivery:
    done: int = 0
    total: int = 0
    points_done: float | None = None
    points_total: float | None = None

    def add(self, issue: Issue) -> None:
        finished = issue.category == "done"
        self.total += 1
        self.done += finished
        if issue.points is not None:
            self.points_total = (self.points_total or 0) + issue.points
            self.points_done = (self.points_done or 0) + (issue.points if finished else 0)


def deliveries(issues: list[Issue], mapping: Mapping) -> dict[str, Delivery]:
    """Each item issue's key → its child issues' progress."""
    found = {issue.key: Delivery() for issue in issues if mapping.is_item(issue)}
    for issue in issues:
        if issue.parent in found and not mapping.is_item(issue):
            found[issue.parent].add(issue)
    return found


def _column(issue: Issue, status: str, columns: list[str], today: date) -> tuple[str, str]:
    """A new item's column and target quarter: from the epic's due date by the horizon rule,
    else the first column for work started or done and the last for the rest."""
    if issue.due:
        year, quarter = quarter_of(issue.due)
        now_year, now = quarter_of(today)
        ahead = max((year - now_year) * 4 + quarter - now, 0)
        return columns[min(ahead, len(columns) - 1)], quarter_label(year, quarter)
    started = status in (ItemStatus.IN_PROGRESS, ItemStatus.DONE)
    return (columns[0] if started else columns[-1]), ""


@transaction.atomic
def issues_save(
    *,
    actor: User | None,
    workspace: Workspace,
    issues: list[Issue],
    mapping: Mapping,
    report: ImportReport,
    today: date | None = None,
) -> list[RoadmapItem]:
    """Create or update one item per item issue, with its delivery; audited with ``actor``."""
    today = today or timezone.localdate()
    columns = services.roadmap_template_of(workspace).columns
    progress = deliveries(issues, mapping)
    keys = list(progress)
    existing = {
        item.source_key: item
        for item in RoadmapItem.objects.for_workspace(workspace).filter(
            source=ItemSource.JIRA, team=mapping.team, source_key__in=keys
        )
    }
    now = timezone.now()
    saved = []
    for issue in issues:
        if not mapping.is_item(issue):
            continue
        item = existing.get(issue.key)
        status = mapping.status(issue)
        data: dict[str, Any] = {"title": issue.summary[:300]}
        if item is None:
            column, quarter = _column(issue, status, columns, today)
            data.update(column=column, target_quarter=quarter, team=mapping.team, status=status)
            data.update(source=ItemSource.JIRA, source_key=issue.key)
        elif not mapping.push_back:
            data["status"] = status
        outcome = "created" if item is None else "updated"
        item, changed = services.roadmap_item_import(
            actor=actor, workspace=workspace, data=data, instance=item
        )
        report.count(outcome if changed else "unchanged")
        saved.append(item)
    _delivery_save(saved, progress, now)
    children = sum(d.total for d in progress.values())
    others = len(issues) - len(saved) - children
    if others:
        kinds = "/".join(mapping.item_types)
        report.skip(None, f"{others} issue(s) under no {kinds}: not imported")
    return saved


def _delivery_save(items: list[RoadmapItem], progress: dict[str, Delivery], now: datetime) -> None:
    # Delivery is Jira's news, not an edit: written without an audit event per refresh.
    for item in items:
        found = progress[item.source_key]
        RoadmapItem.objects.filter(pk=item.pk).update(
            delivery_done=found.done,
            delivery_total=found.total,
            delivery_points_done=found.points_done,
            delivery_points_total=found.points_total,
            delivery_as_of=now,
        )


def csv_import(
    *, actor: User | None, workspace: Workspace, team: Team, name: str, stream
) -> Outcome:
    """Epics and their issues from Jira's CSV export into ``team``'s roadmap."""
    report = ImportReport(file=name, kind="roadmap items")
    data = distinct_headers(stream.read())
    issues = issues_from_csv(table_read(name=name, data=data), report)
    if report.rejected:
        raise ImportRejected(report)
    mapping = Mapping(team=team, item_types=["Epic"], status_map={})
    items = issues_save(
        actor=actor, workspace=workspace, issues=issues, mapping=mapping, report=report
    )
    return Outcome(report, items, follow_up(workspace=workspace, item_ids=[i.pk for i in items]))


def connection_sync(*, actor: User | None, connection: JiraConnection) -> Outcome:
    """Read the connection's query from Jira and update its team's items (all or nothing);
    then, with push back on, write items' status and target quarter to their epics."""
    report = ImportReport(file=f"Jira {connection.name}", kind="roadmap items")
    try:
        pages = list(search_pages(connection))
    except ValidationError as error:
        _keep(connection, {"lines": error.messages[:50]}, JobStatus.FAILED)
        raise
    issues = issues_from_pages(pages, points_field=connection.points_field, report=report)
    if report.rejected:
        lines = [str(p) for p in report.problems[:50]]
        _keep(connection, report.as_dict() | {"lines": lines}, JobStatus.REJECTED)
        raise ImportRejected(report)
    mapping = Mapping.of(connection)
    items = issues_save(
        actor=actor,
        workspace=connection.workspace,
        issues=issues,
        mapping=mapping,
        report=report,
    )
    try:
        pushed = push_back(actor=actor, connection=connection, issues=issues, items=items)
    except ValidationError as error:  # the items are saved; Jira refused an epic's edit
        lines = ["Items saved, but pushing back to Jira failed:", *error.messages[:49]]
        _keep(connection, report.as_dict() | {"lines": lines}, JobStatus.PARTLY_LOADED)
        raise
    summary = report.as_dict() | {"pushed": pushed}
    _keep(connection, summary, JobStatus.SUCCEEDED)
    audit_record(
        actor=actor,
        workspace=connection.workspace,
        action=AuditAction.JIRA_SYNC,
        target=connection,
        detail={"summary": report.summary(), "pushed": pushed},
    )
    ids = [i.pk for i in items]
    return Outcome(report, items, follow_up(workspace=connection.workspace, item_ids=ids))


def _keep(connection: JiraConnection, report: dict, status: JobStatus) -> None:
    JiraConnection.objects.filter(pk=connection.pk).update(
        last_synced_at=timezone.now(), last_status=status, last_report=report
    )


def push_back(
    *, actor: User | None, connection: JiraConnection, issues: list[Issue], items: list
) -> list[str]:
    """Write each item's status and target quarter to its epic where Jira differs; the keys
    written."""
    if not connection.push_back:
        return []
    by_key = {issue.key: issue for issue in issues}
    pushed = []
    for item in items:
        issue = by_key[item.source_key]
        body = _push_body(item, issue)
        if body is None:
            continue
        _request(connection, "PUT", f"/rest/api/3/issue/{issue.key}", body)
        audit_record(
            actor=actor,
            workspace=connection.workspace,
            action=AuditAction.JIRA_PUSH,
            target=item,
            detail={"issue": issue.key, "fields": body},
        )
        pushed.append(issue.key)
    return pushed


def _push_body(item: RoadmapItem, issue: Issue) -> dict | None:
    """The edit that makes the epic say what the item says, or None when it already does."""
    body: dict[str, Any] = {}
    due = quarter_end(item.target_quarter) if item.target_quarter else None
    if due and issue.due != due:
        body["fields"] = {"duedate": due.isoformat()}
    label = LABEL_PREFIX + item.status
    if label not in issue.labels:
        stale = [x for x in issue.labels if x.startswith(LABEL_PREFIX)]
        body["update"] = {"labels": [*({"remove": x} for x in stale), {"add": label}]}
    return body or None


@transaction.atomic
def connection_save(
    *, actor: User | None, workspace: Workspace, data: dict, instance: JiraConnection | None = None
) -> JiraConnection:
    """Create or change a Jira connection (its token stays in the environment)."""
    row = instance or JiraConnection(workspace=workspace)
    for name, value in data.items():
        setattr(row, name, value)
    if row.team_id and row.team.workspace_id != workspace.pk:
        raise ValidationError({"team": "Not found in this workspace."})
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.JIRA_CONNECTION_SAVE,
        target=row,
        detail={k: str(v) for k, v in data.items()},
    )
    return row


@transaction.atomic
def connection_delete(*, actor: User | None, connection: JiraConnection) -> int:
    """Remove a connection; the items its syncs made stay on the team's roadmap as they are
    (no longer updated from Jira). Returns how many items that is."""
    kept = linked_items(connection).count()
    audit_record(
        actor=actor,
        workspace=connection.workspace,
        action=AuditAction.JIRA_CONNECTION_DELETE,
        target=connection,
        detail={"name": connection.name, "items_kept": kept},
    )
    connection.delete()
    return kept


def linked_items(connection: JiraConnection):
    """The roadmap items a connection's syncs keep up to date: its team's Jira items."""
    return RoadmapItem.objects.for_workspace(connection.workspace_id).filter(
        source=ItemSource.JIRA, team_id=connection.team_id
    )


def token_set(connection: JiraConnection) -> bool:
    """Whether the environment holds the connection's API token (its value is never shown)."""
    return bool(os.environ.get(connection.token_env))
