"""Reads of the strategy app, always scoped to a workspace."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from greenroom.accounts.models import AuditEvent, User, Workspace
from greenroom.accounts.selectors import audit_event_list
from greenroom.feedback import selectors as feedback
from greenroom.feedback.models import Highlight
from greenroom.organisation.models import Person, Team
from greenroom.registry import Ratio
from greenroom.strategy import forecast, scoring
from greenroom.strategy.choices import (
    TEMPLATE_FIELDS,
    AuditAction,
    ItemSource,
    ItemStatus,
    Scoring,
    Source,
    Status,
)
from greenroom.strategy.models import (
    CheckIn,
    Initiative,
    JiraConnection,
    KeyResult,
    KeyResultReading,
    Objective,
    RoadmapEvidence,
    RoadmapItem,
    RoadmapSnapshot,
    RoadmapTemplate,
    StrategicIntent,
)


def team_ids_of(*, workspace: Workspace, user: User) -> set[int]:
    """The teams ``user`` belongs to: the person linked to their login, or else the person
    with their email address (organisation imports carry emails, not logins)."""
    match = Q(user=user)
    if user.email:
        match |= Q(user__isnull=True, email__iexact=user.email)
    people = Person.objects.for_workspace(workspace).filter(match, team__isnull=False)
    return set(people.values_list("team_id", flat=True))


def intent_list(*, workspace: Workspace) -> QuerySet[StrategicIntent]:
    return StrategicIntent.objects.for_workspace(workspace).select_related("owner")


def initiative_list(*, workspace: Workspace) -> QuerySet[Initiative]:
    return Initiative.objects.for_workspace(workspace).select_related("intent", "owner")


def objective_list(*, workspace: Workspace) -> QuerySet[Objective]:
    return Objective.objects.for_workspace(workspace).select_related("team", "owner", "initiative")


def key_result_list(*, workspace: Workspace) -> QuerySet[KeyResult]:
    return KeyResult.objects.for_workspace(workspace).select_related(
        "objective", "objective__team", "owner"
    )


def metric_key_results(*, workspace: Workspace, metrics: list[str]) -> list[KeyResult]:
    """Key results bound to any of ``metrics``: the targets other apps show beside a figure."""
    rows = KeyResult.objects.for_workspace(workspace).filter(
        source=Source.METRIC, metric_name__in=metrics
    )
    return list(rows.order_by("due_on", "pk"))


def check_in_list(*, key_result: KeyResult) -> QuerySet[CheckIn]:
    return CheckIn.objects.for_workspace(key_result.workspace_id).filter(key_result=key_result)


def reading_list(*, key_result: KeyResult, limit: int = 24) -> list[KeyResultReading]:
    rows = KeyResultReading.objects.for_workspace(key_result.workspace_id)
    return list(rows.filter(key_result=key_result)[:limit])


def history(*, workspace: Workspace, obj: Model) -> QuerySet[AuditEvent]:
    """Every audited change of one intent, initiative, objective or key result."""
    meta = obj._meta
    return audit_event_list(workspace=workspace).filter(
        object_type=meta.label_lower,
        object_id=str(obj.pk),
    )


@dataclass
class Node:
    """A level of the tree with its roll-up: an intent, initiative or objective."""

    item: Any
    rollup: forecast.Rollup
    children: list = field(default_factory=list)

    @property
    def child(self) -> forecast.Child:
        return forecast.Child(self.rollup.status, self.rollup.progress, self.rollup.expected)


@dataclass
class Tree:
    """The whole hierarchy, rolled up, plus the objectives serving no initiative."""

    intents: list[Node]
    unlinked: list[Node]
    company: forecast.Rollup


def goal_tree(*, workspace: Workspace, team_id: int | None = None) -> Tree:
    """Intents → initiatives → objectives → key results, each level rolled up (five queries
    whatever the size)."""
    objectives = objective_list(workspace=workspace).prefetch_related(
        Prefetch("key_results", queryset=KeyResult.objects.select_related("owner"))
    )
    if team_id is not None:
        objectives = objectives.filter(team_id=team_id)
    by_initiative: dict[int | None, list[Node]] = {}
    for objective in objectives.order_by("team__name", "title", "pk"):
        key_results = list(objective.key_results.all())
        node = Node(objective, forecast.rollup([kr.child() for kr in key_results]), key_results)
        by_initiative.setdefault(objective.initiative_id, []).append(node)
    by_intent: dict[int, list[Node]] = {}
    for initiative in initiative_list(workspace=workspace):
        children = by_initiative.get(initiative.pk, [])
        if team_id is not None and not children:
            continue
        node = Node(initiative, forecast.rollup([c.child for c in children]), children)
        by_intent.setdefault(initiative.intent_id, []).append(node)
    intents = []
    for intent in intent_list(workspace=workspace).order_by("starts_on", "title", "pk"):
        children = by_intent.get(intent.pk, [])
        if team_id is not None and not children:
            continue
        intents.append(Node(intent, forecast.rollup([c.child for c in children]), children))
    unlinked = by_initiative.get(None, [])
    company = forecast.rollup([n.child for n in intents] + [n.child for n in unlinked])
    return Tree(intents, unlinked, company)


def status_counts(*, workspace: Workspace) -> dict[str, int]:
    """How many key results have each status."""
    counts: dict[str, int] = {}
    for status in key_result_list(workspace=workspace).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


@dataclass(frozen=True)
class Change:
    """A key result whose status or progress moved since a date."""

    key_result: KeyResult
    before: KeyResultReading | None
    status_changed: bool
    progress_delta: float | None


def changes_since(*, workspace: Workspace, since: date, min_delta: float = 0.01) -> list[Change]:
    """Key results whose status changed, or whose progress moved by at least ``min_delta``,
    between the last reading on or before ``since`` and now."""
    cutoff = timezone.make_aware(datetime.combine(since, time.max))
    last = KeyResultReading.objects.filter(key_result=OuterRef("pk"), taken_at__lte=cutoff)
    key_results = list(
        key_result_list(workspace=workspace)
        .annotate(before_id=Subquery(last.order_by("-taken_at", "-pk").values("pk")[:1]))
        .order_by("objective__title", "title", "pk")
    )
    readings = KeyResultReading.objects.for_workspace(workspace).in_bulk(
        [kr.before_id for kr in key_results if kr.before_id]
    )
    changes = []
    for kr in key_results:
        then = readings.get(kr.before_id)
        if then is None:
            if kr.created_at.date() > since:
                changes.append(Change(kr, None, True, kr.progress))
            continue
        delta = None
        if kr.progress is not None and then.progress is not None:
            delta = kr.progress - then.progress
        status_changed = then.status != kr.status
        if status_changed or (delta is not None and abs(delta) >= min_delta):
            changes.append(Change(kr, then, status_changed, delta))
    return changes


# Roadmaps ----------------------------------------------------------------------------------


def roadmap_template(*, workspace: Workspace) -> RoadmapTemplate:
    """The workspace's roadmap template, or the default one (now / next / later)."""
    found = RoadmapTemplate.objects.for_workspace(workspace).first()
    return found or RoadmapTemplate(workspace=workspace)


