"""The experiment pages: the register, one experiment with its analysis, and the calculator."""

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from greenroom import registry
from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.experiments import assignments, selectors, services
from greenroom.experiments.forms import DecisionForm, DesignForm, ExperimentForm, SummaryForm
from greenroom.experiments.models import Experiment
from greenroom.experiments.stats import design
from greenroom.experiments.stats.checks import SRM_THRESHOLD
from greenroom.experiments.stats.errors import StatsError
from greenroom.lib import markdown
from greenroom.lib.lists import Column, Listing, render_list

# The playbook template (cadences' TemplateKind) a new experiment's brief starts from.
BRIEF_TEMPLATE = "experiment_brief"

COLUMNS = [
    Column("Experiment", "name", "name", value=lambda e: e.name),
    Column("Team", "team", "team__name", value=lambda e: str(e.team or "")),
    Column("Status", "status", "status", value=lambda e: e.get_status_display()),
    Column("Started", "started", "started_at", value=lambda e: e.started_at),
    Column("Decision", "decision", "decision", value=lambda e: e.get_decision_display()),
]


def _experiment(request: MemberRequest, pk: int) -> Experiment:
    try:
        return selectors.experiment_get(workspace=request.workspace, pk=pk)
    except Experiment.DoesNotExist:
        raise Http404("No such experiment.") from None


@login_required
@ability_required("view")
def experiment_list(request: MemberRequest) -> HttpResponseBase:
    rows = selectors.experiment_list(workspace=request.workspace)
    listing = Listing(
        request,
        rows,
        columns=COLUMNS,
        default_sort="-started",
        rows_template="experiments/experiment_list.html#rows",
        export_name="experiments",
        noun=("experiment", "experiments"),
    )
    if listing.export_format:
        return listing.export()
    return render_list(
        request,
        "experiments/experiment_list.html",
        {"listing": listing, "can_manage": can(request, "manage_experiments")},
    )


