"""Goals over the API: the rolled-up tree, key results with their live status, check-ins;
roadmap items, their imports (spreadsheets, Jira's CSV export) and Jira connections."""

import json
from datetime import date, datetime
from itertools import islice
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from greenroom.accounts.permissions import can, require
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.apierrors import errors
from greenroom.lib.imports.tables import table_read
from greenroom.lib.pagination import LimitOffsetPagination
from greenroom.organisation.models import Team
from greenroom.strategy import importing, jira, selectors, services
from greenroom.strategy.models import JiraConnection, KeyResult, RoadmapItem

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
    target_quarter: str
    source: str
    source_key: str
    delivery_done: int | None
    delivery_total: int | None
    delivery_points_done: float | None
    delivery_points_total: float | None
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


class FollowUpOut(Schema):
    item_id: int
    title: str
    team_id: int
    missing: list[str]


class RoadmapImportOut(Schema):
    file: str
    created: int
    updated: int
    unchanged: int
    skipped: list[dict]
    summary: str
    follow_up: list[FollowUpOut]


class RoadmapPreviewOut(Schema):
    file: str
    columns: list[str]
    suggested: dict[str, str]
    fields: dict[str, str]
    rows: list[dict[str, str]]


def _team_to_edit(request: MemberRequest, team_id: int) -> Team:
    """A team whose roadmap the user may change (product ops any, a PM their own)."""
    require(request, "edit_team_roadmap")
    team = Team.objects.for_workspace(request.workspace).filter(pk=team_id).first()
    if team is None:
        raise Http404("No team with this id in this workspace.")
    mine = selectors.team_ids_of(workspace=request.workspace, user=request.user)
    if not can(request, "manage_roadmaps") and team.pk not in mine:
        raise PermissionDenied("Only product ops and the team's own PM may import its roadmap.")
    return team


def _mapping(text: str) -> dict[str, str]:
    if not text.strip():
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        raise ValidationError({"mapping": "Not JSON: give an object of field → column."}) from None
    if not isinstance(found, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in found.items()
    ):
        raise ValidationError({"mapping": "Give an object of field → column (both text)."})
    return found


def _follow_up_out(found: list) -> list[dict]:
    return [
        {"item_id": item.pk, "title": item.title, "team_id": item.team_id, "missing": missing}
        for item, missing in found
    ]


@router.post(
    "/roadmap-imports/preview",
    response={200: RoadmapPreviewOut, **errors(403)},
    summary="Preview a roadmap spreadsheet",
    operation_id="preview_roadmap_import",
)
def preview_roadmap_import(request: MemberRequest, file: File[UploadedFile]):
    """A CSV or XLSX roadmap's columns, the mapping suggested from their names (field →
    column) and its first rows; nothing is saved."""
    require(request, "edit_team_roadmap")
    name = file.name or "upload"
    table = table_read(name=name, data=file.read())
    rows = [values for _, values in islice(table.rows, importing.PREVIEW_ROWS)]
    return {
        "file": name,
        "columns": table.headers,
        "suggested": importing.mapping_guess(table.headers),
        "fields": {target.name: target.label for target in importing.FIELDS},
        "rows": rows,
    }


@router.post(
    "/roadmap-imports",
    response={200: RoadmapImportOut, **errors(403, 404)},
    summary="Import a roadmap spreadsheet or Jira CSV export",
    operation_id="import_roadmap",
)
def import_roadmap(
    request: MemberRequest,
    file: File[UploadedFile],
    team_id: Form[int],
    kind: Form[Literal["spreadsheet", "jira_csv"]] = "spreadsheet",
    mapping: Form[str] = "",
):
    """Every row of a roadmap spreadsheet (``mapping``: a JSON object field → column, else
    the columns are matched by name) or every epic of Jira's CSV export becomes an item of
    the team. All or nothing; idempotent. Items missing the template's required fields are
    imported and listed in ``follow_up``."""
    team = _team_to_edit(request, team_id)
    run = importing.upload_keep(
        actor=request.user, workspace=request.workspace, team=team, kind=kind, upload=file
    )
    outcome = importing.run_import(actor=request.user, run=run, mapping=_mapping(mapping))
    report = outcome.report.as_dict()
    return {**report, "follow_up": _follow_up_out(outcome.follow_up)}


