"""Background work of strategy: the quarterly roadmap snapshot of every workspace, and the
hourly sync of Jira connections (items' delivery progress from their epics' issues)."""

import logging

from django.core.exceptions import ValidationError
from huey import crontab

from greenroom.accounts.models import Workspace
from greenroom.jobs.registry import job
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
def jira_sync() -> str:
    """Every hour: each Jira connection's epics and delivery progress; a connection that
    fails (Jira down, a response missing fields) keeps its items as they were and its
    report says why, and the others still sync."""
    synced, failed = 0, []
    for connection in JiraConnection.objects.select_related("workspace", "team"):
        try:
            jira.connection_sync(actor=None, connection=connection)
        except ValidationError as error:
            logger.warning("Jira sync of %s failed: %s", connection, error.messages[:3])
            JiraConnection.objects.filter(pk=connection.pk).update(
                last_report={"summary": "Sync failed", "lines": error.messages[:50]}
            )
            failed.append(connection.name)
        else:
            synced += 1
    return f"{synced} Jira connections synced" + (
        f", failed: {', '.join(failed)}" if failed else ""
    )
