"""Targets for headline figures: the seam the strategy app fills.

Key results tied to metrics (the strategy capability, issue 11 and the strategy issue) will
give a target per metric, slice and month. Until that app exists, no figure has a target and
the dashboards show none. When it lands (strategy sits below dashboards in the dependency
map), ``target_for`` reads ``greenroom.strategy.selectors`` here; nothing else changes.
"""

from datetime import date

from greenroom.accounts.models import Workspace


def target_for(
    *, workspace: Workspace, metric: str, where: dict[str, list[str]], month: date | None
) -> float | None:
    """The target set for ``metric`` in this slice and month, or None (none set yet)."""
    return None
