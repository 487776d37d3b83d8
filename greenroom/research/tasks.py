"""Background work of research: learning the topics of "has this been answered?" again after
an insight or a note is saved, so that the next question finds them ready (answers.py)."""

import logging

from greenroom.accounts.models import Workspace
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import job
from greenroom.research import answers

logger = logging.getLogger(__name__)


@job(name="research.answers_learn", retries=1, lock="arguments")
def answers_learn(*, workspace_id: int) -> str | None:
    """Learn the workspace's "has this been answered?" topics after a change; "skipped" when
    the kept topics were already current (a question learnt them first)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return JobStatus.SKIPPED
    rounds = answers.relearn(workspace)
    logger.info("Learnt the topics %d time(s).", rounds)
    return None if rounds else JobStatus.SKIPPED
