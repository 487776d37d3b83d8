"""Team dashboards over the API: members read those published to their teams, each tile with
its figures (or why it cannot be drawn); product ops and admins compose them."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.dashboards import custom, services
from greenroom.dashboards.forms import TileForm
from greenroom.dashboards.models import CustomDashboard, Tile
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination
from greenroom.metrics import selectors as metrics
from greenroom.organisation.models import Team

router = Router(tags=["dashboards"])


class TileOut(Schema):
    id: int
    position: int
    title: str
    metric: str
    chart: str
    grain: str
    period: str
    by: str
    filter_dimension: str
    filter_value: str


class TileFiguresOut(TileOut):
    """A tile with what it draws: its rows (period, slice, value, partial: still running)
    and, for a headline number, that figure; or ``problem``, why it cannot be drawn."""

    shown_title: str
    unit: str
    problem: str
    rows: list[dict[str, Any]]
    headline: dict[str, Any] | None


class CustomDashboardOut(Schema):
    id: int
    name: str
    description: str
    team_ids: list[int]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_team_ids(dashboard: CustomDashboard | dict) -> list[int]:
        if isinstance(dashboard, dict):  # the read with figures, built as a dict
            return dashboard["team_ids"]
        return sorted(team.pk for team in dashboard.teams.all())


class CustomDashboardFiguresOut(CustomDashboardOut):
    as_of: date | None
    unavailable: str  # why no tile has figures (no business data yet), or ""
    tiles: list[TileFiguresOut]


class CustomDashboardIn(Schema):
    name: str
    description: str = ""
    team_ids: list[int] = []


class CustomDashboardPatch(Schema):
    name: str | None = None
    description: str | None = None
    team_ids: list[int] | None = None


class TileIn(Schema):
    metric: str
    title: str = ""
    chart: str = "line"
    grain: str = "month"
    period: str = "12m"
    by: str = ""
    filter_dimension: str = ""
    filter_value: str = ""


class TilePatch(Schema):
    metric: str | None = None
    title: str | None = None
    chart: str | None = None
    grain: str | None = None
    period: str | None = None
    by: str | None = None
    filter_dimension: str | None = None
    filter_value: str | None = None


def _readable(request: MemberRequest, pk: int) -> CustomDashboard:
    found = custom.custom_dashboard_get(
        workspace=request.workspace, user=request.user, membership=request.membership, pk=pk
    )
    if found is None:
        raise Http404("No such dashboard, or it is not published to your team.")
    return found


def _editable(request: MemberRequest, pk: int) -> CustomDashboard:
    require(request, "manage_dashboards")
    found = CustomDashboard.objects.for_workspace(request.workspace).filter(pk=pk).first()
    if found is None:
        raise Http404("No dashboard with this id in this workspace.")
    return found


def _teams(request: MemberRequest, ids: list[int]) -> list[Team]:
    found = list(Team.objects.for_workspace(request.workspace).filter(pk__in=ids))
    unknown = sorted(set(ids) - {team.pk for team in found})
    if unknown:
        raise ValidationError({"team_ids": f"No team with id {unknown} in this workspace."})
    return found


def _values(request: MemberRequest) -> dict[str, list[str]]:
    try:
        return metrics.dimension_values(workspace=request.workspace)
    except metrics.MetricsUnavailable:
        return {}


def _tile_fields(request: MemberRequest, fields: dict) -> dict:
    """The tile as the editor's form checks it: known metric, slice it offers, grain, period."""
    dimension, value = fields["filter_dimension"], fields["filter_value"]
    form = TileForm(
        {**fields, "filter": f"{dimension}={value}" if dimension else ""},
        definitions=custom.tileable_metrics(),
        values=_values(request),
    )
    if not form.is_valid():
        raise ValidationError(
            {name: " ".join(str(e) for e in problems) for name, problems in form.errors.items()}
        )
    return form.tile_fields()


@router.get(
    "/custom",
    response=list[CustomDashboardOut],
    summary="List team dashboards",
    operation_id="list_custom_dashboards",
)
@paginate(LimitOffsetPagination)
def list_custom_dashboards(request: MemberRequest):
    """The team dashboards you may read: those published to your teams (all of them for
    product ops and admins)."""
    require(request, "view_dashboards")
    return custom.custom_dashboard_list(
        workspace=request.workspace, user=request.user, membership=request.membership
    ).order_by("name", "pk")


@router.get(
    "/custom/{pk}",
    response={200: CustomDashboardFiguresOut, **errors(404)},
    summary="Read a team dashboard",
    operation_id="get_custom_dashboard",
)
def get_custom_dashboard(request: MemberRequest, pk: int):
    """A team dashboard with every tile's figures, or why a tile cannot be drawn (its metric
    or slice no longer exists)."""
    require(request, "view_dashboards")
    dashboard = _readable(request, pk)
    tiles: list[dict] = []
    try:
        as_of = metrics.as_of(workspace=request.workspace)
        values = metrics.dimension_values(workspace=request.workspace)
    except metrics.MetricsUnavailable as error:
        as_of, unavailable = None, str(error)
    else:
        unavailable = ""
    for tile in dashboard.tiles.all():
        figures = {"shown_title": tile.title or tile.metric, "unit": "", "problem": unavailable}
        if as_of is not None:
            view = custom.render_tile(tile, workspace=request.workspace, as_of=as_of, values=values)
            figures = {
                "shown_title": view.title,
                "unit": view.unit,
                "problem": view.problem,
                "rows": view.chart.rows if view.chart else [],
                "headline": view.headline,
            }
        tiles.append({**_tile_out(tile), "rows": [], "headline": None, **figures})
    return {
        "id": dashboard.pk,
        "name": dashboard.name,
        "description": dashboard.description,
        "team_ids": CustomDashboardOut.resolve_team_ids(dashboard),
        "created_at": dashboard.created_at,
        "updated_at": dashboard.updated_at,
        "as_of": as_of,
        "unavailable": unavailable,
        "tiles": tiles,
    }


