"""Writes of the strategy app: every change audited with its author, and the evaluation of
key results (after a change, a check-in, or a metrics refresh)."""

import calendar
import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.metrics import selectors as metrics
from greenroom.strategy import forecast
from greenroom.strategy.choices import AuditAction, Source, Trigger
from greenroom.strategy.models import (
    CheckIn,
    Initiative,
    KeyResult,
    KeyResultReading,
    Objective,
    RoadmapEvidence,
    RoadmapItem,
    RoadmapSnapshot,
    RoadmapTemplate,
    StrategicIntent,
)

logger = logging.getLogger(__name__)

_ACTIONS: dict[type, tuple[AuditAction, AuditAction]] = {
    StrategicIntent: (AuditAction.INTENT_CREATE, AuditAction.INTENT_UPDATE),
    Initiative: (AuditAction.INITIATIVE_CREATE, AuditAction.INITIATIVE_UPDATE),
    Objective: (AuditAction.OBJECTIVE_CREATE, AuditAction.OBJECTIVE_UPDATE),
    KeyResult: (AuditAction.KEY_RESULT_CREATE, AuditAction.KEY_RESULT_UPDATE),
    RoadmapItem: (AuditAction.ROADMAP_ITEM_CREATE, AuditAction.ROADMAP_ITEM_UPDATE),
    RoadmapTemplate: (AuditAction.ROADMAP_TEMPLATE_CREATE, AuditAction.ROADMAP_TEMPLATE_UPDATE),
}
# What a change to a key result must re-evaluate.
_MEASURE_FIELDS = {
    "baseline",
    "target",
    "starts_on",
    "due_on",
    "source",
    "metric_name",
    "metric_where",
    "metric_grain",
}


def _save(*, actor: User | None, workspace: Workspace, row: Model, data: dict[str, Any]) -> dict:
    """Set ``data`` on ``row``, validate, save, and audit what changed (old and new values)."""
    creating = row.pk is None
    changed = {}
    for name, value in data.items():
        old = None if creating else getattr(row, name)
        if creating or old != value:
            changed[name] = [_plain(old), _plain(value)]
        setattr(row, name, value)
    for name, value in data.items():
        if (
            isinstance(value, Model)
            and getattr(value, "workspace_id", workspace.pk) != workspace.pk
        ):
            raise ValidationError({name: "Not found in this workspace."})
    row.full_clean()
    if not creating and not changed:
        return changed
    row.save()
    create, update = _ACTIONS[type(row)]
    audit_record(
        actor=actor,
        workspace=workspace,
        action=create if creating else update,
        target=row,
        detail={"changed": changed},
    )
    return changed


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@transaction.atomic
def intent_save(
    *, actor: User | None, workspace: Workspace, data: dict, instance: StrategicIntent | None = None
) -> StrategicIntent:
    """Create or change a strategic intent."""
    row = instance or StrategicIntent(workspace=workspace)
    _save(actor=actor, workspace=workspace, row=row, data=data)
    return row


@transaction.atomic
def initiative_save(
    *, actor: User | None, workspace: Workspace, data: dict, instance: Initiative | None = None
) -> Initiative:
    """Create or change an initiative."""
    row = instance or Initiative(workspace=workspace)
    _save(actor=actor, workspace=workspace, row=row, data=data)
    return row


@transaction.atomic
def objective_save(
    *, actor: User | None, workspace: Workspace, data: dict, instance: Objective | None = None
) -> Objective:
    """Create or change a team objective."""
    row = instance or Objective(workspace=workspace)
    _save(actor=actor, workspace=workspace, row=row, data=data)
    return row


@transaction.atomic
def key_result_save(
    *, actor: User | None, workspace: Workspace, data: dict, instance: KeyResult | None = None
) -> KeyResult:
    """Create or change a key result; a change to what it measures re-evaluates it."""
    row = instance or KeyResult(workspace=workspace)
    if data.get("source", row.source) == Source.MANUAL:
        data = {**data, "metric_name": "", "metric_where": {}, "metric_grain": ""}
    changed = _save(actor=actor, workspace=workspace, row=row, data=data)
    if instance is None or _MEASURE_FIELDS & set(changed):
        key_result_evaluate(key_result=row, trigger=Trigger.EDIT)
    return row