@login_required
@ability_required("manage_experiments")
def experiment_create(request: MemberRequest) -> HttpResponseBase:
    starting = registry.starting_text(workspace=request.workspace, kind=BRIEF_TEMPLATE)
    form = ExperimentForm(
        request.workspace,
        request.POST or None,
        initial={"brief": starting.body if starting else ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            experiment = services.experiment_create(
                workspace=request.workspace,
                actor=request.user,
                name=data["name"],
                hypothesis=data["hypothesis"],
                brief=data["brief"],
                variants=data["variants"],
                metrics=form.metrics(),
                team=data["team"],
                product_area=data["product_area"],
                flag_key=data["flag_key"],
                exposure_event=data["exposure_event"],
                flag_property=data["flag_property"],
                variant_property=data["variant_property"],
                plan=_plan(request, data),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("experiments:detail", pk=experiment.pk)
    return render(request, "experiments/experiment_form.html", {"form": form})


def _plan(request: MemberRequest, data: dict) -> dict[str, Any]:
    """The design to pre-register: the calculator's inputs and answer, when they were given."""
    alpha, power = data.get("alpha") or 0.05, data.get("power") or 0.8
    plan: dict[str, Any] = {"alpha": alpha, "power": power, "correction": "holm"}
    if data.get("cuped_days"):
        plan["cuped_days"] = data["cuped_days"]
    if data.get("baseline") is None or data.get("mde") is None:
        return plan
    if data["metric_kind"] != "conversion":
        raise ValidationError({"baseline": "The planner sizes conversion metrics only."})
    daily = selectors.daily_active_users(workspace=request.workspace)
    try:
        answer = design.proportion_sample_size(
            baseline=data["baseline"],
            mde=data["mde"],
            alpha=alpha,
            power=power,
            arms=len(data["variants"]),
            daily_users=daily,
        )
    except StatsError as error:
        raise ValidationError({getattr(error, "field", "baseline"): error.message}) from None
    return {
        **plan,
        "baseline": data["baseline"],
        "mde": data["mde"],
        "daily_users": daily,
        **answer.as_dict(),
    }


@login_required
@ability_required("view")
def experiment_detail(request: MemberRequest, pk: int) -> HttpResponseBase:
    experiment = _experiment(request, pk)
    result = selectors.experiment_analysis(experiment=experiment)
    variants = list(experiment.variants.all())
    metrics = list(experiment.metrics.all())
    starting = registry.starting_text(workspace=request.workspace, kind=BRIEF_TEMPLATE)
    required = list(starting.required_sections) if starting else []
    context = {
        "experiment": experiment,
        # Safe: markdown-it escapes raw HTML and refuses unsafe link schemes (lib/markdown.py).
        "brief": mark_safe(markdown.render(experiment.brief)),
        "brief_missing": markdown.missing_sections(experiment.brief, required),
        "variants": variants,
        "metrics": metrics,
        "result": result,
        "analysis": result.analysis,
        "srm_threshold": SRM_THRESHOLD,
        "plan_changes": list(experiment.plan_changes.select_related("changed_by")),
        "can_manage": can(request, "manage_experiments"),
        "show_main": can(request, "manage_experiments") and experiment.status != "decided",
        "confidence": f"{(1 - selectors.settings_for(experiment).alpha) * 100:g}",
        "decision_form": DecisionForm(),
        "summary_rows": _summary_rows(experiment, metrics, variants),
        "assignment": assignments.current(experiment),
    }
    return render(request, "experiments/experiment_detail.html", context)


def _summary_rows(experiment: Experiment, metrics: list, variants: list) -> list[dict]:
    recorded = {(s.metric_id, s.variant_id): s for s in experiment.summaries.all()}
    return [
        {"metric": m, "variant": v, "summary": recorded.get((m.pk, v.pk))}
        for m in metrics
        for v in variants
    ]


def _act(request: MemberRequest, pk: int, action) -> HttpResponseBase:
    experiment = _experiment(request, pk)
    try:
        action(experiment)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("experiments:detail", pk=experiment.pk)


@require_POST
@login_required
@ability_required("manage_experiments")
def experiment_start(request: MemberRequest, pk: int) -> HttpResponseBase:
    return _act(request, pk, lambda e: services.experiment_start(experiment=e, actor=request.user))


@require_POST
@login_required
@ability_required("manage_experiments")
def experiment_stop(request: MemberRequest, pk: int) -> HttpResponseBase:
    return _act(request, pk, lambda e: services.experiment_stop(experiment=e, actor=request.user))


@require_POST
@login_required
@ability_required("manage_experiments")
def experiment_analyse(request: MemberRequest, pk: int) -> HttpResponseBase:
    return _act(
        request, pk, lambda e: services.experiment_analyse_events(experiment=e, actor=request.user)
    )


# Problems listed on the page after a refused assignment file; the rest are counted.
SHOWN_PROBLEMS = 20


@require_POST
@login_required
@ability_required("manage_experiments")
def assignment_upload(request: MemberRequest, pk: int) -> HttpResponseBase:
    experiment = _experiment(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose an assignment file (CSV or Parquet) to upload.")
        return redirect("experiments:detail", pk=experiment.pk)
    try:
        done = assignments.assignment_upload(
            experiment=experiment,
            actor=request.user,
            file_name=upload.name or "assignments",
            data=upload.read(),
        )
    except ValidationError as error:
        found = error.messages
        for message in found[:SHOWN_PROBLEMS]:
            messages.error(request, message)
        if len(found) > SHOWN_PROBLEMS:
            messages.error(request, f"… and {len(found) - SHOWN_PROBLEMS} more problems.")
    else:
        messages.success(
            request,
            f"{done.file_name}: {done.rows} rows; {done.two_variants} users given two variants "
            "are left out. Analyse to read the outcomes.",
        )
    return redirect("experiments:detail", pk=experiment.pk)


@require_POST
@login_required
@ability_required("manage_experiments")
def experiment_acknowledge_srm(request: MemberRequest, pk: int) -> HttpResponseBase:
    return _act(
        request, pk, lambda e: services.experiment_acknowledge_srm(experiment=e, actor=request.user)
    )


@require_POST
@login_required
@ability_required("manage_experiments")
def experiment_decide(request: MemberRequest, pk: int) -> HttpResponseBase:
    form = DecisionForm(request.POST)

    def decide(experiment: Experiment) -> None:
        if not form.is_valid():
            raise ValidationError([str(e) for errors in form.errors.values() for e in errors])
        services.experiment_decide(
            experiment=experiment,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            rationale=form.cleaned_data["rationale"],
            learning=form.cleaned_data["learning"],
        )

    return _act(request, pk, decide)


@require_POST
@login_required
@ability_required("manage_experiments")
def summary_record(request: MemberRequest, pk: int) -> HttpResponseBase:
    form = SummaryForm(request.POST)

    def record(experiment: Experiment) -> None:
        if not form.is_valid():
            raise ValidationError([str(e) for errors in form.errors.values() for e in errors])
        data = form.cleaned_data
        metric = experiment.metrics.filter(pk=data["metric"]).first()
        variant = experiment.variants.filter(pk=data["variant"]).first()
        if metric is None or variant is None:
            raise ValidationError("No such metric or variant in this experiment.")
        services.variant_summary_record(
            experiment=experiment,
            actor=request.user,
            metric=metric,
            variant=variant,
            users=data["users"],
            total=data["total"],
            sum_squares=data["sum_squares"],
        )

    return _act(request, pk, record)


@login_required
@ability_required("view")
def design_calculator(request: MemberRequest) -> HttpResponseBase:
    form = DesignForm(request.GET or None)
    traffic = selectors.daily_active_users(workspace=request.workspace)
    context = {"form": form, "traffic": traffic, **_calculate(form, traffic)}
    if request.htmx:
        return render(request, "experiments/design.html#result", context)
    return render(request, "experiments/design.html", context)


def _calculate(form: DesignForm, traffic: float | None) -> dict:
    if not form.is_bound or not form.is_valid():
        return {}
    data = form.cleaned_data
    daily = data["daily_users"] or traffic
    started = time.perf_counter()
    common: dict[str, Any] = {
        "baseline": data["baseline"],
        "mde": data["mde"],
        "relative": data["relative"],
        "alpha": data["alpha"],
        "power": data["power"],
        "arms": data["arms"],
        "daily_users": daily,
    }
    try:
        if data["kind"] == "proportion":
            answer = design.proportion_sample_size(**common)
        else:
            if data["std_dev"] is None:
                return {"design_error": "A mean needs its standard deviation."}
            answer = design.mean_sample_size(std_dev=data["std_dev"], **common)
    except StatsError as error:
        return {"design_error": error.message}
    elapsed_ms = (time.perf_counter() - started) * 1000
    return {"design": answer, "daily_used": daily, "elapsed_ms": elapsed_ms}
