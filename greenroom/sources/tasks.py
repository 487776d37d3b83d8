"""Background syncs: one job per source sync, and a scheduler job that starts due ones."""

import logging

from django.utils import timezone
from huey import crontab

from greenroom.accounts.models import User
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import enqueue, job
from greenroom.metrics.tasks import refresh
from greenroom.sources import selectors, services
from greenroom.sources.choices import Trigger
from greenroom.sources.models import Source

logger = logging.getLogger(__name__)


@job(name="sources.sync", retries=2, retry_delay=120, lock="arguments")
def sync_source(
    *,
    workspace_id: int,
    source_id: int,
    trigger: str = Trigger.SCHEDULE,
    actor_id: int | None = None,
) -> str | None:
    """Load what is new in one source (a failed attempt is retried twice); the job run is
    recorded with the sync's outcome (the statuses share their values)."""
    source = Source.objects.for_workspace(workspace_id).filter(pk=source_id).first()
    if source is None:
        logger.warning("Source %s no longer exists; nothing to sync.", source_id)
        return JobStatus.SKIPPED
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    run = services.source_sync(source=source, trigger=trigger, actor=actor)
    logger.info("Synced %s: %s", source.name, run.message)
    if run.rows_loaded:
        # Dashboards stay fresh without anyone running a refresh: an incremental refresh
        # costs work proportional to what this sync loaded.
        enqueue(refresh, workspace_id=workspace_id)
    return run.status


@job(name="sources.sync_due", retries=0, periodic=crontab(minute="*"))
def sync_due_sources() -> str | None:
    """Every minute: queue a sync of each enabled source whose schedule is due ("skipped"
    when none is, so the jobs list can leave the no-op out)."""
    now = timezone.now()
    due = selectors.sources_due(now=now)
    if not due:
        return JobStatus.SKIPPED
    for source in due:
        # Marked now, so the next minute's check does not queue it again while it waits.
        Source.objects.filter(pk=source.pk).update(last_sync_started_at=now)
        enqueue(sync_source, workspace_id=source.workspace_id, source_id=source.pk)
        logger.info("Queued a scheduled sync of %s.", source.name)
    return None