@transaction.atomic
def check_in_create(
    *,
    actor: User | None,
    key_result: KeyResult,
    value: float,
    checked_on: date,
    comment: str = "",
    evaluate: bool = True,
) -> CheckIn:
    """Record a value reported by hand, then re-evaluate the key result (unless a caller
    loading many check-ins at once evaluates afterwards)."""
    if key_result.source != Source.MANUAL:
        raise ValidationError(
            {"value": "This key result follows a metric: its value comes from each refresh."}
        )
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": "A check-in cannot be dated in the future."})
    check_in = CheckIn(
        workspace_id=key_result.workspace_id,
        key_result=key_result,
        value=value,
        checked_on=checked_on,
        comment=comment,
        author=actor,
    )
    check_in.full_clean()
    check_in.save()
    audit_record(
        actor=actor,
        workspace=key_result.workspace,
        action=AuditAction.CHECK_IN_CREATE,
        target=key_result,
        detail={"value": value, "checked_on": checked_on.isoformat(), "comment": comment},
    )
    if evaluate:
        key_result_evaluate(key_result=key_result, trigger=Trigger.CHECK_IN)
    return check_in


def key_result_evaluate(
    *, key_result: KeyResult, trigger: str, today: date | None = None
) -> KeyResultReading:
    """Evaluate one key result now, keep the result on it and as a reading."""
    readings = key_results_evaluate(
        workspace=key_result.workspace, key_results=[key_result], trigger=trigger, today=today
    )
    return readings[0]


def key_results_evaluate(
    *,
    workspace: Workspace,
    key_results: list[KeyResult] | None = None,
    trigger: str = Trigger.REFRESH,
    today: date | None = None,
) -> list[KeyResultReading]:
    """Evaluate key results (all of the workspace's by default) in a few queries: each
    distinct metric slice is read once, the results written in bulk.

    With ``today`` in the past, the evaluation is the one that day would have given (only
    points up to it count) and its readings are dated that day: how the sandbox lays down a
    history of weekly reviews."""
    now = timezone.now()
    if today is not None and today < timezone.localdate():
        now = timezone.make_aware(datetime.combine(today, time(12)))
    today = today or timezone.localdate()
    if key_results is None:
        key_results = list(KeyResult.objects.for_workspace(workspace))
    manual = [kr.pk for kr in key_results if kr.source == Source.MANUAL]
    check_ins: dict[int, list[tuple[date, float]]] = {}
    rows = CheckIn.objects.for_workspace(workspace).filter(key_result_id__in=manual)
    for key_result_id, on, value in rows.values_list("key_result_id", "checked_on", "value"):
        check_ins.setdefault(key_result_id, []).append((on, value))
    series = _metric_series(workspace, [kr for kr in key_results if kr.source == Source.METRIC])
    readings = []
    for kr in key_results:
        if kr.source == Source.METRIC:
            points, problem = series[kr.pk]
        else:
            points, problem = check_ins.get(kr.pk, []), None
        if problem is not None:
            result = forecast.Evaluation(forecast.UNAVAILABLE, problem)
        else:
            result = forecast.evaluate(
                baseline=kr.baseline,
                target=kr.target,
                starts_on=kr.starts_on,
                due_on=kr.due_on,
                points=points,
                today=today,
                unit=kr.unit,
            )
            if kr.source == Source.METRIC and result.status == forecast.NO_DATA:
                result = forecast.Evaluation(
                    forecast.NO_DATA,
                    f"No complete {kr.metric_grain or 'period'} of {kr.metric_name} for "
                    f"{kr.slice_label()} yet.",
                )
        _apply(kr, result, now)
        readings.append(_reading(kr, trigger, now))
    KeyResult.objects.bulk_update(key_results, _EVALUATION_FIELDS, batch_size=500)
    return KeyResultReading.objects.bulk_create(readings, batch_size=500)


_EVALUATION_FIELDS = [
    "status",
    "message",
    "value",
    "value_as_of",
    "progress",
    "expected",
    "forecast",
    "forecast_low",
    "forecast_high",
    "evaluated_at",
]


def _apply(kr: KeyResult, result: forecast.Evaluation, now) -> None:
    kr.status, kr.message = result.status, result.message
    kr.value, kr.value_as_of = result.value, result.as_of
    kr.progress, kr.expected = result.progress, result.expected
    kr.forecast, kr.forecast_low, kr.forecast_high = (
        result.forecast,
        result.forecast_low,
        result.forecast_high,
    )
    kr.evaluated_at = now


def _reading(kr: KeyResult, trigger: str, now) -> KeyResultReading:
    return KeyResultReading(
        workspace_id=kr.workspace_id,
        key_result=kr,
        taken_at=now,
        trigger=trigger,
        **{name: getattr(kr, name) for name in _EVALUATION_FIELDS if name != "evaluated_at"},
    )