@router.get(
    "/roadmap-follow-up",
    response=list[FollowUpOut],
    summary="Imported items to complete",
    operation_id="list_roadmap_follow_up",
)
def list_roadmap_follow_up(request: MemberRequest):
    """Imported items that lack fields the template requires, with what each lacks."""
    require(request, "view")
    return _follow_up_out(importing.follow_up(workspace=request.workspace))


class JiraConnectionIn(Schema):
    name: str
    base_url: str
    email: str
    token_env: str = "JIRA_API_TOKEN"
    jql: str
    team_id: int
    item_types: list[str] = ["Epic"]
    status_map: dict[str, str] = {}
    points_field: str = "customfield_10016"
    push_back: bool = False


class JiraConnectionOut(Schema):
    id: int
    name: str
    base_url: str
    email: str
    token_env: str
    jql: str
    team_id: int
    item_types: list[str]
    status_map: dict[str, str]
    points_field: str
    push_back: bool
    last_synced_at: datetime | None
    last_report: dict


def _connection_data(request: MemberRequest, payload: JiraConnectionIn) -> dict:
    data = payload.dict()
    team = Team.objects.for_workspace(request.workspace).filter(pk=data.pop("team_id")).first()
    if team is None:
        raise ValidationError({"team_id": "No team with this id in this workspace."})
    return {**data, "team": team}


def _connection(request: MemberRequest, pk: int) -> JiraConnection:
    found = JiraConnection.objects.for_workspace(request.workspace).filter(pk=pk).first()
    if found is None:
        raise Http404("No Jira connection with this id in this workspace.")
    return found


@router.get(
    "/jira-connections",
    response={200: list[JiraConnectionOut], **errors(403)},
    summary="List Jira connections",
    operation_id="list_jira_connections",
)
def list_jira_connections(request: MemberRequest):
    require(request, "manage_roadmaps")
    return JiraConnection.objects.for_workspace(request.workspace)


@router.post(
    "/jira-connections",
    response={201: JiraConnectionOut, **errors(403)},
    summary="Connect a Jira query to a team's roadmap",
    operation_id="create_jira_connection",
)
def create_jira_connection(request: MemberRequest, payload: JiraConnectionIn):
    """A Jira site, a JQL query and the team whose items its epics become; the API token is
    read from the environment variable ``token_env`` names, never stored."""
    require(request, "manage_roadmaps")
    data = _connection_data(request, payload)
    found = jira.connection_save(actor=request.user, workspace=request.workspace, data=data)
    return Status(201, found)


@router.put(
    "/jira-connections/{pk}",
    response={200: JiraConnectionOut, **errors(403, 404)},
    summary="Change a Jira connection",
    operation_id="update_jira_connection",
)
def update_jira_connection(request: MemberRequest, pk: int, payload: JiraConnectionIn):
    require(request, "manage_roadmaps")
    instance = _connection(request, pk)
    data = _connection_data(request, payload)
    return jira.connection_save(
        actor=request.user, workspace=request.workspace, data=data, instance=instance
    )


@router.post(
    "/jira-connections/{pk}/sync",
    response={200: RoadmapImportOut, **errors(403, 404)},
    summary="Sync a Jira connection now",
    operation_id="sync_jira_connection",
)
def sync_jira_connection(request: MemberRequest, pk: int):
    """Read the query from Jira now (the scheduler does it every hour): epics into items,
    their issues into delivery progress, and with push back on, items back to their epics."""
    require(request, "manage_roadmaps")
    outcome = jira.connection_sync(actor=request.user, connection=_connection(request, pk))
    return {**outcome.report.as_dict(), "follow_up": _follow_up_out(outcome.follow_up)}
