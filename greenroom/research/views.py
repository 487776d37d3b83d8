"""The research pages: studies (participants reserved through the finder, notes and
transcripts), a note with its highlighted passages, insights with their evidence (listed,
exported, shared), the search over feedback, notes and insights, and "has this been
answered?". Thin: reads in selectors, writes in services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from greenroom import registry
from greenroom.accounts.permissions import ability_required, can, require
from greenroom.accounts.requests import MemberRequest
from greenroom.feedback import selectors as feedback_selectors
from greenroom.feedback import services as feedback_services
from greenroom.lib.lists import Column, Listing, render_list
from greenroom.lib.markdown import missing_sections
from greenroom.lib.markdown import render as markdown
from greenroom.research import forms, selectors, services
from greenroom.research import search as full_text
from greenroom.research.choices import Method, ShareTarget
from greenroom.research.models import Insight


def _errors(request: MemberRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- studies ---------------------------------------------------------------------------------

# The playbook template (cadences' TemplateKind) a new study's plan starts from.
PLAN_TEMPLATE = "research_plan"

STUDY_COLUMNS = [
    Column("Study", "title", "title", value=lambda s: s.title),
    Column("Method", "method", "method", value=lambda s: s.get_method_display()),
    Column("Starts", "starts", "starts_on", value=lambda s: s.starts_on),
    Column("Owner", "owner", "owner__email", value=lambda s: str(s.owner or "")),
    Column(
        "Participants", "participants", "participant_count", value=lambda s: s.participant_count
    ),
    Column("Notes", "notes", "note_count", value=lambda s: s.note_count),
    Column("Insights", "insights", "insight_count", value=lambda s: s.insight_count),
    Column("Question", value=lambda s: s.question, shown=False),
]


@login_required
@ability_required("view")
def study_list(request: MemberRequest) -> HttpResponseBase:
    listing = Listing(
        request,
        selectors.study_list(workspace=request.workspace),
        columns=STUDY_COLUMNS,
        default_sort="-starts",
        rows_template="research/study_list.html#rows",
        export_name="studies",
        noun=("study", "studies"),
    )
    if listing.export_format:
        return listing.export()
    context = {"listing": listing, "can_research": can(request, "do_research")}
    return render_list(request, "research/study_list.html", context)


@login_required
@ability_required("do_research")
def study_create(request: MemberRequest) -> HttpResponse:
    starting = registry.starting_text(workspace=request.workspace, kind=PLAN_TEMPLATE)
    form = forms.StudyForm(
        request.POST or None, initial={"plan": starting.body if starting else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            study = services.study_create(
                actor=request.user, workspace=request.workspace, **form.cleaned_data
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            return redirect("research:study", study.pk)
    return render(request, "research/study_form.html", {"form": form})


@login_required
@ability_required("view")
def study_detail(request: MemberRequest, pk: int) -> HttpResponse:
    study = selectors.study_get(workspace=request.workspace, pk=pk)
    find = forms.FindParticipantsForm(request.GET if "limit" in request.GET else None)
    candidates = None
    can_research = can(request, "do_research")
    if can_research and find.is_bound and find.is_valid():
        try:
            candidates = services.participants_candidates(study=study, **find.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
    starting = registry.starting_text(workspace=request.workspace, kind=PLAN_TEMPLATE)
    required = list(starting.required_sections) if starting else []
    context = {
        "study": study,
        # Safe: markdown-it escapes raw HTML and refuses unsafe link schemes (lib/markdown.py).
        "plan": mark_safe(markdown(study.plan)),
        "plan_missing": missing_sections(study.plan, required),
        "participants": selectors.study_participants(study=study),
        "notes": study.notes.all(),
        "insights": selectors.insight_list(workspace=request.workspace, study=study),
        "find_form": find if find.is_bound else forms.FindParticipantsForm(),
        "candidates": candidates,
        "has_participants": study.method != Method.DESK,
        "can_research": can_research,
    }
    return render(request, "research/study_detail.html", context)


@login_required
@require_POST
@ability_required("do_research")
def participants_reserve(request: MemberRequest, pk: int) -> HttpResponse:
    study = selectors.study_get(workspace=request.workspace, pk=pk)
    ids = [int(v) for v in request.POST.getlist("contact") if v.isdigit()]
    if not ids:
        messages.error(request, "Choose who to reserve.")
        return redirect("research:study", study.pk)
    try:
        result = services.participants_reserve(actor=request.user, study=study, contact_ids=ids)
    except ValidationError as error:
        _errors(request, error)
        return redirect("research:study", study.pk)
    text = f"Reserved {len(result.reserved)} participant{'s' if len(result.reserved) != 1 else ''}."
    if result.refused:
        text += " Not reserved: " + "; ".join(f"{c} ({why})" for c, why in result.refused) + "."
    messages.success(request, text)
    return redirect("research:study", study.pk)


# --- notes and highlights --------------------------------------------------------------------


@login_required
@ability_required("do_research")
def note_create(request: MemberRequest, pk: int) -> HttpResponse:
    study = selectors.study_get(workspace=request.workspace, pk=pk)
    form = forms.NoteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            upload = data.get("file")
            body, filename = data.get("body") or "", ""
            if upload is not None:
                filename = upload.name
                body = services.note_text(filename=filename, raw=upload.read())
            note = services.note_create(
                actor=request.user,
                study=study,
                title=data["title"],
                body=body,
                kind=data["kind"],
                filename=filename,
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            return redirect("research:note", note.pk)
    return render(request, "research/note_form.html", {"form": form, "study": study})


@login_required
@ability_required("view")
def note_detail(request: MemberRequest, pk: int) -> HttpResponse:
    note = selectors.note_get(workspace=request.workspace, pk=pk)
    form = forms.HighlightForm(request.workspace, request.POST or None)
    if request.method == "POST":
        require(request, "do_research")
        if form.is_valid():
            try:
                services.highlight_create(actor=request.user, note=note, **form.cleaned_data)
            except ValidationError as error:
                _errors(request, error)
            else:
                messages.success(request, "Passage highlighted.")
                return redirect("research:note", note.pk)
    context = {
        "note": note,
        # Safe: markdown-it escapes raw HTML and refuses unsafe link schemes (lib/markdown.py).
        "rendered": mark_safe(markdown(note.body)),
        "highlights": selectors.note_highlights(note=note),
        "form": form,
        "can_research": can(request, "do_research"),
    }
    return render(request, "research/note_detail.html", context)


# --- insights ---------------------------------------------------------------------------------


def _passages(insight: Insight) -> str:
    return " | ".join(f"“{h.passage()}” ({h.note.title})" for h in insight.highlights.all())


INSIGHT_COLUMNS = [
    Column("Insight", "statement", "statement", value=lambda i: i.statement),
    Column("Confidence", "confidence", "confidence", value=lambda i: i.get_confidence_display()),
    Column("Study", "study", "study__title", value=lambda i: str(i.study or "")),
    Column("Passages", "passages", "highlight_count", value=lambda i: i.highlight_count),
    Column("Feedback", "feedback", "feedback_count", value=lambda i: i.feedback_count),
    Column("Recorded", "recorded", "created_at", value=lambda i: i.created_at),
    Column("Detail", value=lambda i: i.detail, shown=False),
    Column("Tags", value=lambda i: ", ".join(t.name for t in i.tags.all()), shown=False),
    Column("Supporting passages", value=_passages, shown=False),
    Column(
        "Supporting feedback",
        value=lambda i: ", ".join(f"#{f.pk}" for f in i.feedback.all()),
        shown=False,
    ),
]


@login_required
@ability_required("view")
def insight_list(request: MemberRequest) -> HttpResponseBase:
    form = forms.InsightFilterForm(request.workspace, request.GET)
    listing = Listing(
        request,
        selectors.insight_list(workspace=request.workspace, **form.values()),
        columns=INSIGHT_COLUMNS,
        default_sort="-recorded",
        rows_template="research/insight_list.html#rows",
        export_name="insights",
        prepare=selectors.insights_with_evidence,
        noun=("insight", "insights"),
    )
    if listing.export_format:
        return listing.export()
    context = {
        "listing": listing,
        "filter_form": form,
        "can_research": can(request, "do_research"),
        "question": request.GET.get("question", ""),
    }
    return render_list(request, "research/insight_list.html", context)


@login_required
@ability_required("do_research")
def insight_create(request: MemberRequest) -> HttpResponse:
    study = None
    study_id = request.GET.get("study") or request.POST.get("study")
    if study_id and str(study_id).isdigit():
        study = selectors.study_get(workspace=request.workspace, pk=int(study_id))
    form = forms.InsightForm(request.workspace, study, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            insight = services.insight_create(
                actor=request.user,
                workspace=request.workspace,
                study=study,
                statement=data["statement"],
                detail=data["detail"],
                confidence=data["confidence"],
                highlights=list(data["highlights"]),
                feedback=data["feedback"],
                tags=list(data["tags"]),
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            return redirect("research:insight", insight.pk)
    return render(request, "research/insight_form.html", {"form": form, "study": study})


@login_required
@ability_required("view")
def insight_detail(request: MemberRequest, pk: int) -> HttpResponse:
    insight = selectors.insight_get(workspace=request.workspace, pk=pk)
    context = {
        "insight": insight,
        "links": selectors.share_links(
            workspace=request.workspace, target=ShareTarget.INSIGHT, insight=insight
        ),
        "can_research": can(request, "do_research"),
    }
    return render(request, "research/insight_detail.html", context)


@login_required
@ability_required("view")
def answered(request: MemberRequest) -> HttpResponse:
    question = request.GET.get("question", "").strip()[:500]
    found = selectors.answered(workspace=request.workspace, question=question)
    context = {"question": question, "found": found, "asked": bool(question)}
    template = "research/answered.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context)


# --- sharing ---------------------------------------------------------------------------------


@login_required
@require_POST
@ability_required("do_research")
def share_create(request: MemberRequest) -> HttpResponse:
    target = request.POST.get("target", "")
    insight = None
    if target == ShareTarget.INSIGHT:
        number = request.POST.get("insight", "")
        if not number.isdigit():
            raise Http404("No such insight.")
        insight = selectors.insight_get(workspace=request.workspace, pk=int(number))
    try:
        link = services.share_link_create(
            actor=request.user, workspace=request.workspace, target=target, insight=insight
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect("research:insights")
    url = request.build_absolute_uri(reverse("research:shared", args=[link.token]))
    messages.success(request, f"Anyone in this workspace can open {url} (read-only).")
    return redirect(reverse("research:insight", args=[insight.pk]) if insight else url)


@login_required
@require_POST
@ability_required("do_research")
def share_revoke(request: MemberRequest, token: str) -> HttpResponse:
    link = selectors.share_link_open(workspace=request.workspace, token=token)
    services.share_link_revoke(actor=request.user, link=link)
    messages.success(request, "The link no longer opens anything.")
    if link.insight_id:
        return redirect("research:insight", link.insight_id)
    return redirect("research:insights")


@login_required
@ability_required("view")
def shared(request: MemberRequest, token: str) -> HttpResponse:
    link = selectors.share_link_open(workspace=request.workspace, token=token)
    if link.target == ShareTarget.INSIGHT:
        assert link.insight_id is not None
        insight = selectors.insight_get(workspace=request.workspace, pk=link.insight_id)
        return render(request, "research/shared_insight.html", {"insight": insight, "link": link})
    opportunities = list(feedback_selectors.opportunity_list(workspace=request.workspace))
    weights = feedback_services.weights_get(workspace=request.workspace)
    found = feedback_selectors.demand(
        workspace=request.workspace, opportunities=opportunities, weights=weights
    )
    rows = sorted(
        ((o, found[o.pk]) for o in opportunities),
        key=lambda pair: (-(pair[1].priority or 0), pair[0].title),
    )
    return render(request, "research/shared_opportunities.html", {"rows": rows, "link": link})


# --- search ----------------------------------------------------------------------------------


@login_required
@ability_required("view")
def search_page(request: MemberRequest) -> HttpResponse:
    form = forms.SearchForm(request.workspace, request.GET)
    values = form.values()
    page = None
    if values.get("q"):
        page = full_text.find(
            workspace=request.workspace,
            query=values["q"],
            kinds=[values["kind"]] if values.get("kind") else [],
            since=values.get("since"),
            until=values.get("until"),
            tag=values.get("tag"),
            limit=50,
        )
    return render(request, "research/search.html", {"form": form, "page": page})
