"""Goals over the API: the rolled-up tree, key results with their live status, check-ins."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from greenroom.accounts.permissions import can, require
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination
from greenroom.strategy import selectors, services
from greenroom.strategy.models import KeyResult, RoadmapItem

router = Router(tags=["strategy"])


class KeyResultOut(Schema):
    id: int
    objective_id: int
    title: str
    baseline: float
    target: float
    unit: str
    starts_on: date
    due_on: date
    weight: float
    source: str
    metric_name: str
    metric_where: dict[str, list[str]]
    metric_grain: str
    status: str
    message: str
    value: float | None
    value_as_of: date | None
    progress: float | None
    expected: float | None
    forecast: float | None
    forecast_low: float | None
    forecast_high: float | None


class ObjectiveOut(Schema):
    id: int
    title: str
    team_id: int | None
    status: str
    progress: float | None
    expected: float | None
    key_result_ids: list[int]


class InitiativeOut(Schema):
    id: int
    title: str
    status: str
    progress: float | None
    expected: float | None
    objectives: list[ObjectiveOut]


class IntentOut(Schema):
    id: int
    title: str
    starts_on: date
    ends_on: date
    status: str
    progress: float | None
    expected: float | None
    initiatives: list[InitiativeOut]


class GoalTreeOut(Schema):
    status: str
    progress: float | None
    expected: float | None
    intents: list[IntentOut]
    unlinked_objectives: list[ObjectiveOut]


class CheckInIn(Schema):
    value: float
    checked_on: date
    comment: str = ""


class CheckInOut(Schema):
    id: int
    key_result_id: int
    value: float
    checked_on: date
    comment: str


def _rolled(node) -> dict:
    return {
        "id": node.item.pk,
        "title": node.item.title,
        "status": node.rollup.status,
        "progress": node.rollup.progress,
        "expected": node.rollup.expected,
    }


def _objective(node) -> dict:
    return {
        **_rolled(node),
        "team_id": node.item.team_id,
        "key_result_ids": [kr.pk for kr in node.children],
    }


@router.get("/tree", response=GoalTreeOut, summary="Goals rolled up", operation_id="goal_tree")
def goal_tree(request: MemberRequest):
    """Intents → initiatives → objectives with each level's progress, expected progress and
    status (docs/strategy.md)."""
    require(request, "view")
    tree = selectors.goal_tree(workspace=request.workspace)
    return {
        "status": tree.company.status,
        "progress": tree.company.progress,
        "expected": tree.company.expected,
        "intents": [
            {
                **_rolled(intent),
                "starts_on": intent.item.starts_on,
                "ends_on": intent.item.ends_on,
                "initiatives": [
                    {**_rolled(i), "objectives": [_objective(o) for o in i.children]}
                    for i in intent.children
                ],
            }
            for intent in tree.intents
        ],
        "unlinked_objectives": [_objective(o) for o in tree.unlinked],
    }


@router.get(
    "/key-results",
    response=list[KeyResultOut],
    summary="List key results",
    operation_id="list_key_results",
)
@paginate(LimitOffsetPagination)
def list_key_results(request: MemberRequest, status: str = ""):
    """Key results with their latest evaluation; ``status`` filters (on_track, at_risk,
    off_track, no_data, unavailable)."""
    require(request, "view")
    rows = selectors.key_result_list(workspace=request.workspace).order_by("pk")
    return rows.filter(status=status) if status else rows


def _key_result(request: MemberRequest, pk: int) -> KeyResult:
    found = selectors.key_result_list(workspace=request.workspace).filter(pk=pk).first()
    if found is None:
        raise Http404("No key result with this id in this workspace.")
    return found


@router.get(
    "/key-results/{pk}",
    response={200: KeyResultOut, **errors(404)},
    summary="Get a key result",
    operation_id="get_key_result",
)
def get_key_result(request: MemberRequest, pk: int):
    require(request, "view")
    return _key_result(request, pk)


@router.post(
    "/key-results/{pk}/check-ins",
    response={201: CheckInOut, **errors(403, 404)},
    summary="Check in a key result",
    operation_id="create_check_in",
)
def create_check_in(request: MemberRequest, pk: int, payload: CheckInIn):
    """Report a value of a key result measured by hand; it is re-evaluated at once."""
    require(request, "edit_team_goals")
    key_result = _key_result(request, pk)
    if not can(request, "manage_strategy"):
        teams = selectors.team_ids_of(workspace=request.workspace, user=request.user)
        if key_result.objective.team_id not in teams:
            raise PermissionDenied("Only product ops and the objective's own team may check in.")
    check_in = services.check_in_create(actor=request.user, key_result=key_result, **payload.dict())
    return Status(201, check_in)


class RoadmapItemOut(Schema):
    id: int
    title: str
    team_id: int
    column: str
    position: int
    status: str
    problem: str
    initiative_id: int | None
    objective_id: int | None
    key_result_id: int | None
    key_result_status: str | None
    confidence: int | None
    updated_at: datetime

    @staticmethod
    def resolve_key_result_status(item: RoadmapItem) -> str | None:
        return item.key_result.status if item.key_result else None


class RoadmapMoveIn(Schema):
    column: str
    position: int | None = None


@router.get(
    "/roadmap-items",
    response=list[RoadmapItemOut],
    summary="List roadmap items",
    operation_id="list_roadmap_items",
)
@paginate(LimitOffsetPagination)
def list_roadmap_items(request: MemberRequest, team_id: int | None = None):
    """Every team's roadmap items (``team_id`` filters) with the live status of the key
    result each serves."""
    require(request, "view")
    rows = selectors.roadmap_item_list(workspace=request.workspace, team_id=team_id)
    return rows.order_by("pk")


@router.post(
    "/roadmap-items/{pk}/move",
    response={200: RoadmapItemOut, **errors(403, 404)},
    summary="Move a roadmap item",
    operation_id="move_roadmap_item",
)
def move_roadmap_item(request: MemberRequest, pk: int, payload: RoadmapMoveIn):
    """Put an item in another column (or place): product ops any item, a product manager
    their own team's."""
    require(request, "edit_team_roadmap")
    item = selectors.roadmap_item_get(workspace=request.workspace, pk=pk)
    if item is None:
        raise Http404("No roadmap item with this id in this workspace.")
    if not can(request, "manage_roadmaps"):
        teams = selectors.team_ids_of(workspace=request.workspace, user=request.user)
        if item.team_id not in teams:
            raise PermissionDenied("Only product ops and the item's own team may move it.")
    services.roadmap_item_move(actor=request.user, item=item, **payload.dict())
    return selectors.roadmap_item_get(workspace=request.workspace, pk=pk)
