"""Background work of feedback: importing large exports, building themes and learning
suggestions (the text engine)."""

import logging

from greenroom.accounts.models import Workspace
from greenroom.feedback import importing, suggestions
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


@job(name="feedback.themes_rebuild", retries=1, lock="arguments")
def themes_rebuild(*, workspace_id: int) -> None:
    """Cluster the workspace's feedback into themes again (replacing the old ones)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return
    count = suggestions.themes_rebuild(workspace=workspace)
    logger.info("%d themes.", count)


@job(name="feedback.suggesters_fit", retries=1, lock="arguments")
def suggesters_fit(*, workspace_id: int) -> None:
    """Learn tag and opportunity suggestions from triaged feedback; suggest for untriaged."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return
    result = suggestions.suggesters_fit(workspace=workspace)
    logger.info("Learnt from %(examples)d items; %(suggestions)d suggestions made.", result)
