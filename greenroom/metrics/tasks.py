"""Background work of the metrics app: the refresh, as a job."""

import logging
from datetime import date

from greenroom.jobs.registry import job
from greenroom.metrics import services

logger = logging.getLogger(__name__)


@job(name="metrics.refresh", retries=2, retry_delay=60)
def refresh(*, full: bool = False, as_of: str | None = None) -> None:
    """Rebuild the model and rollup layers from the raw layer (incremental unless ``full``)."""
    workspace = services.analytics_workspace()
    if workspace is None:
        logger.warning("No workspace yet: nothing to refresh metrics for.")
        return
    services.metrics_refresh(
        workspace=workspace,
        full=full,
        as_of=date.fromisoformat(as_of) if as_of else None,
    )
