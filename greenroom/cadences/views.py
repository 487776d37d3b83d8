from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from greenroom import registry
from greenroom.accounts.permissions import ABILITIES, ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.cadences import ical, markdown, pdf, selectors, services
from greenroom.cadences.choices import DecisionStatus, OutcomeVerdict, TemplateKind
from greenroom.cadences.forms import (
    ActionForm,
    CadenceForm,
    ChangeForm,
    DecideForm,
    DecisionForm,
    EvidenceForm,
    GuideForm,
    OutcomeForm,
    RecordForm,
    ReopenForm,
    ReplaceForm,
    SeatsForm,
    TemplateForm,
    ToolForm,
)
from greenroom.cadences.models import ActionItem, Cadence, DecisionOption, Guide, Tool
from greenroom.lib.imports.report import ImportRejected
from greenroom.lib.lists import Column, Listing, render_list
from greenroom.registry import EvidenceKind


def _errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _abilities(request: MemberRequest) -> set[str]:
    return {ability for ability in ABILITIES if can(request, ability)}


# ---------------------------------------------------------------------------- decisions

DECISION_COLUMNS = [
    Column("Question", "question", "question", value=lambda d: d.question),
    Column("Status", "status", "status", value=lambda d: d.get_status_display()),
    Column("Decider", "decider", "decider__username", value=lambda d: str(d.decider)),
    Column("Raised", "raised", "raised_at", value=lambda d: d.raised_at),
    Column("Decided", "decided", "decided_at", value=lambda d: d.decided_at),
    Column("Days to decide"),
]


@login_required
@ability_required("view")
def decision_list(request: MemberRequest) -> HttpResponseBase:
    status = request.GET.get("status", "")
    if status not in [*DecisionStatus.values, selectors.OUTCOME_DUE]:
        status = ""
    rows = selectors.decision_list(workspace=request.workspace, status=status)
    listing = Listing(
        request,
        rows,
        columns=DECISION_COLUMNS,
        default_sort="-raised",
        rows_template="cadences/decision_list.html#rows",
        export_name="decisions",
        noun=("decision", "decisions"),
    )
    if listing.export_format:
        return listing.export()
    context = {
        "listing": listing,
        "status": status,
        "statuses": [*DecisionStatus.choices, (selectors.OUTCOME_DUE, "Outcome review due")],
        "can_raise": can(request, "raise_decision"),
    }
    return render_list(request, "cadences/decision_list.html", context)


