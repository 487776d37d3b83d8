"""The experiments API: the register, one experiment's analysis, and the design calculator."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.experiments import assignments, selectors, services
from greenroom.experiments.choices import MetricRole
from greenroom.experiments.models import Experiment
from greenroom.experiments.stats import design
from greenroom.experiments.stats.errors import StatsError
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination

router = Router(tags=["experiments"])


class VariantSchema(Schema):
    name: str
    key: str
    split: Decimal


class MetricSchema(Schema):
    name: str
    kind: str
    role: str = MetricRole.PRIMARY
    event_name: str = ""
    event_property: str = ""
    inverse: bool = False


class ExperimentOut(Schema):
    id: int
    name: str
    hypothesis: str
    brief: str
    status: str
    team_id: int | None
    flag_key: str
    exposure_event: str
    flag_property: str
    variant_property: str
    plan: dict
    plan_frozen_at: datetime | None
    started_at: datetime | None
    decision: str
    decision_rationale: str
    learning: str
    learning_insight_id: int | None


class ExperimentIn(Schema):
    name: str
    hypothesis: str
    brief: str = ""
    flag_key: str = ""
    exposure_event: str = "$feature_flag_called"
    flag_property: str = "$feature_flag"
    variant_property: str = "$feature_flag_response"
    variants: list[VariantSchema]
    metrics: list[MetricSchema]
    plan: dict = {}


class ComparisonOut(Schema):
    metric: str
    variant: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    adjusted_p_value: float | None
    chance_to_win: float | None
    risk_control: float | None
    risk_treatment: float | None
    sequential: bool
    error_code: str | None
    error: str | None


class AnalysisOut(Schema):
    problem: str
    missing_metrics: list[str]
    srm_p_value: float | None
    sample_ratio_mismatch: bool | None
    srm_acknowledged: bool
    users: list[int]
    comparisons: list[ComparisonOut]


class DesignIn(Schema):
    kind: str = "proportion"
    baseline: float
    std_dev: float | None = None
    mde: float
    relative: bool = False
    alpha: float = 0.05
    power: float = 0.8
    arms: int = 2
    daily_users: float | None = None


class DesignOut(Schema):
    per_arm: int
    arms: int
    total: int
    absolute_effect: float
    relative_effect: float | None
    days: int | None
    daily_users: float | None


def _get(request: MemberRequest, pk: int) -> Experiment:
    try:
        return selectors.experiment_get(workspace=request.workspace, pk=pk)
    except Experiment.DoesNotExist:
        raise Http404("No such experiment.") from None


@router.get("/experiments", response=list[ExperimentOut], summary="List experiments")
@paginate(LimitOffsetPagination)
def list_experiments(request: MemberRequest, status: str = ""):
    require(request, "view")
    return selectors.experiment_list(workspace=request.workspace, status=status)


@router.get(
    "/experiments/{pk}", response={200: ExperimentOut, **errors(404)}, summary="Get an experiment"
)
def get_experiment(request: MemberRequest, pk: int):
    require(request, "view")
    return _get(request, pk)


@router.post(
    "/experiments", response={201: ExperimentOut, **errors(403)}, summary="Register an experiment"
)
def create_experiment(request: MemberRequest, payload: ExperimentIn):
    require(request, "manage_experiments")
    experiment = services.experiment_create(
        workspace=request.workspace,
        actor=request.user,
        name=payload.name,
        hypothesis=payload.hypothesis,
        brief=payload.brief,
        flag_key=payload.flag_key,
        exposure_event=payload.exposure_event,
        flag_property=payload.flag_property,
        variant_property=payload.variant_property,
        variants=[services.VariantIn(**v.dict()) for v in payload.variants],
        metrics=[services.MetricIn(**m.dict()) for m in payload.metrics],
        plan=payload.plan,
    )
    return Status(201, experiment)


@router.get(
    "/experiments/{pk}/analysis",
    response={200: AnalysisOut, **errors(404)},
    summary="Analyse an experiment",
)
def get_analysis(request: MemberRequest, pk: int):
    require(request, "view")
    experiment = _get(request, pk)
    result = selectors.experiment_analysis(experiment=experiment)
    analysis = result.analysis
    comparisons = []
    for c in analysis.comparisons if analysis else []:
        f, b = c.frequentist, c.bayesian
        comparisons.append(
            {
                "metric": c.metric,
                "variant": c.variant,
                "estimate": f.estimate if f else None,
                "ci_low": f.ci_low if f else None,
                "ci_high": f.ci_high if f else None,
                "p_value": f.p_value if f else None,
                "adjusted_p_value": c.adjusted_p_value,
                "chance_to_win": b.chance_to_win if b else None,
                "risk_control": b.risk_control if b else None,
                "risk_treatment": b.risk_treatment if b else None,
                "sequential": bool(f and f.sequential),
                "error_code": c.error.code if c.error else None,
                "error": c.error.message if c.error else None,
            }
        )
    return {
        "problem": result.problem,
        "missing_metrics": result.missing,
        "srm_p_value": analysis.srm_p_value if analysis else None,
        "sample_ratio_mismatch": analysis.sample_ratio_mismatch if analysis else None,
        "srm_acknowledged": experiment.srm_acknowledged_at is not None,
        "users": analysis.users if analysis else [],
        "comparisons": comparisons,
    }


@router.post(
    "/design", response={200: DesignOut, **errors(400)}, summary="Sample size and duration"
)
def design_experiment(request: MemberRequest, payload: DesignIn):
    require(request, "view")
    daily = payload.daily_users or selectors.daily_active_users(workspace=request.workspace)
    common: dict[str, Any] = {
        "baseline": payload.baseline,
        "mde": payload.mde,
        "relative": payload.relative,
        "alpha": payload.alpha,
        "power": payload.power,
        "arms": payload.arms,
        "daily_users": daily,
    }
    try:
        if payload.kind == "mean":
            answer = design.mean_sample_size(std_dev=payload.std_dev or 0.0, **common)
        else:
            answer = design.proportion_sample_size(**common)
    except StatsError as error:
        return Status(
            400,
            {
                "error": {
                    "code": error.code,
                    "message": error.message,
                    "details": {"field": getattr(error, "field", None)},
                }
            },
        )
    return {**answer.as_dict(), "daily_users": daily}


class ExperimentDecisionIn(Schema):
    decision: str
    rationale: str
    learning: str = ""


@router.post(
    "/experiments/{pk}/start",
    response={200: ExperimentOut, **errors(403, 404)},
    summary="Start an experiment (freezes its plan)",
)
def start_experiment(request: MemberRequest, pk: int):
    require(request, "manage_experiments")
    return services.experiment_start(experiment=_get(request, pk), actor=request.user)


@router.post(
    "/experiments/{pk}/analyse",
    response={200: ExperimentOut, **errors(403, 404)},
    summary="Read an experiment's exposures and outcomes from the usage events",
)
def analyse_experiment(request: MemberRequest, pk: int):
    require(request, "manage_experiments")
    return services.experiment_analyse_events(experiment=_get(request, pk), actor=request.user)


@router.post(
    "/experiments/{pk}/acknowledge-srm",
    response={200: ExperimentOut, **errors(403, 404)},
    summary="Acknowledge a sample-ratio mismatch",
)
def acknowledge_srm(request: MemberRequest, pk: int):
    require(request, "manage_experiments")
    return services.experiment_acknowledge_srm(experiment=_get(request, pk), actor=request.user)


@router.post(
    "/experiments/{pk}/decision",
    response={200: ExperimentOut, **errors(403, 404)},
    summary="Record the decision (ship waits for an acknowledged sample-ratio mismatch)",
)
def decide_experiment(request: MemberRequest, pk: int, payload: ExperimentDecisionIn):
    require(request, "manage_experiments")
    return services.experiment_decide(
        experiment=_get(request, pk),
        actor=request.user,
        decision=payload.decision,
        rationale=payload.rationale,
        learning=payload.learning,
    )


class SummaryIn(Schema):
    metric: str
    variant: str
    users: int
    total: float
    sum_squares: float | None = None


class SummaryOut(Schema):
    metric: str
    variant: str
    users: int
    total: float
    sum_squares: float | None


@router.post(
    "/experiments/{pk}/summaries",
    response={200: SummaryOut, **errors(403, 404, 422)},
    summary="Record one arm's sums for one metric, from another tool",
)
def record_summary(request: MemberRequest, pk: int, payload: SummaryIn):
    """The users, the metric's total (conversions for a rate) and, for a per-user metric, the
    sum of squares; ``metric`` is the metric's name, ``variant`` the variant's flag value.
    Replaces what was recorded for that arm and metric."""
    require(request, "manage_experiments")
    experiment = _get(request, pk)
    metric = experiment.metrics.filter(name=payload.metric).first()
    variant = experiment.variants.filter(key=payload.variant).first()
    if metric is None or variant is None:
        raise ValidationError(
            {
                "metric"
                if metric is None
                else "variant": "Not a metric or variant of this experiment."
            }
        )
    summary = services.variant_summary_record(
        experiment=experiment,
        actor=request.user,
        metric=metric,
        variant=variant,
        users=payload.users,
        total=payload.total,
        sum_squares=payload.sum_squares,
    )
    return {
        "metric": metric.name,
        "variant": variant.key,
        "users": summary.users,
        "total": summary.total,
        "sum_squares": summary.sum_squares,
    }


class AssignmentOut(Schema):
    file_name: str
    rows: int
    users: dict[str, int]
    two_variants: int
    uploaded_at: datetime


@router.post(
    "/experiments/{pk}/assignments",
    response={201: AssignmentOut, **errors(403, 404, 422)},
    summary="Upload an assignment file (the exposures an analysis reads)",
)
def upload_assignments(request: MemberRequest, pk: int, file: File[UploadedFile]):
    """A CSV or Parquet file with a user id and a variant per row (its flag value or name),
    and optionally when the user was assigned (``assigned_at``) and their ``account_id``.
    All or nothing: a refused file answers 422 with every problem's file, row and column.
    Users given two variants are counted and left out. The same file again changes nothing.
    ``POST /experiments/{pk}/analyse`` then reads the outcomes of the file's users."""
    require(request, "manage_experiments")
    upload = assignments.assignment_upload(
        experiment=_get(request, pk),
        actor=request.user,
        file_name=file.name or "",
        data=file.read(),
    )
    return Status(201, upload)


# Betas and launches add their operations to this router.
from greenroom.experiments import launch_api  # noqa: E402, F401
