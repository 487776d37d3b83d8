"""The jobs app's own periodic job: keep the run history small and truthful."""

import logging
from datetime import timedelta

from huey import crontab

from greenroom.jobs import services
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import job

logger = logging.getLogger(__name__)

KEEP_RUNS_FOR = timedelta(days=90)
# Longer than any job should take; a run still "running" after this lost its worker.
STALE_AFTER = timedelta(hours=24)


@job(name="jobs.housekeeping", retries=2, retry_delay=300, periodic=crontab(minute="17", hour="3"))
def housekeeping() -> str | None:
    """Delete runs older than 90 days and fail runs whose worker disappeared (daily, 03:17 UTC);
    "skipped" when there was nothing to do."""
    pruned = services.job_run_prune(older_than=KEEP_RUNS_FOR)
    expired = services.job_run_expire_stale(running_longer_than=STALE_AFTER)
    logger.info("Pruned %d job runs older than %d days.", pruned, KEEP_RUNS_FOR.days)
    if expired:
        logger.warning("Marked %d runs as failed: no result after %s.", expired, STALE_AFTER)
    return JobStatus.SKIPPED if not (pruned or expired) else None