def roadmap_item_list(*, workspace: Workspace, team_id: int | None = None) -> QuerySet[RoadmapItem]:
    """The workspace's roadmap items with what their cards show, one query (plus two
    prefetches of evidence and opportunity ids)."""
    rows = (
        RoadmapItem.objects.for_workspace(workspace)
        .select_related(
            "team",
            "initiative__intent",
            "objective__initiative__intent",
            "key_result__objective__initiative__intent",
            "product_area__product",
            "market_opened",
        )
        .prefetch_related(
            Prefetch("opportunities", to_attr="opportunity_list"),
            Prefetch("evidence", to_attr="evidence_list"),
            Prefetch(
                "dependencies",
                queryset=RoadmapItem.objects.select_related("team"),
                to_attr="dependency_list",
            ),
        )
    )
    return rows.filter(team_id=team_id) if team_id is not None else rows


def roadmap_item_get(*, workspace: Workspace, pk: int) -> RoadmapItem | None:
    return roadmap_item_list(workspace=workspace).filter(pk=pk).first()


def missing_from_template(item: RoadmapItem, required: list[str]) -> list[str]:
    """The template's required fields ``item`` lacks (keys of TEMPLATE_FIELDS); the item
    comes from ``roadmap_item_list`` (its evidence and opportunities prefetched)."""
    values = {
        name: getattr(item, name)
        for name in (
            "initiative_id", "objective_id", "key_result_id", "revenue_unlocked",
            "cost_reduced", "market_opened_id", "problem", "confidence", "product_area_id",
        )
    }  # fmt: skip
    values["has_opportunity"] = bool(item.opportunity_list)  # type: ignore[attr-defined]
    values["has_evidence"] = bool(item.evidence_list)  # type: ignore[attr-defined]
    return _missing(values, required)


