"""Background work of the customer database: large imports, and recovering interrupted ones."""

import logging

from huey import crontab

from greenroom.customers import services
from greenroom.customers.models import ImportRun
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import job

logger = logging.getLogger(__name__)


# No retries by the queue: a failed import is undone and reported; an interrupted one is
# undone and queued again by recover_imports.
@job(name="customers.import_file", retries=0, lock="arguments")
def import_file(*, workspace_id: int, run_id: int) -> None:
    """Check and save one uploaded file (queued when its column mapping is confirmed)."""
    run = (
        ImportRun.objects.for_workspace(workspace_id)
        .filter(pk=run_id)
        .select_related("workspace", "created_by")
        .first()
    )
    if run is None:
        logger.warning("Import %s no longer exists; nothing to do.", run_id)
        return
    report = services.import_execute(run=run)
    if report is not None:
        logger.info("%s", report.summary())


@job(name="customers.recover_imports", retries=0, periodic=crontab(minute="*/5"))
def recover_imports() -> str | None:
    """Every 5 minutes: undo what interrupted imports saved and queue them again ("skipped"
    when there were none, so the jobs list can leave the no-op out)."""
    recovered = services.import_recover()
    if not recovered:
        return JobStatus.SKIPPED
    logger.warning("Recovered %d interrupted imports.", recovered)
    return None
