"""PM onboarding pages: programmes (product ops writes them and assigns them), each new PM's
progress, and ticking steps (the new PM, or product ops)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.cadences import markdown, onboarding
from greenroom.cadences.forms import AssignForm, ProgrammeForm, StepDoneForm
from greenroom.cadences.models import OnboardingAssignment, OnboardingProgramme
from greenroom.cadences.views import _errors


@login_required
@ability_required("view")
def index(request: MemberRequest) -> HttpResponse:
    everyone = onboarding.assignment_list(workspace=request.workspace)
    context = {
        "mine": [p for p in everyone if p.assignment.user_id == request.user.pk],
        "assignments": everyone,
        "programmes": onboarding.programme_list(workspace=request.workspace),
        "can_manage": can(request, "manage_onboarding"),
        "milestone": onboarding.milestone(),
    }
    return render(request, "cadences/onboarding.html", context)


def _programme(request: MemberRequest, pk: int) -> OnboardingProgramme:
    programme = onboarding.programme_get(workspace=request.workspace, pk=pk)
    if programme is None:
        raise Http404("No such programme.")
    return programme


@login_required
@ability_required("manage_onboarding")
def programme_edit(request: MemberRequest, pk: int | None = None) -> HttpResponse:
    programme = _programme(request, pk) if pk else None
    initial = None
    if programme is not None:
        initial = {
            "name": programme.name,
            "description": programme.description,
            "steps": onboarding.steps_text(programme),
        }
    form = ProgrammeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            programme = onboarding.programme_save(
                workspace=request.workspace,
                actor=request.user,
                name=data["name"],
                description=data["description"],
                steps=onboarding.steps_parse(data["steps"]),
                programme=programme,
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            return redirect("cadences:programme", programme.pk)
    title = "Edit programme" if programme else "New onboarding programme"
    context = {"form": form, "title": title, "back": reverse("cadences:onboarding")}
    return render(request, "cadences/simple_form.html", context, status=400 if form.errors else 200)


@login_required
@ability_required("view")
def programme_detail(request: MemberRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    can_manage = can(request, "manage_onboarding")
    form = AssignForm(request.workspace, request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only product ops assigns onboarding.")
        if form.is_valid():
            try:
                assignment = onboarding.assignment_create(
                    workspace=request.workspace,
                    actor=request.user,
                    programme=programme,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                _errors(form, error)
            else:
                messages.success(request, f"Onboarding assigned to {assignment.user}.")
                return redirect("cadences:assignment", assignment.pk)
    context = {
        "programme": programme,
        "description": mark_safe(markdown.render(programme.description)),
        "assignments": [
            p
            for p in onboarding.assignment_list(workspace=request.workspace)
            if p.assignment.programme_id == programme.pk
        ],
        "form": form,
        "can_manage": can_manage,
    }
    return render(
        request, "cadences/programme_detail.html", context, status=400 if form.errors else 200
    )


def _assignment(request: MemberRequest, pk: int) -> OnboardingAssignment:
    assignment = onboarding.assignment_get(workspace=request.workspace, pk=pk)
    if assignment is None:
        raise Http404("No such onboarding.")
    return assignment


@login_required
@ability_required("view")
def assignment_detail(request: MemberRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    if onboarding.milestones_sync(workspace=request.workspace):
        assignment = _assignment(request, pk)
    may_tick = assignment.user_id == request.user.pk or can(request, "manage_onboarding")
    context = {
        "progress": onboarding.progress(assignment=assignment),
        "may_tick": may_tick,
        "milestone": onboarding.milestone(),
        "today": timezone.localdate(),
    }
    return render(request, "cadences/assignment_detail.html", context)


def _step(assignment: OnboardingAssignment, step_pk: int):
    step = next((s for s in assignment.programme.steps.all() if s.pk == step_pk), None)
    if step is None:
        raise Http404("No such step.")
    return step


@login_required
@ability_required("view")
@require_POST
def step_done(request: MemberRequest, pk: int, step_pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    form = StepDoneForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        onboarding.step_complete(
            workspace=request.workspace,
            actor=request.user,
            assignment=assignment,
            step=_step(assignment, step_pk),
            note=note,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("cadences:assignment", assignment.pk)


@login_required
@ability_required("view")
@require_POST
def step_undo(request: MemberRequest, pk: int, step_pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    onboarding.step_reopen(
        workspace=request.workspace,
        actor=request.user,
        assignment=assignment,
        step=_step(assignment, step_pk),
    )
    return redirect("cadences:assignment", assignment.pk)