def _tile_out(tile: Tile) -> dict:
    return {name: getattr(tile, name) for name in TileOut.model_fields if name != "id"} | {
        "id": tile.pk
    }


@router.post(
    "/custom",
    response={201: CustomDashboardOut, **errors(403)},
    summary="Create a team dashboard",
    operation_id="create_custom_dashboard",
)
def create_custom_dashboard(request: MemberRequest, payload: CustomDashboardIn):
    """A new dashboard (no tiles yet), published to the teams named; product ops and admins."""
    require(request, "manage_dashboards")
    teams = _teams(request, payload.team_ids)
    _check_name(payload.name)
    try:
        dashboard = services.custom_dashboard_create(
            actor=request.user,
            workspace=request.workspace,
            name=payload.name.strip(),
            description=payload.description,
            teams=teams,
        )
    except IntegrityError as error:
        raise ValidationError({"name": "A dashboard with this name exists already."}) from error
    return Status(201, dashboard)


def _check_name(name: str) -> None:
    if not name.strip() or len(name) > 120:
        raise ValidationError({"name": "Give a name of 1 to 120 characters."})


@router.patch(
    "/custom/{pk}",
    response={200: CustomDashboardOut, **errors(403, 404)},
    summary="Change a team dashboard",
    operation_id="update_custom_dashboard",
)
def update_custom_dashboard(request: MemberRequest, pk: int, payload: CustomDashboardPatch):
    """Rename, describe or (re)publish a dashboard; fields left out are kept."""
    dashboard = _editable(request, pk)
    name = dashboard.name if payload.name is None else payload.name
    _check_name(name)
    teams = (
        list(dashboard.teams.all())
        if payload.team_ids is None
        else _teams(request, payload.team_ids)
    )
    try:
        services.custom_dashboard_update(
            actor=request.user,
            dashboard=dashboard,
            name=name.strip(),
            description=dashboard.description
            if payload.description is None
            else payload.description,
            teams=teams,
        )
    except IntegrityError as error:
        raise ValidationError({"name": "A dashboard with this name exists already."}) from error
    return CustomDashboard.objects.prefetch_related("teams").get(pk=dashboard.pk)


@router.delete(
    "/custom/{pk}",
    response={204: None, **errors(403, 404)},
    summary="Delete a team dashboard",
    operation_id="delete_custom_dashboard",
)
def delete_custom_dashboard(request: MemberRequest, pk: int):
    services.custom_dashboard_delete(actor=request.user, dashboard=_editable(request, pk))
    return Status(204, None)


@router.post(
    "/custom/{pk}/tiles",
    response={201: TileOut, **errors(403, 404)},
    summary="Add a tile",
    operation_id="create_tile",
)
def create_tile(request: MemberRequest, pk: int, payload: TileIn):
    """A tile at the end of the dashboard: a metric with its slice (``by`` a dimension and/or
    ``filter_dimension`` = ``filter_value``), chart (number, line, bar, ranked), grain and
    period (12m, ytd, 2025, 2025Q4)."""
    dashboard = _editable(request, pk)
    fields = _tile_fields(request, payload.dict())
    return Status(201, services.tile_add(actor=request.user, dashboard=dashboard, **fields))


def _tile(request: MemberRequest, pk: int, tile_id: int) -> Tile:
    dashboard = _editable(request, pk)
    tile = Tile.objects.for_workspace(request.workspace).filter(pk=tile_id, dashboard=dashboard)
    found = tile.select_related("dashboard").first()
    if found is None:
        raise Http404("No tile with this id on this dashboard.")
    return found


@router.patch(
    "/custom/{pk}/tiles/{tile_id}",
    response={200: TileOut, **errors(403, 404)},
    summary="Change a tile",
    operation_id="update_tile",
)
def update_tile(request: MemberRequest, pk: int, tile_id: int, payload: TilePatch):
    """Change what a tile shows; fields left out are kept."""
    tile = _tile(request, pk, tile_id)
    given = {k: v for k, v in payload.dict().items() if v is not None}
    fields = _tile_fields(request, {**_tile_out(tile), **given})
    return services.tile_update(actor=request.user, tile=tile, **fields)


@router.delete(
    "/custom/{pk}/tiles/{tile_id}",
    response={204: None, **errors(403, 404)},
    summary="Remove a tile",
    operation_id="delete_tile",
)
def delete_tile(request: MemberRequest, pk: int, tile_id: int):
    services.tile_remove(actor=request.user, tile=_tile(request, pk, tile_id))
    return Status(204, None)
