"""Cadences over HTTP: cadences, their occurrences and pre-read packs (read); the decision
log (raise, decide — only the named decider —, reopen, link the roadmap changes it caused);
the playbook's templates (read); the tool stack (read; product ops write); onboarding
progress; the scorecard (read, and as CSV)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.http import Http404
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from greenroom import registry
from greenroom.accounts.models import Membership, User
from greenroom.accounts.permissions import ABILITIES, can, require
from greenroom.accounts.requests import MemberRequest
from greenroom.cadences import onboarding, selectors, services
from greenroom.cadences import scorecard as scores
from greenroom.cadences.choices import TemplateKind
from greenroom.cadences.models import Cadence, Decision, Occurrence, Tool
from greenroom.lib.apierrors import errors
from greenroom.lib.exports import export_response
from greenroom.lib.pagination import LimitOffsetPagination
from greenroom.organisation.models import ProductArea

router = Router(tags=["cadences"])


class OptionOut(Schema):
    id: int
    position: int
    text: str


class DecisionOutcomeOut(Schema):
    expected: str
    review_on: date | None
    verdict: str
    note: str
    recorded_by_id: int | None
    recorded_at: datetime | None


class DecisionOut(Schema):
    id: int
    question: str
    status: str
    area_id: int | None
    raised_by_id: int
    raised_at: datetime
    decider_id: int
    decided_at: datetime | None
    rationale: str
    chosen_option_id: int | None
    time_to_decision_days: float | None
    options: list[OptionOut]
    record: str
    record_template_version: int | None
    outcome: DecisionOutcomeOut | None

    @staticmethod
    def resolve_record_template_version(obj: Decision) -> int | None:
        return obj.record_template.number if obj.record_template else None

    @staticmethod
    def resolve_outcome(obj: Decision) -> DecisionOutcomeOut | None:
        episode = obj.current_episode()
        if episode is None:
            return None
        return DecisionOutcomeOut(
            expected=episode.expected_outcome,
            review_on=episode.review_on,
            verdict=episode.verdict,
            note=episode.outcome_note,
            recorded_by_id=episode.outcome_by_id,
            recorded_at=episode.outcome_at,
        )

    @staticmethod
    def resolve_time_to_decision_days(obj: Decision) -> float | None:
        span = obj.time_to_decision()
        return round(span.total_seconds() / 86400, 2) if span is not None else None

    @staticmethod
    def resolve_options(obj: Decision) -> list:
        return list(obj.options.all())


class DecisionIn(Schema):
    question: str
    decider_id: int | None = None
    options: list[str] = []
    area_id: int | None = None
    consulted_ids: list[int] = []
    record: str | None = Field(
        None, description="Markdown; left out, it starts from the playbook's decision record."
    )


class DecideIn(Schema):
    option_id: int | None = None
    rationale: str
    expected_outcome: str = ""
    review_on: date | None = None


class DecisionOutcomeIn(Schema):
    verdict: str = Field(description="as_expected, better, worse or too_early")
    note: str


class TemplateOut(Schema):
    kind: str
    number: int
    body: str
    author_id: int
    created_at: datetime
    required_sections: list[str]

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.template.kind

    @staticmethod
    def resolve_required_sections(obj) -> list[str]:
        return list(obj.template.required_sections)


def _member_user(request: MemberRequest, pk: int | None) -> User | None:
    if pk is None:
        return None
    ids = Membership.objects.filter(workspace=request.workspace, user_id=pk).values("user_id")
    return User.objects.filter(pk__in=ids).first()


def _decision(request: MemberRequest, pk: int) -> Decision:
    decision = selectors.decision_get(workspace=request.workspace, pk=pk)
    if decision is None:
        raise Http404("No such decision.")
    return decision


@router.get("/decisions", response=list[DecisionOut], summary="List decisions")
@paginate(LimitOffsetPagination)
def list_decisions(request: MemberRequest, status: str = ""):
    require(request, "view")
    return (
        selectors.decision_list(workspace=request.workspace, status=status)
        .select_related("record_template")
        .prefetch_related("options", "episodes")
    )


@router.get("/decisions/{pk}", response={200: DecisionOut, **errors(404)}, summary="Get a decision")
def get_decision(request: MemberRequest, pk: int):
    require(request, "view")
    return _decision(request, pk)


@router.post(
    "/decisions", response={201: DecisionOut, **errors(403, 404)}, summary="Raise a decision"
)
def raise_decision(request: MemberRequest, payload: DecisionIn):
    require(request, "raise_decision")
    area = None
    if payload.area_id is not None:
        area = (
            ProductArea.objects.for_workspace(request.workspace).filter(pk=payload.area_id).first()
        )
        if area is None:
            raise Http404("No such product area.")
    consulted = [u for u in (_member_user(request, pk) for pk in payload.consulted_ids) if u]
    decision = services.decision_raise(
        workspace=request.workspace,
        actor=request.user,
        question=payload.question,
        decider=_member_user(request, payload.decider_id),
        options=payload.options,
        area=area,
        consulted=consulted,
        record=payload.record,
    )
    return Status(201, _decision(request, decision.pk))


@router.post(
    "/decisions/{pk}/decide",
    response={200: DecisionOut, **errors(403, 404)},
    summary="Record a decision (its named decider only)",
)
def decide(request: MemberRequest, pk: int, payload: DecideIn):
    require(request, "record_decision")
    decision = _decision(request, pk)
    option = None
    if payload.option_id is not None:
        option = decision.options.filter(pk=payload.option_id).first()
    services.decision_decide(
        decision=decision,
        actor=request.user,
        option=option,
        rationale=payload.rationale,
        expected_outcome=payload.expected_outcome,
        review_on=payload.review_on,
    )
    return _decision(request, pk)


@router.post(
    "/decisions/{pk}/outcome",
    response={200: DecisionOut, **errors(403, 404)},
    summary="Record what came of a decision (its decider or product ops)",
)
def record_outcome(request: MemberRequest, pk: int, payload: DecisionOutcomeIn):
    require(request, "view")
    services.decision_outcome_record(
        decision=_decision(request, pk),
        actor=request.user,
        verdict=payload.verdict,
        note=payload.note,
    )
    return _decision(request, pk)


@router.get(
    "/templates/{kind}",
    response={200: TemplateOut, **errors(404)},
    summary="The current playbook template of a kind",
)
def get_template(request: MemberRequest, kind: str):
    require(request, "view")
    if kind not in TemplateKind.values:
        raise Http404(f"No kind of template '{kind}'. Known: {', '.join(TemplateKind.values)}.")
    version = selectors.template_for(workspace=request.workspace, kind=kind)
    if version is None:
        raise Http404(f"No {TemplateKind(kind).label} template yet.")
    return version


class ReopenIn(Schema):
    reason: str


@router.post(
    "/decisions/{pk}/reopen",
    response={200: DecisionOut, **errors(403, 404)},
    summary="Reopen a decided question (its decided episode is kept)",
)
def reopen_decision(request: MemberRequest, pk: int, payload: ReopenIn):
    require(request, "raise_decision")
    services.decision_reopen(
        decision=_decision(request, pk), actor=request.user, reason=payload.reason
    )
    return _decision(request, pk)


class ChangeIn(Schema):
    change_id: int


class ChangeOut(Schema):
    change_id: int
    item_id: int
    item: str
    summary: str
    at: datetime


def _changes(decision: Decision) -> list[ChangeOut]:
    return [
        ChangeOut(
            change_id=link.change_id,
            item_id=int(link.change.object_id),
            item=link.change.object_label,
            summary=selectors.change_summary(link.change),
            at=link.change.at,
        )
        for link in decision.changes.all()
    ]


@router.get(
    "/decisions/{pk}/changes",
    response={200: list[ChangeOut], **errors(404)},
    summary="The roadmap changes a decision caused",
)
def list_changes(request: MemberRequest, pk: int):
    require(request, "view")
    return _changes(_decision(request, pk))


@router.post(
    "/decisions/{pk}/changes",
    response={201: list[ChangeOut], **errors(403, 404)},
    summary="Link a roadmap change (its audit event id) the decision caused",
)
def link_change(request: MemberRequest, pk: int, payload: ChangeIn):
    require(request, "raise_decision")
    services.decision_link_change(
        decision=_decision(request, pk), actor=request.user, change_id=payload.change_id
    )
    return Status(201, _changes(_decision(request, pk)))


@router.get("/templates", response=list[TemplateOut], summary="The playbook's current templates")
def list_templates(request: MemberRequest):
    require(request, "view")
    return [
        version
        for template in selectors.template_list(workspace=request.workspace)
        if (version := template.current()) is not None
    ]


# ---------------------------------------------------------------------------- cadences


class CadenceOut(Schema):
    id: int
    name: str
    rrule: str
    starts_at: datetime
    duration_minutes: int
    attendee_ids: list[int]
    agenda: str
    required_inputs: list[str]

    @staticmethod
    def resolve_attendee_ids(obj: Cadence) -> list[int]:
        return [user.pk for user in obj.attendees.all()]


class OccurrenceOut(Schema):
    id: int
    cadence_id: int
    cadence: str
    starts_at: datetime
    ends_at: datetime
    pack_url: str
    pdf_url: str

    @staticmethod
    def resolve_cadence(obj: Occurrence) -> str:
        return obj.cadence.name

    @staticmethod
    def resolve_ends_at(obj: Occurrence) -> datetime:
        return obj.starts_at + timedelta(minutes=obj.cadence.duration_minutes)

    @staticmethod
    def resolve_pack_url(obj: Occurrence) -> str:
        return reverse("cadences:occurrence", args=[obj.pk])

    @staticmethod
    def resolve_pdf_url(obj: Occurrence) -> str:
        return reverse("cadences:occurrence", args=[obj.pk]) + "?format=pdf"


class PackSectionOut(Schema):
    key: str
    title: str
    available: bool
    waits_for: str
    html: str


class PackOut(Schema):
    occurrence_id: int
    cadence: str
    starts_at: datetime
    since: datetime
    pdf_url: str
    sections: list[PackSectionOut]


def _occurrence(request: MemberRequest, pk: int) -> Occurrence:
    occurrence = selectors.occurrence_get(workspace=request.workspace, pk=pk)
    if occurrence is None:
        raise Http404("No such occurrence.")
    return occurrence


@router.get("/cadences", response=list[CadenceOut], summary="List cadences")
@paginate(LimitOffsetPagination)
def list_cadences(request: MemberRequest):
    require(request, "view")
    return selectors.cadence_list(workspace=request.workspace)


@router.get(
    "/cadences/{pk}/occurrences",
    response={200: list[OccurrenceOut], **errors(404)},
    summary="A cadence's occurrences, from a date (default: today) on",
)
@paginate(LimitOffsetPagination)
def list_occurrences(request: MemberRequest, pk: int, since: date | None = None):
    require(request, "view")
    cadence = selectors.cadence_list(workspace=request.workspace).filter(pk=pk).first()
    if cadence is None:
        raise Http404("No such cadence.")
    start = since or timezone.localdate()
    return cadence.occurrences.select_related("cadence").filter(starts_at__date__gte=start)


@router.get(
    "/occurrences/{pk}/pack",
    response={200: PackOut, **errors(404)},
    summary="An occurrence's pre-read pack: each section as HTML, or what it waits for",
)
def get_pack(request: MemberRequest, pk: int):
    require(request, "view")
    occurrence = _occurrence(request, pk)
    abilities = {ability for ability in ABILITIES if can(request, ability)}
    parts = selectors.pack(workspace=request.workspace, occurrence=occurrence, abilities=abilities)
    sections = [
        {
            "key": part.section.key,
            "title": part.section.title,
            "available": not part.section.waits_for,
            "waits_for": part.section.waits_for,
            "html": render_to_string(part.section.template, {"section": part.context})
            if part.section.template
            else "",
        }
        for part in parts
    ]
    since = selectors.pack_since(occurrence=occurrence)
    return {
        "occurrence_id": occurrence.pk,
        "cadence": occurrence.cadence.name,
        "starts_at": occurrence.starts_at,
        "since": since,
        "pdf_url": OccurrenceOut.resolve_pdf_url(occurrence),
        "sections": sections,
    }


# ---------------------------------------------------------------------------- tool stack


class ToolOut(Schema):
    id: int
    name: str
    owner_id: int | None
    purpose: str
    category: str
    why_chosen: str
    annual_cost: Decimal | None
    currency: str
    seats: int
    renewal_date: date | None
    replaced_by_id: int | None
    replaced_reason: str
    retired_on: date | None
    active_seats: int
    adoption_percent: int | None


class ToolIn(Schema):
    name: str
    owner_id: int | None = None
    purpose: str = ""
    category: str = ""
    why_chosen: str = ""
    annual_cost: Decimal | None = None
    currency: str = "USD"
    seats: int = 0
    renewal_date: date | None = None


class ToolPatch(Schema):
    name: str | None = None
    owner_id: int | None = None
    purpose: str | None = None
    category: str | None = None
    why_chosen: str | None = None
    annual_cost: Decimal | None = None
    currency: str | None = None
    seats: int | None = None
    renewal_date: date | None = None


def _tools_out(tools: list[Tool]) -> list[ToolOut]:
    adoption = selectors.adoption(tools=tools)
    return [
        ToolOut(
            **{name: getattr(tool, name) for name in ToolOut.model_fields if hasattr(tool, name)},
            active_seats=adoption[tool.pk].active,
            adoption_percent=adoption[tool.pk].percent,
        )
        for tool in tools
    ]


def _tool(request: MemberRequest, pk: int) -> Tool:
    tool = selectors.tool_list(workspace=request.workspace).filter(pk=pk).first()
    if tool is None:
        raise Http404("No such tool.")
    return tool


def _tool_fields(request: MemberRequest, payload: ToolIn | ToolPatch) -> dict:
    # A null clears only what may be empty (owner, cost, renewal); elsewhere it is ignored.
    fields = {
        key: value
        for key, value in payload.model_dump(exclude_unset=True).items()
        if value is not None or key in ("owner_id", "annual_cost", "renewal_date")
    }
    if "owner_id" in fields:
        owner_id = fields.pop("owner_id")
        owner = _member_user(request, owner_id)
        if owner_id is not None and owner is None:
            raise Http404("No such member to own the tool.")
        fields["owner"] = owner
    return fields


@router.get("/tools", response=list[ToolOut], summary="The tool stack, with adoption")
def list_tools(request: MemberRequest):
    require(request, "view")
    return _tools_out(list(selectors.tool_list(workspace=request.workspace)))


@router.get("/tools/{pk}", response={200: ToolOut, **errors(404)}, summary="Get a tool")
def get_tool(request: MemberRequest, pk: int):
    require(request, "view")
    return _tools_out([_tool(request, pk)])[0]


@router.post("/tools", response={201: ToolOut, **errors(403, 404)}, summary="Add a tool")
def create_tool(request: MemberRequest, payload: ToolIn):
    require(request, "manage_playbook")
    tool = services.tool_save(
        workspace=request.workspace, actor=request.user, **_tool_fields(request, payload)
    )
    return Status(201, _tools_out([_tool(request, tool.pk)])[0])


@router.patch("/tools/{pk}", response={200: ToolOut, **errors(403, 404)}, summary="Change a tool")
def update_tool(request: MemberRequest, pk: int, payload: ToolPatch):
    require(request, "manage_playbook")
    tool = _tool(request, pk)
    services.tool_save(
        workspace=request.workspace,
        actor=request.user,
        tool=tool,
        **_tool_fields(request, payload),
    )
    return _tools_out([_tool(request, pk)])[0]


# ---------------------------------------------------------------------------- onboarding


class StepOut(Schema):
    step_id: int
    title: str
    kind: str
    due: date
    done: bool
    completed_at: datetime | None
    overdue: bool


class ProgressOut(Schema):
    assignment_id: int
    programme: str
    user_id: int
    started_on: date
    done: int
    total: int
    percent: int
    overdue: int
    steps: list[StepOut]


def _progress_out(progress: onboarding.Progress) -> ProgressOut:
    assignment = progress.assignment
    return ProgressOut(
        assignment_id=assignment.pk,
        programme=assignment.programme.name,
        user_id=assignment.user_id,
        started_on=assignment.started_on,
        done=progress.done,
        total=progress.total,
        percent=progress.percent,
        overdue=progress.overdue,
        steps=[
            StepOut(
                step_id=state.step.pk,
                title=state.step.title,
                kind=state.step.kind,
                due=state.due,
                done=state.done,
                completed_at=state.completion.completed_at if state.completion else None,
                overdue=state.overdue,
            )
            for state in progress.steps
        ],
    )


@router.get(
    "/onboarding",
    response=list[ProgressOut],
    summary="Onboarding progress: everyone's for product ops, one's own for others",
)
def list_onboarding(request: MemberRequest):
    require(request, "view")
    user = None if can(request, "manage_onboarding") else request.user
    rows = onboarding.assignment_list(workspace=request.workspace, user=user)
    return [_progress_out(row) for row in rows]


# ---------------------------------------------------------------------------- scorecard


class ScoreOut(Schema):
    key: str
    title: str
    explanation: str
    value: float | None
    unit: str
    counted: int
    previous: float | None
    baseline: float | None
    against_baseline: str
    trend: str
    waits_for: str
    history: list[float | None]


def _score_lines(request: MemberRequest) -> list[scores.Line]:
    measures = [m for m in registry.entries(registry.Measure) if can(request, m.ability)]
    return scores.lines(workspace=request.workspace, measures=measures)


@router.get("/scorecard", response=list[ScoreOut], summary="The product ops scorecard")
def get_scorecard(request: MemberRequest):
    require(request, "view")
    return [
        ScoreOut(
            key=line.measure.key,
            title=line.name,
            explanation=line.measure.explanation,
            value=line.current,
            unit=line.unit,
            counted=scores.figure(line.value)[1],
            previous=line.quantity.previous if line.quantity else None,
            baseline=line.baseline.value if line.baseline else None,
            against_baseline=line.against_baseline,
            trend=line.trend,
            waits_for=line.measure.waits_for,
            history=line.history,
        )
        for line in _score_lines(request)
    ]


@router.get(
    "/scorecard.csv",
    summary="The product ops scorecard as CSV (one row per measure)",
    openapi_extra={
        "responses": {200: {"description": "The CSV file", "content": {"text/csv": {"schema": {}}}}}
    },
)
def get_scorecard_csv(request: MemberRequest) -> HttpResponseBase:
    require(request, "view")
    return export_response(
        scores.export_rows(_score_lines(request)),
        filename=f"scorecard-{timezone.localdate():%Y-%m-%d}",
        format="csv",
    )