def served_initiative(item: RoadmapItem) -> Initiative | None:
    """The initiative an item serves: its own, or its objective's or key result's."""
    if item.initiative_id:
        return item.initiative
    objective = item.objective or (item.key_result.objective if item.key_result else None)
    return objective.initiative if objective else None


def dependency_warnings(items: list[RoadmapItem], columns: list[str]) -> dict[int, list[str]]:
    """For each item, the dependencies planned later than it (an item in "Now" that needs one
    in "Later" cannot start as planned). Items come from ``roadmap_item_list``."""
    rank = {name: index for index, name in enumerate(columns)}
    warnings: dict[int, list[str]] = {}
    for item in items:
        for dep in item.dependency_list:  # type: ignore[attr-defined]
            if rank.get(dep.column, 0) > rank.get(item.column, 0):
                warnings.setdefault(item.pk, []).append(
                    _dependency_warning(item.column, dep.title, str(dep.team), dep.column)
                )
    return warnings


@dataclass(frozen=True)
class Demand:
    """Who asks, in feedback, for what an item solves: distinct accounts and their ARR."""

    accounts: int = 0
    arr: Decimal = Decimal(0)


def item_demand(*, workspace: Workspace, items: list[RoadmapItem]) -> dict[int, Demand]:
    """Each item's demand over all its opportunities, each account counted once (two
    opportunities asked for by one account are one account's ARR), in two queries."""
    by_opportunity: dict[int, set[int]] = {}
    for item in items:
        for opportunity in item.opportunity_list:  # type: ignore[attr-defined]
            by_opportunity.setdefault(opportunity.pk, set()).add(item.pk)
    if not by_opportunity:
        return {}
    rows = (
        Highlight.objects.for_workspace(workspace)
        .filter(opportunity__in=list(by_opportunity), item__account__isnull=False)
        .exclude(item__status__in=feedback.NOT_COUNTED)
        .values_list("opportunity_id", "item__account_id")
        .distinct()
    )
    accounts: dict[int, set[int]] = {}
    for opportunity_id, account_id in rows:
        for item_id in by_opportunity[opportunity_id]:
            accounts.setdefault(item_id, set()).add(account_id)
    arr = feedback.account_arr(
        workspace=workspace, account_ids={a for found in accounts.values() for a in found}
    )
    return {
        pk: Demand(len(found), sum((arr.get(a, Decimal(0)) for a in found), Decimal(0)))
        for pk, found in accounts.items()
    }


def item_scores(
    *, workspace: Workspace, items: list[RoadmapItem], template: RoadmapTemplate
) -> dict[int, scoring.Score]:
    """Each item's priority by the template's formula (weighted scores are relative to the
    items given: score a team's roadmap, or the whole portfolio, together)."""
    demand = item_demand(workspace=workspace, items=items)
    inputs = {
        item.pk: scoring.Inputs(
            reach=item.reach,
            impact=item.impact_score,
            confidence=item.confidence,
            effort=item.effort,
            value=(item.revenue_unlocked or Decimal(0)) + (item.cost_reduced or Decimal(0)),
            demand_accounts=demand.get(item.pk, Demand()).accounts,
            demand_arr=demand.get(item.pk, Demand()).arr,
        )
        for item in items
    }
    if template.scoring == Scoring.WEIGHTED:
        return scoring.weighted(inputs, template.weights)
    return {pk: scoring.rice(one) for pk, one in inputs.items()}


@dataclass
class Column:
    name: str
    items: list[RoadmapItem]


def board(*, workspace: Workspace, team_id: int) -> list[Column]:
    """One team's roadmap, column by column in the template's order."""
    template = roadmap_template(workspace=workspace)
    columns = {name: Column(name, []) for name in template.columns}
    items = roadmap_item_list(workspace=workspace, team_id=team_id).order_by("position", "pk")
    for item in items:
        columns.setdefault(item.column, Column(item.column, [])).items.append(item)
    return list(columns.values())