Points = list[tuple[date, float]]
# Metric rows start this long before a key result's start, so the period ending just
# before it (a quarter at most) is there too.
_LOOKBACK = timedelta(days=92)


def _metric_series(
    workspace: Workspace, key_results: list[KeyResult]
) -> dict[int, tuple[Points, str | None]]:
    """Each bound key result's points (or why there are none), reading each metric once per
    grain and set of sliced dimensions: key results slicing one value of each dimension
    share a query sliced ``by`` those dimensions (its rows are each slice's own numbers,
    ratios and distinct counts included); a slice naming several values of a dimension is
    read alone, as the metric of that union is not the sum of its parts."""
    groups: dict[tuple, list[KeyResult]] = {}
    for kr in key_results:
        single = all(len(values) == 1 for values in kr.metric_where.values())
        dims = tuple(sorted(kr.metric_where)) if single else ("", kr.pk)
        groups.setdefault((kr.metric_name, kr.metric_grain, dims), []).append(kr)
    found: dict[int, tuple[Points, str | None]] = {}
    for (name, grain, dims), members in groups.items():
        shared = dims[:1] != ("",)
        where: dict[str, list[str]] = {}
        for kr in members:
            for dim, values in kr.metric_where.items():
                where[dim] = sorted({*where.get(dim, []), *values})
        rows, problem = _metric_rows(
            workspace,
            name=name,
            grain=grain or None,
            by=dims if shared else (),
            where=where,
            period=(
                min(kr.starts_on for kr in members) - _LOOKBACK,
                max(kr.due_on for kr in members),
            ),
        )
        for kr in members:
            if problem is not None:
                found[kr.pk] = ([], problem)
                continue
            match = {dim: values[0] for dim, values in kr.metric_where.items()} if shared else {}
            found[kr.pk] = _points(
                rows, name=name, where=kr.metric_where, match=match,
                starts_on=kr.starts_on, due_on=kr.due_on,
            )  # fmt: skip
    return found


def _metric_rows(workspace: Workspace, *, name, grain, by, where, period):
    """The metric's complete rows, each with its period's last day as ``_end``."""
    try:
        result = metrics.metric(
            name, workspace=workspace, by=by, where=where, grain=grain, period=period
        )
    except metrics.MetricsUnavailable as error:
        return [], str(error)
    except metrics.QueryError as error:
        return [], f"The metric binding no longer works: {error} Edit the key result."
    grain = result.query["grain"]
    rows = [
        {**row, "_end": period_end(row["period"], grain), "_grain": grain}
        for row in result.rows
        if not row.get("partial") and row.get("value") is not None
    ]
    return rows, None


def _points(rows, *, name, where, match, starts_on, due_on) -> tuple[Points, str | None]:
    points: dict[date, float] = {}
    for row in rows:
        if any(row.get(dim) != value for dim, value in match.items()):
            continue
        end = row["_end"]
        if starts_on <= end <= due_on:
            if end in points:
                return [], (
                    f"{name} for {where or 'all'} gives several rows per {row['_grain']}: "
                    "narrow the slice so that it names one value of each dimension."
                )
            points[end] = float(row["value"])
    return sorted(points.items()), None


def metric_points(
    *,
    workspace: Workspace,
    name: str,
    where: dict[str, list[str]],
    grain: str | None,
    starts_on: date,
    due_on: date,
) -> tuple[Points, str | None]:
    """The complete periods of one metric slice ending from ``starts_on`` to ``due_on``, each
    dated by its last day; or a message saying why there are none to be had."""
    rows, problem = _metric_rows(
        workspace,
        name=name,
        grain=grain,
        by=(),
        where=where,
        period=(starts_on - _LOOKBACK, due_on),
    )
    if problem is not None:
        return [], problem
    return _points(rows, name=name, where=where, match={}, starts_on=starts_on, due_on=due_on)


def period_end(period: date, grain: str) -> date:
    """The last day of the period starting on ``period``."""
    if hasattr(period, "date") and callable(period.date):
        period = period.date()
    if grain == "day":
        return period
    if grain == "week":
        return period + timedelta(days=6)
    months = 3 if grain == "quarter" else 1
    last_month = period.month + months - 1
    year, month = period.year + (last_month - 1) // 12, (last_month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def key_results_recompute(*, workspace: Workspace) -> int:
    """Re-evaluate every key result of ``workspace`` after a refresh; how many."""
    with transaction.atomic():
        return len(key_results_evaluate(workspace=workspace, trigger=Trigger.REFRESH))


# Roadmaps ----------------------------------------------------------------------------------


