"""Targets for headline figures: the key results (strategy) that follow the same metric.

A figure shows a target when a key result is bound to its metric (or to one that converts to
it: an MRR key result is an ARR target twelve times over) over exactly the figure's slice, at
its grain, and the figure's month falls between the key result's start and due date. When
several do, the one due first: it is the next milestone the figure is judged against. Its
status is the key result's latest evaluation (strategy re-evaluates after every refresh).
"""

from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from greenroom.accounts.models import Workspace
from greenroom.dashboards.periods import month_add
from greenroom.strategy import selectors as strategy

# The key-result metrics a headline figure reads its target from, with the factor from the
# key result's unit to the figure's. A figure not listed reads key results on its own metric.
CONVERTS: dict[str, dict[str, float]] = {
    "arr": {"arr": 1.0, "mrr": 12.0},
    "active_users": {"active_users": 1.0, "mau": 1.0},
}
# Amounts at a period's end mean the same at any grain; counts of distinct users or accounts
# and ratios mean something else per week or per quarter, so only a monthly key result fits.
LEVELS = frozenset({"arr", "mrr", "paying_accounts"})


@dataclass(frozen=True)
class Target:
    """A key result's target as a headline figure shows it."""

    value: float
    due_on: date
    title: str
    url: str
    status: str
    status_label: str


def _sources(metric: str) -> dict[str, float]:
    return CONVERTS.get(metric, {metric: 1.0})


def _normal(where: dict) -> dict[str, tuple[str, ...]]:
    return {dim: tuple(sorted(set(values))) for dim, values in where.items() if values}


def _fits(kr, *, where: dict, month: date) -> bool:
    monthly = (
        kr.metric_name in LEVELS or kr.metric_name == "mau" or kr.metric_grain in ("", "month")
    )
    in_window = kr.starts_on < month_add(month, 1) and kr.due_on >= month
    return monthly and in_window and _normal(kr.metric_where) == _normal(where)


def attach(kpis: list[dict], *, workspace: Workspace, where: dict, month: date | None) -> None:
    """Set each monthly figure's ``target`` from the key results (one query for all)."""
    wanted = {kpi["metric"] for kpi in kpis if not kpi.get("day_grain")}
    if month is None or not wanted:
        return
    names = sorted({name for metric in wanted for name in _sources(metric)})
    key_results = strategy.metric_key_results(workspace=workspace, metrics=names)
    for kpi in kpis:
        if kpi.get("day_grain"):
            continue
        factors = _sources(kpi["metric"])
        kr = next(
            (
                kr
                for kr in key_results
                if kr.metric_name in factors and _fits(kr, where=where, month=month)
            ),
            None,
        )
        if kr is not None:
            kpi["target"] = Target(
                value=kr.target * factors[kr.metric_name],
                due_on=kr.due_on,
                title=kr.title,
                url=reverse("strategy:key_result", args=[kr.pk]),
                status=kr.status,
                status_label=kr.get_status_display(),
            )
