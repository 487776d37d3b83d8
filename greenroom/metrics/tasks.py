"""Background work of the metrics app: the refresh, as a job."""

import logging
from datetime import date

from greenroom.accounts.models import Workspace
from greenroom.jobs.registry import job
from greenroom.metrics import services

logger = logging.getLogger(__name__)


@job(name="metrics.refresh", retries=2, retry_delay=60, lock="arguments")
def refresh(*, workspace_id: int, full: bool = False, as_of: str | None = None) -> None:
    """Rebuild a workspace's model and rollup layers from its raw layer (incremental unless
    ``full``), then switch its readers to them."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        logger.warning("Workspace %s no longer exists: nothing to refresh.", workspace_id)
        return
    services.metrics_refresh(
        workspace=workspace,
        full=full,
        as_of=date.fromisoformat(as_of) if as_of else None,
    )
