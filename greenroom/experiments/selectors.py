"""Reads of the experiment register, always within one workspace, and the analysis of one."""

import logging
from dataclasses import dataclass, field

from django.db.models import QuerySet

from greenroom.accounts.models import Workspace
from greenroom.experiments.choices import MetricKind, Status
from greenroom.experiments.models import Experiment, VariantSummary
from greenroom.experiments.stats.analysis import Analysis, MetricInput, Settings, analyse
from greenroom.experiments.stats.errors import StatsError
from greenroom.experiments.stats.summaries import (
    AdjustedSummary,
    MeanSummary,
    ProportionSummary,
    Summary,
)
from greenroom.metrics import selectors as metrics

log = logging.getLogger(__name__)


def experiment_list(*, workspace: Workspace, status: str = "") -> QuerySet[Experiment]:
    """The workspace's experiments, with their team, optionally of one status."""
    rows = Experiment.objects.for_workspace(workspace).select_related("team", "owner")
    return rows.filter(status=status) if status else rows


def experiment_get(*, workspace: Workspace, pk: int) -> Experiment:
    """One experiment of the workspace (Experiment.DoesNotExist otherwise)."""
    return (
        Experiment.objects.for_workspace(workspace)
        .select_related("team", "product_area", "owner", "decided_by", "srm_acknowledged_by")
        .get(pk=pk)
    )


def running_count(*, workspace: Workspace) -> int:
    """How many experiments are collecting data."""
    return Experiment.objects.for_workspace(workspace).filter(status=Status.RUNNING).count()


@dataclass
class ExperimentAnalysis:
    """The analysis, or why there is none; ``missing`` names metrics lacking an arm's data."""

    analysis: Analysis | None = None
    problem: str = ""
    missing: list[str] = field(default_factory=list)


def settings_for(experiment: Experiment) -> Settings:
    """The analysis settings from the (frozen) plan, gbstats' defaults otherwise."""
    plan = experiment.plan or {}
    return Settings(
        relative=plan.get("relative_lift", True),
        alpha=float(plan.get("alpha", 0.05)),
        sequential=bool(plan.get("sequential", False)),
        tuning=float(plan.get("tuning", 5000)),
        correction=plan.get("correction", "holm"),
        min_users=int(plan.get("min_users", 30)),
    )


def _summary(kind: str, row: VariantSummary) -> Summary:
    post: ProportionSummary | MeanSummary
    if kind == MetricKind.CONVERSION:
        post = ProportionSummary(n=row.users, sum=row.total)
    else:
        post = MeanSummary(n=row.users, sum=row.total, sum_squares=row.sum_squares or 0.0)
    if row.pre_sum is None or row.cross_sum is None:
        return post
    # CUPED: the pre-period of the same metric as covariate.
    pre: ProportionSummary | MeanSummary = (
        ProportionSummary(n=row.users, sum=row.pre_sum)
        if kind == MetricKind.CONVERSION
        else MeanSummary(n=row.users, sum=row.pre_sum, sum_squares=row.pre_sum_squares or 0.0)
    )
    return AdjustedSummary(n=row.users, post=post, pre=pre, cross_sum=row.cross_sum)


def experiment_analysis(*, experiment: Experiment) -> ExperimentAnalysis:
    """Every variant against the control on every metric with data, from the recorded sums."""
    variants = list(experiment.variants.all())
    metric_rows = list(experiment.metrics.all())
    rows = {(s.metric_id, s.variant_id): s for s in experiment.summaries.all()}
    if not rows:
        return ExperimentAnalysis(
            problem="No data yet: record per-variant sums or run an analysis."
        )
    inputs, missing = {}, []
    for metric in metric_rows:
        arm_rows = [rows.get((metric.pk, v.pk)) for v in variants]
        if any(r is None for r in arm_rows):
            missing.append(metric.name)
            continue
        inputs[metric.name] = MetricInput(
            [_summary(metric.kind, r) for r in arm_rows if r is not None], inverse=metric.inverse
        )
    primary = next((m for m in metric_rows if m.name in inputs), None)
    if primary is None:
        return ExperimentAnalysis(
            problem="No metric has data for every variant yet.", missing=missing
        )
    users = [rows[(primary.pk, v.pk)].users for v in variants]
    try:
        analysis = analyse(
            variants=[v.name for v in variants],
            users=users,
            weights=[float(v.split) / 100 for v in variants],
            metrics=inputs,
            settings=settings_for(experiment),
        )
    except StatsError as error:
        return ExperimentAnalysis(problem=error.message, missing=missing)
    return ExperimentAnalysis(analysis=analysis, missing=missing)


def daily_active_users(*, workspace: Workspace, days: int = 28) -> float | None:
    """Average daily active users over the last ``days`` from the metrics layer, if known."""
    try:
        result = metrics.metric("dau", workspace=workspace)
    except Exception:  # no store yet, no usage source: the calculator asks for traffic instead
        log.info("No daily active users for workspace %s", workspace.pk, exc_info=True)
        return None
    # The last ``days`` days the store has, not the calendar's: a demo's data may be older.
    rows = sorted(result.rows, key=lambda r: r["period"])
    values = [float(r["value"]) for r in rows if r.get("value") is not None][-days:]
    if not values:
        return None
    return sum(values) / len(values)