@dataclass
class TeamAdherence:
    """How well one team keeps the standard roadmap."""

    team: Team
    items: int
    meeting: int
    last_updated: datetime | None
    missing: dict[str, int]

    @property
    def share(self) -> float | None:
        return self.meeting / self.items if self.items else None

    @property
    def on_standard(self) -> bool:
        return on_standard(self)


# A team is on the standard roadmap when it has items, at least this share of them meet the
# template, and it touched its roadmap within this many days (docs/strategy.md, "Adherence").
ON_STANDARD_SHARE = 0.8
ON_STANDARD_DAYS = 90


def on_standard(row: TeamAdherence, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    recent = row.last_updated is not None and (now - row.last_updated).days <= ON_STANDARD_DAYS
    return bool(row.items and recent and row.meeting / row.items >= ON_STANDARD_SHARE)


def adherence(*, workspace: Workspace) -> list[TeamAdherence]:
    """Per team (every team, those without a roadmap too): items, how many meet the
    template, when the roadmap last changed, and which required fields are most missed
    (three queries: the scorecard draws it)."""
    required = roadmap_template(workspace=workspace).required
    rows = {
        team.pk: TeamAdherence(team, 0, 0, None, {})
        for team in Team.objects.for_workspace(workspace).order_by("name", "pk")
    }
    linked = RoadmapItem.opportunities.through.objects.filter(roadmapitem_id=OuterRef("pk"))
    evidence = RoadmapEvidence.objects.filter(item_id=OuterRef("pk"))
    items = (
        RoadmapItem.objects.for_workspace(workspace)
        .annotate(has_opportunity=Exists(linked), has_evidence=Exists(evidence))
        .values(
            "team_id", "updated_at", "initiative_id", "objective_id", "key_result_id",
            "revenue_unlocked", "cost_reduced", "market_opened_id", "problem", "confidence",
            "product_area_id", "has_opportunity", "has_evidence",
        )
    )  # fmt: skip
    for item in items:
        row = rows.get(item["team_id"])
        if row is None:
            continue
        row.items += 1
        missing = _missing(item, required)
        row.meeting += not missing
        for name in missing:
            row.missing[name] = row.missing.get(name, 0) + 1
        if row.last_updated is None or item["updated_at"] > row.last_updated:
            row.last_updated = item["updated_at"]
    return list(rows.values())


def _missing(item: dict, required: list[str]) -> list[str]:
    has = {
        "goal": bool(item["initiative_id"] or item["objective_id"] or item["key_result_id"]),
        "evidence": bool(item["has_opportunity"] or item["has_evidence"]),
        "impact": bool(
            item["revenue_unlocked"] or item["cost_reduced"] or item["market_opened_id"]
        ),
        "problem": bool(item["problem"].strip()),
        "confidence": item["confidence"] is not None,
        "product_area": item["product_area_id"] is not None,
    }
    return [name for name in required if not has.get(name, True)]


def teams_on_standard_roadmap(*, workspace: Workspace) -> Ratio:
    """Teams on the standard roadmap (``on_standard``), of all teams."""
    rows = adherence(workspace=workspace)
    return Ratio(sum(1 for row in rows if row.on_standard), len(rows))


GROUPINGS = {"intent": "Strategic intent", "initiative": "Initiative", "product": "Product"}


@dataclass(frozen=True)
class PortfolioKeyResult:
    """The key result an item serves, with its live status."""

    pk: int
    title: str
    status: str
    progress: float | None

    def __str__(self) -> str:
        return self.title

    def get_status_display(self) -> str:
        return str(Status(self.status).label) if self.status in Status.values else self.status


@dataclass(frozen=True)
class PortfolioItem:
    """A roadmap item as the portfolio shows it: plain values, not model instances (six
    hundred items with their goals' chains would build ten thousand of those)."""

    pk: int
    title: str
    team: str
    column: str
    status: str
    key_result: PortfolioKeyResult | None
    goal: str  # the objective or else initiative it serves, by title ("" for neither)

    def get_status_display(self) -> str:
        return str(ItemStatus(self.status).label) if self.status in ItemStatus.values else ""

    def serves(self) -> str:
        return str(self.key_result or self.goal)


@dataclass
class Group:
    label: str
    items: list[PortfolioItem]


@dataclass
class Portfolio:
    columns: list[str]
    groups: list[Group]
    warnings: dict[int, list[str]]
    count: int


# What the portfolio reads of each item, in one query: its own fields, and each path to the
# initiative it serves (its own, its objective's, its key result's objective's).
_PORTFOLIO_FIELDS = (
    "pk", "title", "team__name", "column", "position", "status",
    "key_result_id", "key_result__title", "key_result__status", "key_result__progress",
    "objective_id", "objective__title", "initiative_id", "initiative__title",
    "initiative__intent__title",
    "objective__initiative_id", "objective__initiative__title",
    "objective__initiative__intent__title",
    "key_result__objective__initiative_id", "key_result__objective__initiative__title",
    "key_result__objective__initiative__intent__title",
    "product_area__product__name",
)  # fmt: skip


def portfolio(*, workspace: Workspace, group: str = "intent") -> Portfolio:
    """Every team's items grouped by the intent or initiative they serve, or by product,
    each with its key result's live status and its dependency warnings (three queries
    however many items)."""
    template = roadmap_template(workspace=workspace)
    rank = {name: index for index, name in enumerate(template.columns)}
    rows = sorted(
        RoadmapItem.objects.for_workspace(workspace).values(*_PORTFOLIO_FIELDS),
        key=lambda r: (rank.get(r["column"], 99), r["team__name"], r["position"], r["pk"]),
    )
    items: list[PortfolioItem] = []
    groups: dict[str, Group] = {}
    for row in rows:
        kr = None
        if row["key_result_id"] is not None:
            kr = PortfolioKeyResult(
                row["key_result_id"],
                row["key_result__title"],
                row["key_result__status"],
                row["key_result__progress"],
            )
        item = PortfolioItem(
            pk=row["pk"],
            title=row["title"],
            team=row["team__name"],
            column=row["column"],
            status=row["status"],
            key_result=kr,
            goal=row["objective__title"] or row["initiative__title"] or "",
        )
        items.append(item)
        label = _group_label(row, group)
        groups.setdefault(label, Group(label, [])).items.append(item)
    none_last = sorted(groups.values(), key=lambda g: (g.label.startswith("No "), g.label))
    # A card lists its dependencies in the items' own order (team, position).
    order = {row["pk"]: (row["team__name"], row["position"], row["pk"]) for row in rows}
    warnings = _portfolio_warnings(workspace, items, rank, order)
    return Portfolio(template.columns, none_last, warnings, len(items))


def _group_label(row: dict, group: str) -> str:
    """The group of an item read by ``portfolio``: as ``served_initiative`` finds its
    initiative (its own, else its objective's, else its key result's objective's)."""
    if group == "product":
        return row["product_area__product__name"] or "No product"
    if row["initiative_id"] is not None:
        path = "initiative"
    elif row["objective_id"] is not None:
        path = "objective__initiative"
    else:
        path = "key_result__objective__initiative"
    if row[f"{path}_id"] is None:
        return "No initiative" if group == "initiative" else "No strategic intent"
    return row[f"{path}__title"] if group == "initiative" else row[f"{path}__intent__title"]


def _portfolio_warnings(
    workspace: Workspace, items: list[PortfolioItem], rank: dict[str, int], order: dict
) -> dict[int, list[str]]:
    """``dependency_warnings`` for the portfolio's items, from the dependency links alone."""
    by_pk = {item.pk: item for item in items}
    links = RoadmapItem.dependencies.through.objects.filter(
        from_roadmapitem__workspace_id=workspace.pk
    ).values_list("from_roadmapitem_id", "to_roadmapitem_id")
    warnings: dict[int, list[str]] = {}
    for source, target in sorted(links, key=lambda link: order.get(link[1], ())):
        item, dep = by_pk.get(source), by_pk.get(target)
        if item is None or dep is None:
            continue
        if rank.get(dep.column, 0) > rank.get(item.column, 0):
            warnings.setdefault(item.pk, []).append(
                _dependency_warning(item.column, dep.title, dep.team, dep.column)
            )
    return warnings


def _dependency_warning(column: str, title: str, team: str, dep_column: str) -> str:
    return f"In {column} but depends on “{title}” ({team}), in {dep_column}."


@dataclass
class SnapshotDiff:
    added: list[dict]
    removed: list[dict]
    changed: list[tuple[dict, dict, list[str]]]


def snapshot_diff(*, before: RoadmapSnapshot, after: RoadmapSnapshot) -> SnapshotDiff:
    """Items added, removed and changed (column, status, title, team, goal) between two
    snapshots, in either order of time."""
    old = {row["id"]: row for row in before.items}
    new = {row["id"]: row for row in after.items}
    changed = []
    for pk in sorted(old.keys() & new.keys(), key=lambda k: (new[k]["team"], new[k]["title"])):
        fields = [
            name
            for name in ("column", "status", "title", "team", "goal")
            if old[pk].get(name) != new[pk].get(name)
        ]
        if fields:
            changed.append((old[pk], new[pk], fields))
    return SnapshotDiff(
        added=sorted(
            (new[k] for k in new.keys() - old.keys()), key=lambda r: (r["team"], r["title"])
        ),
        removed=sorted(
            (old[k] for k in old.keys() - new.keys()), key=lambda r: (r["team"], r["title"])
        ),
        changed=changed,
    )


def snapshot_list(*, workspace: Workspace) -> QuerySet[RoadmapSnapshot]:
    return RoadmapSnapshot.objects.for_workspace(workspace).select_related("taken_by")


_ROADMAP_ACTIONS = [
    AuditAction.ROADMAP_ITEM_CREATE,
    AuditAction.ROADMAP_ITEM_UPDATE,
    AuditAction.ROADMAP_ITEM_MOVE,
    AuditAction.ROADMAP_ITEM_ADD_EVIDENCE,
]


def roadmap_changes(
    *, workspace: Workspace, since: datetime, until: datetime | None = None, limit: int = 200
) -> list[AuditEvent]:
    """Every audited change to a roadmap item in a period, newest first, with its author."""
    rows = audit_event_list(workspace=workspace).filter(action__in=_ROADMAP_ACTIONS, at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    return list(rows[:limit])


def template_field_labels(required: list[str]) -> list[str]:
    return [TEMPLATE_FIELDS[name] for name in required if name in TEMPLATE_FIELDS]


def first_roadmap_reached(*, workspace: Workspace, user: User) -> datetime | None:
    """When ``user`` first added to or changed a roadmap item that meets the template now:
    their first roadmap in the standard template (the onboarding milestone)."""
    required = roadmap_template(workspace=workspace).required or []
    on_template = [
        str(item.pk)
        for item in roadmap_item_list(workspace=workspace)
        if not missing_from_template(item, required)
    ]
    first = (
        audit_event_list(workspace=workspace)
        .filter(actor=user, action__in=_ROADMAP_ACTIONS, object_id__in=on_template)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    return first


GOALS_PACK_LIMIT = 20


def pack_goals(*, workspace: Workspace, since: datetime, until: datetime) -> dict:
    """A review pack's goal status: key results by status now, and those whose status or
    progress moved since the last review."""
    counts = status_counts(workspace=workspace)
    moved = changes_since(workspace=workspace, since=timezone.localtime(since).date())
    return {
        "counts": [(status, counts[status]) for status in Status.values if counts.get(status)],
        "changes": moved[:GOALS_PACK_LIMIT],
        "more": max(len(moved) - GOALS_PACK_LIMIT, 0),
    }


@dataclass
class JiraConnectionRow:
    """A Jira connection on its page: ``items_linked`` counts its team's items from Jira
    (what its syncs keep up to date)."""

    connection: JiraConnection
    items_linked: int


def jira_connection_list(*, workspace: Workspace) -> list[JiraConnectionRow]:
    """The workspace's Jira connections with the items each keeps up to date."""
    rows = list(JiraConnection.objects.for_workspace(workspace).select_related("team"))
    items = RoadmapItem.objects.for_workspace(workspace).filter(
        source=ItemSource.JIRA, team_id__in={row.team_id for row in rows}
    )
    counts = dict(items.values_list("team_id").annotate(count=Count("pk")).order_by())
    return [JiraConnectionRow(row, counts.get(row.team_id, 0)) for row in rows]
