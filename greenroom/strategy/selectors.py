"""Reads of the strategy app, always scoped to a workspace."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Model, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from greenroom.accounts.models import AuditEvent, User, Workspace
from greenroom.accounts.selectors import audit_event_list
from greenroom.organisation.models import Person
from greenroom.strategy import forecast
from greenroom.strategy.models import (
    CheckIn,
    Initiative,
    KeyResult,
    KeyResultReading,
    Objective,
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
