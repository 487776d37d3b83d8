"""What jobs adds to the shell: the run history in settings (for those who may see it) and
how reliably syncs and refreshes run, on the scorecard."""

from datetime import timedelta

from django.utils import timezone

from greenroom import registry
from greenroom.accounts.models import Workspace
from greenroom.jobs.selectors import run_outcomes_since
from greenroom.registry import Measure, NavEntry, Ratio


def _succeeding(*, workspace: Workspace) -> Ratio:
    since = timezone.now() - timedelta(days=7)
    outcomes = run_outcomes_since(since=since, workspace=workspace)
    return Ratio(outcomes.succeeded, outcomes.finished)


registry.register(
    NavEntry("settings", "Background jobs", "jobs:run_list", weight=30, ability="view_jobs"),
    Measure(
        key="jobs-succeeding",
        title="Background jobs succeeding (7 days)",
        explanation="Syncs and refreshes that finished without error; a sync that was "
        "rejected or only partly loaded is not a success.",
        weight=300,
        compute=_succeeding,
    ),
)
