"""Writes of custom dashboards: each in a transaction, audited with its author. Only product
ops and admins call these (views and tests check ``manage_dashboards`` first)."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.dashboards.choices import AuditAction
from greenroom.dashboards.models import CustomDashboard, Tile
from greenroom.organisation.models import Team

TILE_FIELDS = (
    "title",
    "metric",
    "by",
    "filter_dimension",
    "filter_value",
    "chart",
    "grain",
    "period",
)


def _teams(workspace: Workspace, teams: Iterable[Team]) -> list[Team]:
    """The teams, refusing any of another workspace (a form already limits the choices)."""
    chosen = list(teams)
    if any(team.workspace_id != workspace.pk for team in chosen):
        raise ValueError("A dashboard can only be published to teams of its own workspace.")
    return chosen


@transaction.atomic
def custom_dashboard_create(
    *,
    actor: User,
    workspace: Workspace,
    name: str,
    description: str = "",
    teams: Iterable[Team] = (),
) -> CustomDashboard:
    """A new dashboard (no tiles yet), published to ``teams``."""
    chosen = _teams(workspace, teams)
    dashboard = CustomDashboard.objects.create(
        workspace=workspace, name=name, description=description, created_by=actor
    )
    dashboard.teams.set(chosen)
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.CUSTOM_DASHBOARD_CREATE,
        target=dashboard,
        detail={"teams": [t.name for t in chosen]},
    )
    return dashboard


@transaction.atomic
def custom_dashboard_update(
    *,
    actor: User,
    dashboard: CustomDashboard,
    name: str,
    description: str,
    teams: Iterable[Team],
) -> CustomDashboard:
    """Rename, describe and (re)publish a dashboard; a change of teams is its own event."""
    chosen = _teams(dashboard.workspace, teams)
    before = sorted(t.name for t in dashboard.teams.all())
    after = sorted(t.name for t in chosen)
    changed = {
        field: [getattr(dashboard, field), value]
        for field, value in (("name", name), ("description", description))
        if getattr(dashboard, field) != value
    }
    dashboard.name, dashboard.description = name, description
    dashboard.save()
    if changed:
        audit_record(
            actor=actor,
            workspace=dashboard.workspace,
            action=AuditAction.CUSTOM_DASHBOARD_UPDATE,
            target=dashboard,
            detail=changed,
        )
    if before != after:
        dashboard.teams.set(chosen)
        audit_record(
            actor=actor,
            workspace=dashboard.workspace,
            action=AuditAction.CUSTOM_DASHBOARD_PUBLISH,
            target=dashboard,
            detail={"teams": [before, after]},
        )
    return dashboard


@transaction.atomic
def custom_dashboard_delete(*, actor: User, dashboard: CustomDashboard) -> None:
    """Delete a dashboard and its tiles."""
    audit_record(
        actor=actor,
        workspace=dashboard.workspace,
        action=AuditAction.CUSTOM_DASHBOARD_DELETE,
        target=dashboard,
    )
    dashboard.delete()


@transaction.atomic
def tile_add(*, actor: User, dashboard: CustomDashboard, **fields: Any) -> Tile:
    """A tile at the end of the dashboard."""
    last = dashboard.tiles.aggregate(last=Max("position"))["last"]
    tile = Tile(
        workspace=dashboard.workspace,
        dashboard=dashboard,
        position=0 if last is None else last + 1,
        **{name: fields[name] for name in TILE_FIELDS if name in fields},
    )
    tile.save()
    audit_record(
        actor=actor,
        workspace=dashboard.workspace,
        action=AuditAction.TILE_ADD,
        target=dashboard,
        detail={name: getattr(tile, name) for name in TILE_FIELDS},
    )
    return tile


@transaction.atomic
def tile_update(*, actor: User, tile: Tile, **fields: Any) -> Tile:
    """Change what a tile shows; the audit keeps old and new values."""
    changed = {}
    for name in TILE_FIELDS:
        if name in fields and getattr(tile, name) != fields[name]:
            changed[name] = [getattr(tile, name), fields[name]]
            setattr(tile, name, fields[name])
    tile.save()
    if changed:
        audit_record(
            actor=actor,
            workspace=tile.workspace,
            action=AuditAction.TILE_UPDATE,
            target=tile.dashboard,
            detail={"tile": tile.pk, **changed},
        )
    return tile


@transaction.atomic
def tile_move(*, actor: User, tile: Tile, offset: int) -> None:
    """Move a tile ``offset`` places (-1: up, 1: down); positions are renumbered 0..n-1."""
    tiles = list(
        Tile.objects.select_for_update()
        .filter(dashboard_id=tile.dashboard_id)
        .order_by("position", "pk")
    )
    index = next(i for i, t in enumerate(tiles) if t.pk == tile.pk)
    target = max(0, min(len(tiles) - 1, index + offset))
    if target == index:
        return
    tiles.insert(target, tiles.pop(index))
    for position, item in enumerate(tiles):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    audit_record(
        actor=actor,
        workspace=tile.workspace,
        action=AuditAction.TILE_MOVE,
        target=tile.dashboard,
        detail={"tile": tile.pk, "from": index, "to": target},
    )


@transaction.atomic
def tile_remove(*, actor: User, tile: Tile) -> None:
    """Remove a tile from its dashboard."""
    audit_record(
        actor=actor,
        workspace=tile.workspace,
        action=AuditAction.TILE_REMOVE,
        target=tile.dashboard,
        detail={"tile": tile.pk, "metric": tile.metric, "title": tile.title},
    )
    tile.delete()
