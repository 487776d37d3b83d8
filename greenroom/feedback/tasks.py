"""Background work of feedback: importing large exports."""

import logging

from greenroom.feedback import importing
from greenroom.feedback.models import FeedbackImport
from greenroom.jobs.registry import job

logger = logging.getLogger(__name__)


@job(name="feedback.import_file", retries=0, lock="arguments")
def import_file(*, workspace_id: int, run_id: int) -> None:
    """Import one uploaded export over 1 MB."""
    run = (
        FeedbackImport.objects.for_workspace(workspace_id)
        .filter(pk=run_id)
        .select_related("workspace", "created_by")
        .first()
    )
    if run is None:
        logger.warning("Feedback import %s no longer exists; nothing to do.", run_id)
        return
    importing.import_run_execute(run=run)