@login_required
@ability_required("raise_decision")
def decision_new(request: MemberRequest) -> HttpResponse:
    occurrence = None
    if request.GET.get("occurrence", "").isdigit():
        occurrence = selectors.occurrence_get(
            workspace=request.workspace, pk=int(request.GET["occurrence"])
        )
    # The playbook's own template (this app's), read directly; other apps go through
    # registry.starting_text. The version is the one the form started from.
    template = selectors.template_for(
        workspace=request.workspace, kind=TemplateKind.DECISION_RECORD
    )
    form = DecisionForm(
        request.workspace,
        request.POST or None,
        initial={"record": template.body if template else ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.decision_raise(
                workspace=request.workspace,
                actor=request.user,
                question=data["question"],
                decider=data["decider"],
                options=_lines(data["options"]),
                area=data["area"],
                consulted=data["consulted"],
                occurrence=occurrence,
                record=data["record"],
                record_template=template,
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, "Decision raised.")
            return redirect("cadences:decision", decision.pk)
    return render(
        request,
        "cadences/decision_form.html",
        {"form": form, "occurrence": occurrence},
        status=400 if form.errors else 200,
    )


# The outcome's evidence form sits on the same page as the decision's: its own field names
# and ids keep the two apart.
OUTCOME_PREFIX = "outcome"


def _decision_page(request: MemberRequest, pk: int, **forms) -> HttpResponse:
    decision = selectors.decision_get(workspace=request.workspace, pk=pk)
    if decision is None:
        raise Http404("No such decision.")
    kinds = _evidence_kinds()
    is_decider = request.user.pk == decision.decider_id and can(request, "record_decision")
    episode = decision.current_episode()
    evidence = list(decision.evidence.all())
    template = selectors.template_for(
        workspace=request.workspace, kind=TemplateKind.DECISION_RECORD
    )
    required = list(template.template.required_sections) if template else []
    context = {
        "decision": decision,
        "is_decider": is_decider,
        "can_raise": can(request, "raise_decision"),
        # Safe: markdown-it escapes raw HTML and refuses unsafe link schemes (lib/markdown.py).
        "record": mark_safe(markdown.render(decision.record)),
        "record_missing": markdown.missing_sections(decision.record, required),
        "record_form": forms.get("record_form") or RecordForm(initial={"record": decision.record}),
        "evidence": [item for item in evidence if item.outcome_of_id is None],
        "episode": episode,
        "outcome_evidence": [
            item for item in evidence if episode and item.outcome_of_id == episode.pk
        ],
        "outcome_due": episode is not None and episode.outcome_due(timezone.localdate()),
        "can_review": episode is not None and (is_decider or can(request, "review_outcomes")),
        "outcome_form": forms.get("outcome_form")
        or OutcomeForm(
            initial={"verdict": episode.verdict, "note": episode.outcome_note} if episode else {}
        ),
        "outcome_evidence_form": forms.get("outcome_evidence_form")
        or EvidenceForm(kinds, prefix=OUTCOME_PREFIX),
        "decide_form": forms.get("decide_form") or DecideForm(),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(kinds),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "change_form": forms.get("change_form") or ChangeForm(_change_choices(decision)),
        "changes": [
            (link, selectors.change_summary(link.change)) for link in decision.changes.all()
        ],
        "time_to_decision": decision.time_to_decision(),
        "waiting_kinds": [kind for kind in registry.entries(EvidenceKind) if kind.waits_for],
    }
    status = 400 if any(form.errors for form in forms.values()) else 200
    return render(request, "cadences/decision_detail.html", context, status=status)


def _change_choices(decision) -> list[tuple[int, str]]:
    return [
        (
            event.pk,
            f"{event.object_label}: {selectors.change_summary(event)} "
            f"({event.actor_label.split(' <')[0]}, {timezone.localtime(event.at):%Y-%m-%d})",
        )
        for event in selectors.change_candidates(decision=decision)
    ]


def _evidence_kinds() -> list[tuple[str, str]]:
    kinds = [("metric", "Metric snapshot"), ("url", "Link with a note")]
    return kinds + [(kind.key, kind.title) for kind in registry.entries(EvidenceKind)]


@login_required
@ability_required("view")
def decision_detail(request: MemberRequest, pk: int) -> HttpResponse:
    return _decision_page(request, pk)


@login_required
@ability_required("record_decision")
@require_POST
def decision_decide(request: MemberRequest, pk: int) -> HttpResponseBase:
    decision = selectors.decision_get(workspace=request.workspace, pk=pk)
    if decision is None:
        raise Http404("No such decision.")
    if request.user.pk != decision.decider_id:
        raise PermissionDenied(
            f"Only {decision.decider}, the named decider, records this decision."
        )
    form = DecideForm(request.POST)
    option_id = request.POST.get("option", "")
    if form.is_valid():
        option = None
        if option_id.isdigit():
            option = (
                DecisionOption.objects.for_workspace(request.workspace)
                .filter(pk=int(option_id), decision=decision)
                .first()
            )
        try:
            services.decision_decide(
                decision=decision,
                actor=request.user,
                option=option,
                rationale=form.cleaned_data["rationale"],
                expected_outcome=form.cleaned_data["expected_outcome"],
                review_on=form.cleaned_data["review_on"],
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("cadences:decision", pk)
    return _decision_page(request, pk, decide_form=form)


@login_required
@ability_required("raise_decision")
@require_POST
def decision_evidence(request: MemberRequest, pk: int) -> HttpResponseBase:
    decision = selectors.decision_get(workspace=request.workspace, pk=pk)
    if decision is None:
        raise Http404("No such decision.")
    for_outcome = request.POST.get("for_outcome") == "1"
    prefix = OUTCOME_PREFIX if for_outcome else None
    form = EvidenceForm(_evidence_kinds(), request.POST, prefix=prefix)
    if form.is_valid():
        data = form.cleaned_data
        kind = next((k for k in registry.entries(EvidenceKind) if k.key == data["kind"]), None)
        try:
            services.decision_add_evidence(
                decision=decision,
                actor=request.user,
                kind=data["kind"],
                reference=data["reference"],
                label=data["label"],
                resolve=kind.resolve if kind else None,
                for_outcome=for_outcome,
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, "Evidence added.")
            return redirect("cadences:decision", pk)
    if for_outcome:
        return _decision_page(request, pk, outcome_evidence_form=form)
    return _decision_page(request, pk, evidence_form=form)


@login_required
@ability_required("raise_decision")
@require_POST
def decision_record(request: MemberRequest, pk: int) -> HttpResponseBase:
    decision = selectors.decision_get(workspace=request.workspace, pk=pk)
    if decision is None:
        raise Http404("No such decision.")
    form = RecordForm(request.POST)
    if form.is_valid():
        services.decision_record_save(
            decision=decision, actor=request.user, record=form.cleaned_data["record"]
        )
        messages.success(request, "Decision record saved.")
        return redirect("cadences:decision", pk)
    return _decision_page(request, pk, record_form=form)


@login_required
@ability_required("view")
@require_POST
def decision_outcome(request: MemberRequest, pk: int) -> HttpResponseBase:
    """Record what came of a decision; the service lets its decider or product ops."""
    decision = selectors.decision_get(workspace=request.workspace, pk=pk)
    if decision is None:
        raise Http404("No such decision.")
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.decision_outcome_record(
                decision=decision,
                actor=request.user,
                verdict=form.cleaned_data["verdict"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            verdict = OutcomeVerdict(form.cleaned_data["verdict"]).label
            messages.success(request, f"Outcome recorded: {verdict.lower()}.")
            return redirect("cadences:decision", pk)
    return _decision_page(request, pk, outcome_form=form)


@login_required
@ability_required("raise_decision")
@require_POST
def decision_change(request: MemberRequest, pk: int) -> HttpResponseBase:
    decision = selectors.decision_get(workspace=request.workspace, pk=pk)
    if decision is None:
        raise Http404("No such decision.")
    form = ChangeForm(_change_choices(decision), request.POST)
    if form.is_valid():
        try:
            services.decision_link_change(
                decision=decision, actor=request.user, change_id=form.cleaned_data["change"]
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, "Roadmap change linked.")
            return redirect("cadences:decision", pk)
    return _decision_page(request, pk, change_form=form)


@login_required
@ability_required("raise_decision")
@require_POST
def decision_reopen(request: MemberRequest, pk: int) -> HttpResponseBase:
    decision = selectors.decision_get(workspace=request.workspace, pk=pk)
    if decision is None:
        raise Http404("No such decision.")
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.decision_reopen(
                decision=decision, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, "Decision reopened; the earlier one is kept below.")
            return redirect("cadences:decision", pk)
    return _decision_page(request, pk, reopen_form=form)


# ---------------------------------------------------------------------------- playbook


@login_required
@ability_required("view")
def playbook(request: MemberRequest) -> HttpResponse:
    templates = {t.kind: t for t in selectors.template_list(workspace=request.workspace)}
    rows = [
        {"kind": kind, "label": label, "template": templates.get(kind)}
        for kind, label in TemplateKind.choices
    ]
    context = {
        "rows": rows,
        "guides": selectors.guide_list(workspace=request.workspace),
        "can_manage": can(request, "manage_playbook"),
    }
    return render(request, "cadences/playbook.html", context)


@login_required
@ability_required("view")
def template_detail(request: MemberRequest, kind: str) -> HttpResponse:
    if kind not in TemplateKind.values:
        raise Http404("No such kind of template.")
    can_manage = can(request, "manage_playbook")
    current = selectors.template_for(workspace=request.workspace, kind=kind)
    template = current.template if current else None
    sections = template.required_sections if template else services.DEFAULT_SECTIONS[kind]
    initial = {
        "required_sections": "\n".join(sections),
        "body": current.body if current else "\n\n".join(f"# {section}\n" for section in sections),
    }
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Your role does not allow this (manage playbook).")
        if form.is_valid():
            try:
                services.template_save(
                    workspace=request.workspace,
                    actor=request.user,
                    kind=kind,
                    body=form.cleaned_data["body"],
                    required_sections=_lines(form.cleaned_data["required_sections"]),
                )
            except ValidationError as error:
                _errors(form, error)
            else:
                messages.success(request, "Template saved as a new version.")
                return redirect("cadences:template", kind)
    context = {
        "kind": kind,
        "label": TemplateKind(kind).label,
        "current": current,
        "rendered": mark_safe(markdown.render(current.body)) if current else "",
        "versions": template.versions.select_related("author") if template else [],
        "form": form,
        "can_manage": can_manage,
    }
    return render(
        request, "cadences/template_detail.html", context, status=400 if form.errors else 200
    )


def _guide(request: MemberRequest, pk: int) -> Guide:
    guide = selectors.guide_list(workspace=request.workspace).filter(pk=pk).first()
    if guide is None:
        raise Http404("No such guide.")
    return guide


@login_required
@ability_required("view")
def guide_detail(request: MemberRequest, pk: int) -> HttpResponse:
    guide = _guide(request, pk)
    rendered = mark_safe(markdown.render(guide.body))
    context = {"guide": guide, "rendered": rendered, "can_manage": can(request, "manage_playbook")}
    return render(request, "cadences/guide_detail.html", context)


@login_required
@ability_required("manage_playbook")
def guide_edit(request: MemberRequest, pk: int | None = None) -> HttpResponse:
    guide = _guide(request, pk) if pk else None
    initial = {"title": guide.title, "body": guide.body} if guide else None
    form = GuideForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            guide = services.guide_save(
                workspace=request.workspace, actor=request.user, guide=guide, **form.cleaned_data
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            return redirect("cadences:guide", guide.pk)
    return render(
        request,
        "cadences/simple_form.html",
        {
            "form": form,
            "title": "Edit guide" if guide else "New guide",
            "back": reverse("cadences:playbook"),
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------- tool stack

TOOL_COLUMNS = [
    Column("Tool", "name", "name", value=lambda t: t.name),
    Column("Category", "category", "category", value=lambda t: t.category),
    Column("Owner", "owner", "owner__username", value=lambda t: str(t.owner or "")),
    Column("Annual cost", "cost", "annual_cost", value=lambda t: t.annual_cost),
    Column("Seats", "seats", "seats", value=lambda t: t.seats),
    Column("Adoption"),
    Column("Renewal", "renewal", "renewal_date", value=lambda t: t.renewal_date),
]


def _with_adoption(tools: list[Tool]) -> None:
    found = selectors.adoption(tools=tools)
    for tool in tools:
        tool.adoption = found[tool.pk]  # type: ignore[attr-defined]


@login_required
@ability_required("view")
def tool_list(request: MemberRequest) -> HttpResponseBase:
    listing = Listing(
        request,
        selectors.tool_list(workspace=request.workspace),
        columns=TOOL_COLUMNS,
        default_sort="name",
        rows_template="cadences/tool_list.html#rows",
        export_name="tools",
        noun=("tool", "tools"),
        prepare=_with_adoption,
    )
    if listing.export_format:
        return listing.export()
    context = {
        "listing": listing,
        "pairs": selectors.redundant_pairs(workspace=request.workspace),
        "can_manage": can(request, "manage_playbook"),
    }
    return render_list(request, "cadences/tool_list.html", context)


def _tool(request: MemberRequest, pk: int) -> Tool:
    tool = selectors.tool_list(workspace=request.workspace).filter(pk=pk).first()
    if tool is None:
        raise Http404("No such tool.")
    return tool


@login_required
@ability_required("view")
def tool_detail(request: MemberRequest, pk: int, **forms) -> HttpResponse:
    tool = _tool(request, pk)
    context = {
        "tool": tool,
        "adoption": selectors.adoption(tools=[tool])[tool.pk],
        "replaced": tool.replaced.all(),
        "can_manage": can(request, "manage_playbook"),
        "seats_form": forms.get("seats_form") or SeatsForm(),
        "replace_form": forms.get("replace_form") or ReplaceForm(request.workspace, tool),
        "report": forms.get("report"),
    }
    status = 400 if any(getattr(f, "errors", None) for f in forms.values()) else 200
    return render(request, "cadences/tool_detail.html", context, status=status)


@login_required
@ability_required("manage_playbook")
def tool_edit(request: MemberRequest, pk: int | None = None) -> HttpResponse:
    tool = _tool(request, pk) if pk else None
    form = ToolForm(request.workspace, request.POST or None, instance=tool)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.TOOL_FIELDS}
        try:
            tool = services.tool_save(
                workspace=request.workspace, actor=request.user, tool=tool, **fields
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            return redirect("cadences:tool", tool.pk)
    return render(
        request,
        "cadences/simple_form.html",
        {
            "form": form,
            "title": f"Edit {tool}" if tool else "New tool",
            "back": reverse("cadences:tools"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@ability_required("manage_playbook")
@require_POST
def tool_seats(request: MemberRequest, pk: int) -> HttpResponse:
    tool = _tool(request, pk)
    form = SeatsForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.tool_seats_import(
                tool=tool, actor=request.user, name=upload.name, data=upload.read()
            )
        except ImportRejected as error:
            _errors(form, ValidationError(error.messages))
        except ValidationError as error:
            _errors(form, error)
    return tool_detail(request, pk, seats_form=form, report=report)


@login_required
@ability_required("manage_playbook")
@require_POST
def tool_replace(request: MemberRequest, pk: int) -> HttpResponseBase:
    tool = _tool(request, pk)
    form = ReplaceForm(request.workspace, tool, request.POST)
    if form.is_valid():
        try:
            services.tool_replace(
                old=tool,
                new=form.cleaned_data["replaced_by"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            return redirect("cadences:tool", pk)
    return tool_detail(request, pk, replace_form=form)


# ---------------------------------------------------------------------------- cadences


@login_required
@ability_required("view")
def cadence_list(request: MemberRequest) -> HttpResponse:
    cadences = list(selectors.cadence_list(workspace=request.workspace))
    rows = [{"cadence": c, "next": selectors.upcoming(cadence=c, count=1)} for c in cadences]
    context = {"rows": rows, "can_manage": can(request, "manage_cadences")}
    return render(request, "cadences/cadence_list.html", context)


def _cadence(request: MemberRequest, pk: int) -> Cadence:
    cadence = selectors.cadence_list(workspace=request.workspace).filter(pk=pk).first()
    if cadence is None:
        raise Http404("No such cadence.")
    return cadence


@login_required
@ability_required("view")
def cadence_detail(request: MemberRequest, pk: int) -> HttpResponse:
    cadence = _cadence(request, pk)
    context = {
        "cadence": cadence,
        "upcoming": selectors.upcoming(cadence=cadence),
        "past": selectors.past(cadence=cadence),
        "agenda": mark_safe(markdown.render(cadence.agenda)),
        "can_manage": can(request, "manage_cadences"),
    }
    return render(request, "cadences/cadence_detail.html", context)


@login_required
@ability_required("manage_cadences")
def cadence_edit(request: MemberRequest, pk: int | None = None) -> HttpResponse:
    cadence = _cadence(request, pk) if pk else None
    initial = None
    if cadence:
        initial = {
            "name": cadence.name,
            "rrule": cadence.rrule,
            "starts_at": cadence.starts_at.replace(tzinfo=None),
            "duration_minutes": cadence.duration_minutes,
            "attendees": cadence.attendees.all(),
            "agenda": cadence.agenda,
            "required_inputs": "\n".join(cadence.required_inputs),
        }
    form = CadenceForm(request.workspace, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at = data["starts_at"]
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at, timezone.UTC)  # type: ignore[attr-defined]
        try:
            cadence = services.cadence_save(
                workspace=request.workspace,
                actor=request.user,
                cadence=cadence,
                name=data["name"],
                rrule=data["rrule"],
                starts_at=starts_at,
                duration_minutes=data["duration_minutes"],
                attendees=data["attendees"],
                agenda=data["agenda"],
                required_inputs=_lines(data["required_inputs"]),
            )
        except ValidationError as error:
            _errors(form, error)
        else:
            return redirect("cadences:cadence", cadence.pk)
    return render(
        request,
        "cadences/simple_form.html",
        {
            "form": form,
            "title": f"Edit {cadence}" if cadence else "New cadence",
            "back": reverse("cadences:cadences"),
        },
        status=400 if form.errors else 200,
    )


def _occurrence(request: MemberRequest, pk: int):
    occurrence = selectors.occurrence_get(workspace=request.workspace, pk=pk)
    if occurrence is None:
        raise Http404("No such occurrence.")
    return occurrence


@login_required
@ability_required("view")
def occurrence_detail(request: MemberRequest, pk: int, action_form=None) -> HttpResponse:
    occurrence = _occurrence(request, pk)
    context = {
        "occurrence": occurrence,
        "cadence": occurrence.cadence,
        "previous": selectors.occurrence_previous(occurrence=occurrence),
        "pack": selectors.pack(
            workspace=request.workspace, occurrence=occurrence, abilities=_abilities(request)
        ),
        "actions": selectors.actions_for(occurrence=occurrence),
        "decisions": selectors.decisions_for(occurrence=occurrence),
        "action_form": action_form or ActionForm(request.workspace),
        "can_act": can(request, "record_action_items"),
        "can_raise": can(request, "raise_decision"),
        "agenda": mark_safe(markdown.render(occurrence.cadence.agenda)),
        "print": request.GET.get("print") == "1",
    }
    if request.GET.get("format") == "pdf":
        body = pdf.pack_pdf(
            occurrence=occurrence,
            parts=context["pack"],
            actions=context["actions"],
            decisions=context["decisions"],
        )
        response = HttpResponse(body, content_type="application/pdf")
        name = f"pack-{occurrence.cadence.pk}-{occurrence.starts_at:%Y-%m-%d}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    status = 400 if action_form is not None and action_form.errors else 200
    template = "cadences/pack_print.html" if context["print"] else "cadences/occurrence.html"
    return render(request, template, context, status=status)


@login_required
@ability_required("record_action_items")
@require_POST
def action_add(request: MemberRequest, pk: int) -> HttpResponseBase:
    occurrence = _occurrence(request, pk)
    form = ActionForm(request.workspace, request.POST)
    if form.is_valid():
        try:
            services.action_item_add(occurrence=occurrence, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            return redirect("cadences:occurrence", pk)
    return occurrence_detail(request, pk, action_form=form)


@login_required
@ability_required("record_action_items")
@require_POST
def action_done(request: MemberRequest, pk: int) -> HttpResponseBase:
    item = ActionItem.objects.for_workspace(request.workspace).filter(pk=pk).first()
    if item is None:
        raise Http404("No such action.")
    services.action_item_complete(item=item, actor=request.user)
    return redirect(
        request.POST.get("next") or reverse("cadences:occurrence", args=[item.occurrence_id])
    )


@login_required
@ability_required("view")
def calendar(request: MemberRequest) -> HttpResponse:
    reset = request.method == "POST"
    token = services.calendar_token_get(workspace=request.workspace, user=request.user, reset=reset)
    if reset:
        messages.success(request, "New calendar address made; the old one no longer works.")
        return redirect("cadences:calendar")
    url = request.build_absolute_uri(reverse("cadences:feed", args=[token.token]))
    return render(request, "cadences/calendar.html", {"feed_url": url})


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The member's reviews as an iCalendar feed; the token in the address is the key."""
    found = selectors.feed_user(token=token)
    if found is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    rows = selectors.feed_occurrences(workspace=found.workspace, user=found.user, now=now)
    url = request.build_absolute_uri(reverse("cadences:occurrence", args=[0])).replace(
        "/0/", "/{pk}/"
    )
    body = ical.calendar(rows, host=request.get_host().split(":")[0], now=now, url=url)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="greenroom-reviews.ics"'
    return response
