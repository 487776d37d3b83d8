"""Writes to the experiment register: each in a transaction, each with its audit event."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.experiments import assignments, selectors
from greenroom.experiments.choices import AuditAction, Decision, MetricKind, MetricRole, Status
from greenroom.experiments.exposures import (
    FLAG_EVENT,
    FLAG_PROPERTY,
    VARIANT_PROPERTY,
    EventExposures,
    FileExposures,
    MissingData,
    OutcomeMetric,
    json_path,
    variant_sums,
)
from greenroom.experiments.models import (
    Experiment,
    ExperimentMetric,
    PlanChange,
    Variant,
    VariantSummary,
)
from greenroom.experiments.stats.checks import check_split
from greenroom.experiments.stats.errors import BadSplit
from greenroom.metrics import store
from greenroom.organisation.models import ProductArea, Team
from greenroom.research import services as research


@dataclass(frozen=True)
class VariantIn:
    """A variant as a form or the API gives it: name, flag value, percent of traffic."""

    name: str
    key: str
    split: Decimal


@dataclass(frozen=True)
class MetricIn:
    """A metric as a form or the API gives it."""

    name: str
    kind: str
    role: str = MetricRole.PRIMARY
    event_name: str = ""
    event_property: str = ""
    inverse: bool = False


def _check_variants(variants: Sequence[VariantIn]) -> None:
    try:
        check_split([float(v.split) / 100 for v in variants])
    except BadSplit as error:
        raise ValidationError({"variants": error.message}) from None
    keys = [v.key for v in variants]
    if len(set(keys)) != len(keys):
        raise ValidationError({"variants": "Each variant needs its own flag value."})


def experiment_create(
    *,
    workspace: Workspace,
    actor: User | None,
    name: str,
    hypothesis: str,
    variants: Sequence[VariantIn],
    metrics: Sequence[MetricIn],
    team: Team | None = None,
    product_area: ProductArea | None = None,
    flag_key: str = "",
    plan: dict[str, Any] | None = None,
    exposure_event: str = FLAG_EVENT,
    flag_property: str = FLAG_PROPERTY,
    variant_property: str = VARIANT_PROPERTY,
    brief: str = "",
) -> Experiment:
    """Register a draft experiment with its variants (control first) and metrics; its
    exposures are ``exposure_event`` events whose ``flag_property`` is ``flag_key``, the
    variant in ``variant_property`` (PostHog's feature flag calls by default)."""
    _check_variants(variants)
    for field, value in (
        ("exposure_event", exposure_event),
        ("flag_property", flag_property),
        ("variant_property", variant_property),
    ):
        try:
            json_path(value)
        except ValueError:
            raise ValidationError(
                {field: "Name an event or property without double quotes or backslashes."}
            ) from None
    if not any(m.role == MetricRole.PRIMARY for m in metrics):
        raise ValidationError({"metrics": "Name the primary metric the decision rests on."})
    for m in metrics:
        if m.kind not in MetricKind.values:
            raise ValidationError({"metrics": f"Unknown metric kind {m.kind!r}."})
    if Experiment.objects.for_workspace(workspace).filter(name=name).exists():
        raise ValidationError({"name": "An experiment with this name exists already."})
    with transaction.atomic():
        experiment = Experiment.objects.create(
            workspace=workspace,
            name=name,
            hypothesis=hypothesis,
            brief=brief.strip(),
            owner=actor,
            team=team,
            product_area=product_area,
            flag_key=flag_key,
            exposure_event=exposure_event,
            flag_property=flag_property,
            variant_property=variant_property,
            plan=plan or {},
        )
        Variant.objects.bulk_create(
            Variant(
                workspace=workspace,
                experiment=experiment,
                name=v.name,
                key=v.key,
                split=v.split,
                position=i,
            )
            for i, v in enumerate(variants)
        )
        ExperimentMetric.objects.bulk_create(
            ExperimentMetric(
                workspace=workspace,
                experiment=experiment,
                name=m.name,
                kind=m.kind,
                role=m.role,
                event_name=m.event_name,
                event_property=m.event_property,
                inverse=m.inverse,
                position=i,
            )
            for i, m in enumerate(metrics)
        )
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.EXPERIMENT_CREATE,
            target=experiment,
            detail={"variants": [v.key for v in variants]},
        )
    return experiment


def experiment_change_plan(
    *, experiment: Experiment, actor: User, plan: dict[str, Any], reason: str = ""
) -> Experiment:
    """Replace the plan; once frozen, the change is kept and shown beside the original."""
    if experiment.plan_frozen_at is not None and not reason.strip():
        raise ValidationError({"reason": "The plan is pre-registered: say why it changes."})
    with transaction.atomic():
        if experiment.plan_frozen_at is not None:
            PlanChange.objects.create(
                workspace=experiment.workspace,
                experiment=experiment,
                changed_by=actor,
                before=experiment.plan,
                after=plan,
                reason=reason,
            )
        experiment.plan = plan
        experiment.save(update_fields=["plan"])
        audit_record(
            actor=actor,
            workspace=experiment.workspace,
            action=AuditAction.EXPERIMENT_CHANGE_PLAN,
            target=experiment,
            detail={"frozen": experiment.plan_frozen_at is not None, "reason": reason},
        )
    return experiment


