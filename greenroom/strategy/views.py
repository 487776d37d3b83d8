"""Pages of the strategy app: the goal tree, each level's form, a key result's page with its
forecast and check-ins, and "what changed since the last review"."""

import copy
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.strategy import selectors, services
from greenroom.strategy.forms import (
    CheckInForm,
    InitiativeForm,
    IntentForm,
    KeyResultForm,
    ObjectiveForm,
    SinceForm,
)
from greenroom.strategy.models import Initiative, KeyResult, Objective, StrategicIntent


def _get(model, request: MemberRequest, pk: int | None):
    if pk is None:
        return None
    found = model.objects.for_workspace(request.workspace).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found in this workspace.")
    return found


def may_edit_objective(request: MemberRequest, objective: Objective | None) -> bool:
    """Product ops edit any objective; a product manager those of their own team."""
    if can(request, "manage_strategy"):
        return True
    if not can(request, "edit_team_goals"):
        return False
    if objective is None:
        return True  # a new one: the form offers their teams only
    teams = selectors.team_ids_of(workspace=request.workspace, user=request.user)
    return objective.team_id in teams


def _require_objective(request: MemberRequest, objective: Objective | None) -> None:
    if not may_edit_objective(request, objective):
        raise PermissionDenied("Only product ops and the objective's own team may change it.")


@login_required
@ability_required("view")
def goals(request: MemberRequest) -> HttpResponseBase:
    team = request.GET.get("team", "")
    mine = selectors.team_ids_of(workspace=request.workspace, user=request.user)
    team_id = int(team) if team.isdigit() else None
    tree = selectors.goal_tree(workspace=request.workspace, team_id=team_id)
    context = {
        "tree": tree,
        "my_teams": sorted(mine),
        "team_id": team_id,
        "can_manage": can(request, "manage_strategy"),
        "can_add_objective": can(request, "manage_strategy")
        or (can(request, "edit_team_goals") and bool(mine)),
    }
    return render(request, "strategy/goals.html", context)


def _edit(request, *, model, form_class, service, pk, template_title, extra=None):
    instance = _get(model, request, pk)
    kwargs = extra or {}
    form = form_class(
        request.POST or None,
        instance=copy.copy(instance) if instance else None,
        workspace=request.workspace,
        **kwargs,
    )
    if request.method == "POST" and form.is_valid():
        data = (
            form.data_for_service()
            if hasattr(form, "data_for_service")
            else {name: form.cleaned_data[name] for name in form.Meta.fields}
        )
        try:
            saved = service(
                actor=request.user, workspace=request.workspace, data=data, instance=instance
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved {saved}.")
            return saved, None
    history = selectors.history(workspace=request.workspace, obj=instance) if instance else []
    page = render(
        request,
        "strategy/form.html",
        {"form": form, "instance": instance, "title": template_title, "history": history},
    )
    return None, page


@login_required
@ability_required("manage_strategy")
def intent_edit(request: MemberRequest, pk: int | None = None) -> HttpResponseBase:
    saved, page = _edit(
        request,
        model=StrategicIntent,
        form_class=IntentForm,
        service=services.intent_save,
        pk=pk,
        template_title="strategic intent",
    )
    return redirect("strategy:goals") if saved else page


@login_required
@ability_required("manage_strategy")
def initiative_edit(request: MemberRequest, pk: int | None = None) -> HttpResponseBase:
    saved, page = _edit(
        request,
        model=Initiative,
        form_class=InitiativeForm,
        service=services.initiative_save,
        pk=pk,
        template_title="initiative",
    )
    return redirect("strategy:goals") if saved else page


@login_required
@ability_required("edit_team_goals")
def objective_edit(request: MemberRequest, pk: int | None = None) -> HttpResponseBase:
    objective = _get(Objective, request, pk)
    _require_objective(request, objective)
    teams = None
    if not can(request, "manage_strategy"):
        teams = selectors.team_ids_of(workspace=request.workspace, user=request.user)
    saved, page = _edit(
        request,
        model=Objective,
        form_class=ObjectiveForm,
        service=services.objective_save,
        pk=pk,
        template_title="objective",
        extra={"teams": teams},
    )
    return redirect("strategy:goals") if saved else page


@login_required
@ability_required("edit_team_goals")
def key_result_edit(
    request: MemberRequest, objective_pk: int | None = None, pk: int | None = None
) -> HttpResponseBase:
    key_result = _get(KeyResult, request, pk)
    objective = key_result.objective if key_result else _get(Objective, request, objective_pk)
    _require_objective(request, objective)

    def save(*, actor, workspace, data, instance):
        return services.key_result_save(
            actor=actor,
            workspace=workspace,
            data={**data, "objective": objective},
            instance=instance,
        )

    saved, page = _edit(
        request,
        model=KeyResult,
        form_class=KeyResultForm,
        service=save,
        pk=pk,
        template_title=f"key result of “{objective}”",
        extra={"initial": {"starts_on": objective.starts_on, "due_on": objective.ends_on}}
        if key_result is None
        else None,
    )
    return redirect("strategy:key_result", saved.pk) if saved else page


@login_required
@ability_required("view")
def key_result_detail(request: MemberRequest, pk: int) -> HttpResponseBase:
    key_result = _get(KeyResult, request, pk)
    context = {
        "kr": key_result,
        "check_ins": selectors.check_in_list(key_result=key_result).select_related("author")[:50],
        "readings": selectors.reading_list(key_result=key_result),
        "history": selectors.history(workspace=request.workspace, obj=key_result)[:50],
        "can_edit": may_edit_objective(request, key_result.objective),
        "check_in_form": CheckInForm(),
    }
    return render(request, "strategy/key_result.html", context)


@require_POST
@login_required
@ability_required("edit_team_goals")
def check_in(request: MemberRequest, pk: int) -> HttpResponseBase:
    key_result = _get(KeyResult, request, pk)
    _require_objective(request, key_result.objective)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            services.check_in_create(actor=request.user, key_result=key_result, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Check-in added.")
    else:
        errors = "; ".join(f"{name}: {' '.join(map(str, e))}" for name, e in form.errors.items())
        messages.error(request, f"The check-in was not saved: {errors}")
    return redirect("strategy:key_result", key_result.pk)


@login_required
@ability_required("view")
def changes(request: MemberRequest) -> HttpResponseBase:
    default = timezone.localdate() - timedelta(days=30)
    form = SinceForm(request.GET or {"since": default.isoformat()})
    since = form.cleaned_data["since"] if form.is_valid() else default
    rows = selectors.changes_since(workspace=request.workspace, since=since)
    return render(request, "strategy/changes.html", {"form": form, "since": since, "rows": rows})
