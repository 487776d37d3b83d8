"""Background work of strategy: the quarterly roadmap snapshot of every workspace."""

from huey import crontab

from greenroom.accounts.models import Workspace
from greenroom.jobs.registry import job
from greenroom.strategy import services


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
