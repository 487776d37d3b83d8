"""Writes of the dashboards app: board packs asked for and written, digest subscriptions,
the weekly digest sent, and custom dashboards (each write in a transaction, audited with its
author; views and tests check the ability first)."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.dashboards import boardpack, digests
from greenroom.dashboards.boardpack.content import quarter_code
from greenroom.dashboards.choices import AuditAction
from greenroom.dashboards.models import BoardPack, CustomDashboard, DigestSubscription, Tile
from greenroom.organisation.models import Team

logger = logging.getLogger(__name__)
# A digest is weekly: one sent in the last six days is not sent again (a retried job, a
# scheduler started twice), while a Monday run late by an hour still sends.
DIGEST_INTERVAL = timedelta(days=6)


def board_pack_folder(pack: BoardPack) -> Path:
    """Where a pack's files live: the data folder, per workspace and pack."""
    return Path(settings.DATA_DIR) / "boardpacks" / str(pack.workspace_id) / str(pack.pk)


@transaction.atomic
def board_pack_request(*, actor: User, workspace: Workspace, quarter: str) -> BoardPack:
    """Ask for ``quarter``'s board pack: recorded, then written by a job after commit."""
    from greenroom.dashboards import tasks  # tasks import this module
    from greenroom.jobs.registry import enqueue

    try:
        code = quarter_code(quarter)
    except boardpack.BoardPackError as error:
        raise ValidationError({"quarter": str(error)}) from None
    pack = BoardPack.objects.create(workspace=workspace, quarter=code, requested_by=actor)
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.BOARD_PACK_REQUEST,
        target=pack,
        detail={"quarter": code},
    )
    enqueue(tasks.write_board_pack, workspace_id=workspace.pk, pack_id=pack.pk)
    return pack


def board_pack_write(*, pack: BoardPack) -> BoardPack:
    """Write the pack's files, keeping its progress on the row for the page to follow (each
    step its own short write, outside any transaction, so the page sees it at once)."""
    rows = BoardPack.objects.filter(pk=pack.pk)

    def progress(percent: int, text: str) -> None:
        rows.update(progress=percent, step=text[:200])
        logger.info("%s%% %s", percent, text)

    rows.update(status=BoardPack.Status.RUNNING, progress=1, step="Starting")
    try:
        built, _ = boardpack.write(
            workspace=pack.workspace,
            quarter=pack.quarter,
            out=board_pack_folder(pack),
            progress=progress,
        )
    except boardpack.BoardPackError as error:
        rows.update(status=BoardPack.Status.NO_DATA, message=str(error), finished_at=timezone.now())
    except Exception:
        rows.update(
            status=BoardPack.Status.FAILED,
            message="Writing the pack failed; the job's log has the error. Try again, or ask "
            "an administrator.",
            finished_at=timezone.now(),
        )
        raise
    else:
        rows.update(
            status=BoardPack.Status.DONE,
            progress=100,
            filename=built.filename,
            finished_at=timezone.now(),
        )
    pack.refresh_from_db()
    return pack


@transaction.atomic
def board_pack_download(*, actor: User, pack: BoardPack, fmt: str) -> Path:
    """The path of a written pack's file, its download recorded (board material)."""
    audit_record(
        actor=actor,
        workspace=pack.workspace,
        action=AuditAction.BOARD_PACK_DOWNLOAD,
        target=pack,
        detail={"format": fmt},
    )
    return board_pack_folder(pack) / f"{pack.filename}.{fmt}"


@transaction.atomic
def digest_subscribe(*, actor: User, workspace: Workspace) -> DigestSubscription:
    """Send ``actor`` the weekly digest of ``workspace`` (subscribing twice changes nothing)."""
    subscription, created = DigestSubscription.objects.get_or_create(
        workspace=workspace, user=actor
    )
    if created:
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.DIGEST_SUBSCRIPTION_CREATE,
            target=subscription,
        )
    return subscription


@transaction.atomic
def digest_unsubscribe(*, actor: User, workspace: Workspace) -> None:
    """Stop sending ``actor`` the weekly digest."""
    for subscription in DigestSubscription.objects.for_workspace(workspace).filter(user=actor):
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.DIGEST_SUBSCRIPTION_DELETE,
            target=subscription,
        )
        subscription.delete()


def digests_send(*, now: datetime) -> int:
    """Email the weekly digest to every subscriber not sent one in the last six days; a
    workspace's digest is composed once for all its subscribers. Returns how many were sent."""
    due = (
        DigestSubscription.objects.filter(user__is_active=True)
        .exclude(last_sent_at__gt=now - DIGEST_INTERVAL)
        .select_related("user", "workspace")
        .order_by("workspace_id", "pk")
    )
    by_workspace: dict[int, list[DigestSubscription]] = {}
    for subscription in due:
        by_workspace.setdefault(subscription.workspace_id, []).append(subscription)
    sent = 0
    for subscriptions in by_workspace.values():
        workspace = subscriptions[0].workspace
        members = digests.still_members(workspace=workspace, subscriptions=subscriptions)
        if not members:
            continue
        since = min((s.last_sent_at or now - timedelta(days=7)) for s in members)
        digest = digests.compose(workspace=workspace, since=since, now=now)
        for subscription in members:
            digests.send(digest, to=subscription.user)
            DigestSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=now)
            sent += 1
    return sent


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
