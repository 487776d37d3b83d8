"""The decision log over HTTP: list, read, raise and decide (only the named decider), and
the playbook's current template of a kind."""

from datetime import datetime

from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from greenroom.accounts.models import Membership, User
from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.cadences import selectors, services
from greenroom.cadences.choices import TemplateKind
from greenroom.cadences.models import Decision
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination
from greenroom.organisation.models import ProductArea

router = Router(tags=["cadences"])


class OptionOut(Schema):
    id: int
    position: int
    text: str


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


class DecideIn(Schema):
    option_id: int | None = None
    rationale: str


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
    return selectors.decision_list(workspace=request.workspace, status=status).prefetch_related(
        "options"
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
        decision=decision, actor=request.user, option=option, rationale=payload.rationale
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
