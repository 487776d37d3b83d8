"""Pages of roadmap imports: upload a spreadsheet or Jira's CSV export for a team, map its
columns with a preview of the first rows, import; and the items that need follow-up."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.imports.report import ImportRejected
from greenroom.lib.imports.values import BadValue
from greenroom.organisation.models import Team
from greenroom.strategy import importing, selectors
from greenroom.strategy.choices import TEMPLATE_FIELDS, ImportKind, ImportStatus
from greenroom.strategy.horizons import horizon_read
from greenroom.strategy.models import RoadmapImport


class UploadForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    kind = forms.ChoiceField(label="The file is", choices=ImportKind.choices)
    file = forms.FileField(help_text="CSV (UTF-8) or XLSX; the first row names the columns.")

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


def mapping_form(headers: list[str], initial: dict[str, str], data=None) -> forms.Form:
    """One select per item field, listing the file's columns."""
    choices = [("", "— not in this file —"), *((h, h) for h in headers)]
    fields = {
        target.name: forms.ChoiceField(
            label=target.label + (" (required)" if target.required else ""),
            choices=choices,
            required=target.required,
            initial=initial.get(target.name, ""),
        )
        for target in importing.FIELDS
    }
    return type("RoadmapMappingForm", (forms.Form,), fields)(data=data)


def _teams(request: MemberRequest):
    teams = Team.objects.for_workspace(request.workspace).order_by("name")
    if can(request, "manage_roadmaps"):
        return teams
    return teams.filter(
        pk__in=selectors.team_ids_of(workspace=request.workspace, user=request.user)
    )


def _run(request: MemberRequest, pk: int) -> RoadmapImport:
    run = RoadmapImport.objects.for_workspace(request.workspace).select_related("team")
    found = run.filter(pk=pk).first()
    if found is None:
        raise Http404("No roadmap import with this id in this workspace.")
    if not _teams(request).filter(pk=found.team_id).exists():
        raise PermissionDenied("Only product ops and the team's own PM may import its roadmap.")
    return found


@login_required
@ability_required("edit_team_roadmap")
def upload(request: MemberRequest) -> HttpResponseBase:
    form = UploadForm(request.POST or None, request.FILES or None, teams=_teams(request))
    if request.method == "POST" and form.is_valid():
        try:
            run = importing.upload_keep(
                actor=request.user,
                workspace=request.workspace,
                team=form.cleaned_data["team"],
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("strategy:roadmap_import", pk=run.pk)
    recent = RoadmapImport.objects.for_workspace(request.workspace).select_related("team")[:10]
    context = {"form": form, "recent": recent, "can_manage": can(request, "manage_roadmaps")}
    return render(request, "strategy/roadmap_import.html", context)


@login_required
@ability_required("edit_team_roadmap")
def detail(request: MemberRequest, pk: int) -> HttpResponseBase:
    run = _run(request, pk)
    context: dict = {"run": run}
    if run.status == ImportStatus.DONE:
        ids = run.report.get("item_ids")
        context["follow_up"] = importing.follow_up(workspace=request.workspace, item_ids=ids)
        return render(request, "strategy/roadmap_import_detail.html", context)
    if run.kind == ImportKind.JIRA_CSV:
        form = None
        if request.method == "POST":
            return _start(request, run, {})
    else:
        headers, rows = importing.preview(run)
        guess = run.mapping or importing.mapping_guess(headers)
        form = mapping_form(headers, guess, data=request.POST or None)
        if request.method == "POST" and form.is_valid():
            return _start(request, run, {k: v for k, v in form.cleaned_data.items() if v})
        columns = selectors.roadmap_template(workspace=request.workspace).columns
        context["preview"] = [
            (_lands_in(row.get(guess.get("horizon", ""), ""), columns),
             [row.get(guess.get(t.name, ""), "") for t in importing.FIELDS])
            for row in rows
        ]  # fmt: skip
        context["unmapped"] = [h for h in headers if h not in guess.values()]
    context.update(form=form, fields=importing.FIELDS)
    return render(request, "strategy/roadmap_import_detail.html", context)


def _lands_in(value: str, columns: list[str]) -> str:
    """Where the horizon rule puts a row: ``Next (2026-Q4)``, or why it cannot."""
    try:
        found = horizon_read(value, columns, timezone.localdate())
    except BadValue as error:
        return f"⚠ {error}"
    return f"{found.column} ({found.quarter})" if found.quarter else found.column


def _start(request: MemberRequest, run: RoadmapImport, mapping: dict[str, str]) -> HttpResponse:
    try:
        outcome = importing.run_import(actor=request.user, run=run, mapping=mapping)
    except ImportRejected:
        messages.error(request, "Nothing was imported: fix the rows below and try again.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, outcome.report.summary())
    return redirect("strategy:roadmap_import", pk=run.pk)


@login_required
@ability_required("view")
def follow_up(request: MemberRequest) -> HttpResponse:
    rows = importing.follow_up(workspace=request.workspace)
    context = {"rows": rows, "labels": TEMPLATE_FIELDS}
    return render(request, "strategy/roadmap_follow_up.html", context)