def roadmap_template_of(workspace: Workspace) -> RoadmapTemplate:
    """The workspace's template, or the default one (unsaved) when product ops set none."""
    found = RoadmapTemplate.objects.for_workspace(workspace).first()
    return found or RoadmapTemplate(workspace=workspace)


@transaction.atomic
def roadmap_template_save(
    *, actor: User | None, workspace: Workspace, data: dict
) -> RoadmapTemplate:
    """Change the columns, required fields or scoring; a column still holding items cannot
    be removed (say where they go first), a renamed one is a removal plus an addition."""
    row = roadmap_template_of(workspace)
    columns = [str(c).strip() for c in data.get("columns", row.columns) if str(c).strip()]
    kept = set(columns)
    stranded = (
        RoadmapItem.objects.for_workspace(workspace)
        .exclude(column__in=kept)
        .values_list("column", flat=True)
        .distinct()
    )
    if stranded:
        names = ", ".join(sorted(set(stranded)))
        raise ValidationError(
            {"columns": f"Items are still in {names}: move them before removing the column."}
        )
    _save(actor=actor, workspace=workspace, row=row, data={**data, "columns": columns})
    return row


def _check_column(workspace: Workspace, column: str) -> None:
    columns = roadmap_template_of(workspace).columns
    if column not in columns:
        raise ValidationError(
            {"column": f"“{column}” is not a column of the roadmap ({', '.join(columns)})."}
        )


def _check_dependencies(item: RoadmapItem, dependencies: list[RoadmapItem]) -> None:
    """Refuse a dependency on the item itself or one that leads back to it."""
    graph: dict[int, set[int]] = {}
    edges = RoadmapItem.dependencies.through.objects.filter(
        from_roadmapitem__workspace_id=item.workspace_id
    ).values_list("from_roadmapitem_id", "to_roadmapitem_id")
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    for dependency in dependencies:
        if dependency.workspace_id != item.workspace_id:
            raise ValidationError({"dependencies": "Not found in this workspace."})
        if dependency.pk == item.pk:
            raise ValidationError({"dependencies": "An item cannot depend on itself."})
        path = _path(graph, dependency.pk, item.pk)
        if path is not None:
            titles = dict(RoadmapItem.objects.filter(pk__in=path).values_list("pk", "title"))
            chain = " → ".join(f"“{titles[pk]}”" for pk in [item.pk, *path])
            raise ValidationError(
                {"dependencies": f"That would make a cycle: {chain}. Remove one of its links."}
            )


def _path(graph: dict[int, set[int]], start: int, goal: int) -> list[int] | None:
    """The items from ``start`` to ``goal`` following dependencies, or None (breadth first)."""
    came_from: dict[int, int | None] = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node == goal:
            path = [node]
            while came_from[path[-1]] is not None:
                path.append(came_from[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for following in sorted(graph.get(node, ())):
            if following not in came_from:
                came_from[following] = node
                queue.append(following)
    return None


@transaction.atomic
def roadmap_item_save(
    *,
    actor: User | None,
    workspace: Workspace,
    data: dict,
    instance: RoadmapItem | None = None,
    opportunities: list | None = None,
    dependencies: list[RoadmapItem] | None = None,
) -> RoadmapItem:
    """Create or change a roadmap item; its opportunities and dependencies when given (a
    dependency that would close a cycle is refused, naming it)."""
    row = instance or RoadmapItem(workspace=workspace)
    data = dict(data)
    if instance is None:
        data.setdefault("column", roadmap_template_of(workspace).columns[-1])
        data.setdefault("position", _last_position(workspace, data.get("team"), data["column"]))
    if "column" in data:
        _check_column(workspace, data["column"])
    _save(actor=actor, workspace=workspace, row=row, data=data)
    extra: dict[str, list] = {}
    if opportunities is not None:
        if any(o.workspace_id != workspace.pk for o in opportunities):
            raise ValidationError({"opportunities": "Not found in this workspace."})
        before = sorted(str(o) for o in row.opportunities.all())
        if before != sorted(str(o) for o in opportunities):
            row.opportunities.set(opportunities)
            extra["opportunities"] = [before, sorted(str(o) for o in opportunities)]
    if dependencies is not None:
        _check_dependencies(row, dependencies)
        before = sorted(str(d) for d in row.dependencies.all())
        if before != sorted(str(d) for d in dependencies):
            row.dependencies.set(dependencies)
            extra["dependencies"] = [before, sorted(str(d) for d in dependencies)]
    if extra:
        RoadmapItem.objects.filter(pk=row.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.ROADMAP_ITEM_UPDATE,
            target=row,
            detail={"changed": extra},
        )
    return row


def _last_position(workspace: Workspace, team: Any, column: str) -> int:
    rows = RoadmapItem.objects.for_workspace(workspace).filter(team=team, column=column)
    last = rows.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


@transaction.atomic
def roadmap_item_move(
    *, actor: User | None, item: RoadmapItem, column: str, position: int | None = None
) -> RoadmapItem:
    """Put an item in ``column`` at ``position`` among its team's items there (the end when
    None), renumbering that column; audited with where it came from."""
    workspace = item.workspace
    _check_column(workspace, column)
    before = (item.column, item.position)
    siblings = list(
        RoadmapItem.objects.for_workspace(workspace)
        .filter(team_id=item.team_id, column=column)
        .exclude(pk=item.pk)
        .order_by("position", "pk")
    )
    place = len(siblings) if position is None else max(0, min(position, len(siblings)))
    siblings.insert(place, item)
    item.column = column
    for index, row in enumerate(siblings):
        row.position = index
    RoadmapItem.objects.bulk_update(siblings, ["position", "column"])
    RoadmapItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())
    if before[0] != column or before[1] != item.position:
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.ROADMAP_ITEM_MOVE,
            target=item,
            detail={"changed": {"column": [before[0], column]}, "position": item.position},
        )
    return item


