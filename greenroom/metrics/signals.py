"""What metrics tells the apps above it, which it may not import: a refresh was published.

Apps above metrics (strategy recomputes its key results) connect a receiver to ``refreshed``
from their ``AppConfig.ready()``; metrics sends it after each refresh, once readers see it.
"""

import logging
from collections.abc import Callable

from django.dispatch import Signal

from greenroom.accounts.models import Workspace

logger = logging.getLogger(__name__)

# Sent with ``workspace`` once a refresh of it is published.
refreshed = Signal()


def refreshed_notify(*, workspace: Workspace, progress: Callable[[str], None]) -> None:
    """Tell every listener that ``workspace``'s refresh is published. A listener that fails is
    logged and does not fail the refresh: the numbers are already out."""
    for receiver, outcome in refreshed.send_robust(sender=Workspace, workspace=workspace):
        if isinstance(outcome, Exception):
            logger.error(
                "After the refresh of workspace %s, %s failed: %s",
                workspace.pk,
                getattr(receiver, "__qualname__", receiver),
                outcome,
                exc_info=outcome,
            )
            progress(f"  a listener of the refresh failed: {outcome}")