def experiment_start(*, experiment: Experiment, actor: User | None) -> Experiment:
    """Start collecting data: the plan is frozen (pre-registered) from now on."""
    if experiment.status != Status.DRAFT:
        raise ValidationError("Only a draft experiment can start.")
    now = timezone.now()
    with transaction.atomic():
        experiment.status = Status.RUNNING
        experiment.started_at = now
        experiment.plan_frozen_at = now
        experiment.save(update_fields=["status", "started_at", "plan_frozen_at"])
        audit_record(
            actor=actor,
            workspace=experiment.workspace,
            action=AuditAction.EXPERIMENT_START,
            target=experiment,
        )
    return experiment


def experiment_stop(*, experiment: Experiment, actor: User) -> Experiment:
    """Stop collecting data and read the results."""
    if experiment.status != Status.RUNNING:
        raise ValidationError("Only a running experiment can stop.")
    with transaction.atomic():
        experiment.status = Status.ANALYSING
        experiment.ended_at = timezone.now()
        experiment.save(update_fields=["status", "ended_at"])
        audit_record(
            actor=actor,
            workspace=experiment.workspace,
            action=AuditAction.EXPERIMENT_STOP,
            target=experiment,
        )
    return experiment


def variant_summary_record(
    *,
    experiment: Experiment,
    actor: User,
    metric: ExperimentMetric,
    variant: Variant,
    users: int,
    total: float,
    sum_squares: float | None = None,
) -> VariantSummary:
    """Record one arm's sums for one metric (replacing what was there)."""
    if metric.experiment_id != experiment.pk or variant.experiment_id != experiment.pk:
        raise ValidationError("The metric and variant must belong to this experiment.")
    if users < 0 or total < 0:
        raise ValidationError({"users": "Users and totals cannot be negative."})
    if metric.kind == MetricKind.CONVERSION and total > users:
        raise ValidationError(
            {"total": f"{total:g} conversions among {users} users is impossible."}
        )
    if metric.kind != MetricKind.CONVERSION and sum_squares is None:
        raise ValidationError({"sum_squares": "A per-user metric needs its sum of squares."})
    with transaction.atomic():
        summary, _ = VariantSummary.objects.update_or_create(
            metric=metric,
            variant=variant,
            defaults={
                "workspace": experiment.workspace,
                "experiment": experiment,
                "users": users,
                "total": total,
                "sum_squares": sum_squares,
                # Sums typed in carry no pre-period: CUPED needs an analysis of the events.
                "pre_sum": None,
                "pre_sum_squares": None,
                "cross_sum": None,
            },
        )
        audit_record(
            actor=actor,
            workspace=experiment.workspace,
            action=AuditAction.VARIANT_SUMMARY_RECORD,
            target=experiment,
            detail={"metric": metric.name, "variant": variant.key, "users": users},
        )
    return summary


def experiment_acknowledge_srm(*, experiment: Experiment, actor: User) -> Experiment:
    """Record that someone looked at the sample-ratio mismatch and decided to go on."""
    with transaction.atomic():
        experiment.srm_acknowledged_at = timezone.now()
        experiment.srm_acknowledged_by = actor
        experiment.save(update_fields=["srm_acknowledged_at", "srm_acknowledged_by"])
        audit_record(
            actor=actor,
            workspace=experiment.workspace,
            action=AuditAction.EXPERIMENT_ACKNOWLEDGE_SRM,
            target=experiment,
        )
    return experiment


def experiment_decide(
    *, experiment: Experiment, actor: User, decision: str, rationale: str, learning: str = ""
) -> Experiment:
    """Record the decision and why; "ship" waits while a sample-ratio mismatch is unacknowledged.

    A learning becomes an insight in the research repository, citing the experiment."""
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose ship, roll back or iterate."})
    if not rationale.strip():
        raise ValidationError({"rationale": "Say why: the rationale is what others learn from."})
    if experiment.status not in (Status.RUNNING, Status.ANALYSING):
        raise ValidationError("Only a running or stopped experiment can be decided.")
    if decision == Decision.SHIP and experiment.srm_acknowledged_at is None:
        result = selectors.experiment_analysis(experiment=experiment)
        if result.analysis is not None and result.analysis.sample_ratio_mismatch:
            raise ValidationError(
                {
                    "decision": "The split does not match the plan (sample-ratio mismatch): "
                    "acknowledge it before shipping."
                }
            )
    now = timezone.now()
    with transaction.atomic():
        experiment.status = Status.DECIDED
        experiment.decision = decision
        experiment.decision_rationale = rationale
        experiment.decided_at = now
        experiment.decided_by = actor
        experiment.ended_at = experiment.ended_at or now
        if learning.strip():
            experiment.learning = learning.strip()
            experiment.learning_insight = research.insight_create(
                actor=actor,
                workspace=experiment.workspace,
                statement=experiment.learning,
                detail=f"Learnt from the experiment {experiment.name!r} "
                f"({reverse('experiments:detail', args=[experiment.pk])}): decided to "
                f"{Decision(decision).label.lower()} because {rationale.strip()}",
            )
        experiment.save(
            update_fields=[
                "status",
                "decision",
                "decision_rationale",
                "decided_at",
                "decided_by",
                "ended_at",
                "learning",
                "learning_insight",
            ]
        )
        audit_record(
            actor=actor,
            workspace=experiment.workspace,
            action=AuditAction.EXPERIMENT_DECIDE,
            target=experiment,
            detail={"decision": decision},
        )
    return experiment


