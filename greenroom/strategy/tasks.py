"""Background work of strategy: the quarterly roadmap snapshot of every workspace, and the
hourly sync of Jira connections (items' delivery progress from their epics' issues)."""

import logging

from django.core.exceptions import ValidationError
from huey import crontab

from greenroom.accounts.models import User, Workspace
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import job
from greenroom.lib.imports.report import ImportRejected
from greenroom.strategy import jira, services
from greenroom.strategy.models import JiraConnection

logger = logging.getLogger(__name__)


@job(
    name="strategy.roadmap_snapshots",
    retries=2,
    periodic=crontab(month="1,4,7,10", day="1", hour="4", minute="11"),
)
def roadmap_snapshots() -> str:
    """On the first day of each quarter: freeze every workspace's roadmaps."""
    workspaces = list(Workspace.objects.all())
    for workspace in workspaces:
        services.roadmap_snapshot_take(actor=None, workspace=workspace)
    return f"{len(workspaces)} roadmap snapshots taken"


@job(name="strategy.jira_sync", retries=1, periodic=crontab(minute="17"))
def jira_sync(
    workspace_id: int | None = None, connection_id: int | None = None, actor_id: int | None = None
) -> str:
    """Every hour: each Jira connection's epics and delivery progress; a connection that
    fails (Jira down, a response missing fields) keeps its items as they were and its
    status and report say why, and the others still sync. With ``connection_id`` (the
    connections page's "Sync now"): that connection alone, the run ending as its sync did."""
    if connection_id is not None:
        return _sync_one(workspace_id, connection_id, actor_id)
    synced, failed = 0, []
    for connection in JiraConnection.objects.select_related("workspace", "team"):
        try:
            jira.connection_sync(actor=None, connection=connection)
        except ValidationError as error:
            logger.warning("Jira sync of %s failed: %s", connection, error.messages[:3])
            failed.append(connection.name)
        else:
            synced += 1
    return f"{synced} Jira connections synced" + (
        f", failed: {', '.join(failed)}" if failed else ""
    )


def _sync_one(workspace_id: int | None, connection_id: int, actor_id: int | None) -> str:
    """A rejected answer is the run's outcome; any other failure raises, so the run is
    failed (and tried once more: Jira may have been briefly down)."""
    if workspace_id is None:
        raise ValueError("A connection is synced within its workspace: pass workspace_id.")
    found = JiraConnection.objects.for_workspace(workspace_id).select_related("workspace", "team")
    connection = found.filter(pk=connection_id).first()
    if connection is None:  # removed since "Sync now" was pressed
        return JobStatus.SKIPPED
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        jira.connection_sync(actor=actor, connection=connection)
    except ImportRejected:
        return JobStatus.REJECTED
    return JobStatus.SUCCEEDED