@transaction.atomic
def roadmap_evidence_add(
    *,
    actor: User | None,
    item: RoadmapItem,
    kind: str,
    reference: str = "",
    url: str = "",
    note: str = "",
    resolve: Any = None,
) -> RoadmapEvidence:
    """Add an insight, experiment (``resolve``: the registered kind's resolver, which must
    find ``reference`` in the workspace) or a link with a note."""
    label = note[:300]
    if resolve is not None:
        found = resolve(workspace=item.workspace, reference=reference)
        if found is None:
            raise ValidationError({"reference": f"No {kind} {reference!r} in this workspace."})
        label, url = found
    elif not url:
        raise ValidationError({"url": "Give a link (https://...) for this evidence."})
    evidence = RoadmapEvidence(
        workspace_id=item.workspace_id,
        item=item,
        kind=kind,
        reference=reference,
        label=label or url,
        url=url,
        note=note,
        added_by=actor,
    )
    evidence.full_clean()
    evidence.save()
    RoadmapItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())
    audit_record(
        actor=actor,
        workspace=item.workspace,
        action=AuditAction.ROADMAP_ITEM_ADD_EVIDENCE,
        target=item,
        detail={"kind": kind, "label": evidence.label},
    )
    return evidence


def snapshot_row(item: RoadmapItem) -> dict:
    """An item as a snapshot keeps it (what a diff compares)."""
    return {
        "id": item.pk,
        "title": item.title,
        "team": str(item.team),
        "column": item.column,
        "status": item.status,
        "goal": str(item.key_result or item.objective or item.initiative or ""),
    }


@transaction.atomic
def roadmap_snapshot_take(
    *, actor: User | None, workspace: Workspace, label: str = ""
) -> RoadmapSnapshot:
    """Freeze every team's roadmap as it is now (the quarterly job and the button)."""
    now = timezone.now()
    today = timezone.localdate()
    rows = (
        RoadmapItem.objects.for_workspace(workspace)
        .select_related("team", "key_result", "objective", "initiative")
        .order_by("team__name", "position", "pk")
    )
    snapshot = RoadmapSnapshot.objects.create(
        workspace=workspace,
        label=label or f"{today.year} Q{(today.month - 1) // 3 + 1} ({today.isoformat()})",
        taken_at=now,
        taken_by=actor,
        items=[snapshot_row(item) for item in rows],
    )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.ROADMAP_SNAPSHOT_CREATE,
        target=snapshot,
        detail={"items": len(snapshot.items)},
    )
    return snapshot


@transaction.atomic
def roadmap_item_import(
    *, actor: User | None, workspace: Workspace, data: dict, instance: RoadmapItem | None = None
) -> tuple[RoadmapItem, bool]:
    """Create or change an imported item (a spreadsheet row, a Jira epic), audited with the
    importer as its author like any edit; whether anything changed."""
    row = instance or RoadmapItem(workspace=workspace)
    data = dict(data)
    if "column" in data:
        _check_column(workspace, data["column"])
        if instance is None or instance.column != data["column"]:
            team = data.get("team", row.team_id)
            data["position"] = _last_position(workspace, team, data["column"])
    return row, bool(_save(actor=actor, workspace=workspace, row=row, data=data))