def experiment_analyse_events(*, experiment: Experiment, actor: User | None) -> Experiment:
    """Read exposures (the flag's events, or the uploaded assignment file) and outcomes from
    the analytics store and record each arm's sums: events per user and conversion from the
    usage events, revenue per account from billing. Metrics defined on nothing the store
    holds (an event metric without its event) keep the sums entered by hand."""
    assignment = assignments.current(experiment)
    if assignment is None and not experiment.flag_key:
        raise ValidationError(
            "Name the experiment's feature flag or upload an assignment file to read its exposures."
        )
    read = [
        m
        for m in experiment.metrics.all()
        if (m.kind in (MetricKind.CONVERSION, MetricKind.EVENTS_PER_USER) and m.event_name)
        or m.kind == MetricKind.REVENUE_PER_ACCOUNT
    ]
    if not read:
        raise ValidationError("No metric is defined on an event: name each metric's event.")
    try:
        cuped_days = int((experiment.plan or {}).get("cuped_days") or 0)
    except (TypeError, ValueError):
        raise ValidationError("The plan's cuped_days must be a whole number of days.") from None
    if not 0 <= cuped_days <= 365:
        raise ValidationError("The plan's cuped_days must be between 0 and 365.")
    source: EventExposures | FileExposures
    if assignment is not None:
        source = FileExposures(assignments.path_of(assignment), since=experiment.started_at)
        described = f"the assignment file {assignment.file_name}"
    else:
        source = EventExposures(
            experiment.exposure_event,
            experiment.flag_key,
            flag_property=experiment.flag_property,
            variant_property=experiment.variant_property,
        )
        described = f"{experiment.exposure_event} events" + (
            f" for the flag {experiment.flag_key!r}" if experiment.flag_key else ""
        )
    try:
        with store.reader(experiment.workspace_id) as connection:
            sums = variant_sums(
                connection,
                exposures=source,
                metrics=[OutcomeMetric(m.name, m.kind, m.event_name) for m in read],
                revenue_until=experiment.ended_at.date() if experiment.ended_at else None,
                pre_days=cuped_days,
            )
    except store.StoreNotPublished:
        raise ValidationError("No usage data yet: connect and sync a usage source.") from None
    except MissingData as error:
        raise ValidationError(str(error)) from None
    variants = list(experiment.variants.all())
    known = {v.key for v in variants}
    if not sums.users:
        raise ValidationError(f"No exposures in {described} yet.")
    with transaction.atomic():
        for metric in read:
            per_variant = sums.sums.get(metric.name, {})
            pre_period = sums.pre.get(metric.name)
            for variant in variants:
                users, total, squares = per_variant.get(variant.key, (0, 0.0, 0.0))
                pre = None
                if pre_period is not None:
                    pre = pre_period.get(variant.key, (0.0, 0.0, 0.0))
                VariantSummary.objects.update_or_create(
                    metric=metric,
                    variant=variant,
                    defaults={
                        "workspace": experiment.workspace,
                        "experiment": experiment,
                        "users": users,
                        "total": total,
                        "sum_squares": squares,
                        "pre_sum": pre[0] if pre else None,
                        "pre_sum_squares": pre[1] if pre else None,
                        "cross_sum": pre[2] if pre else None,
                    },
                )
        experiment.analysed_at = timezone.now()
        experiment.excluded_users = sums.excluded
        experiment.excluded_accounts = sums.excluded_accounts
        experiment.unknown_variant_users = sum(
            n for key, n in sums.users.items() if key not in known
        )
        experiment.save(
            update_fields=[
                "analysed_at",
                "excluded_users",
                "excluded_accounts",
                "unknown_variant_users",
            ]
        )
        audit_record(
            actor=actor,
            workspace=experiment.workspace,
            action=AuditAction.EXPERIMENT_ANALYSE,
            target=experiment,
            detail={
                "users": sums.users,
                "excluded": sums.excluded,
                "source": "assignment file" if assignment is not None else "events",
            },
        )
    return experiment
