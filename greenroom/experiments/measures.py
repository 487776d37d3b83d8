"""What experiments and launches give the rest of the product: the scorecard's measures, the
review pack's section, and experiments as a decision's evidence.

Windows are the 91 days to now (a quarter) and, for the trend, the 91 before.
"""

import re
import statistics
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from greenroom.accounts.models import Workspace
from greenroom.experiments.choices import LaunchStatus, Status
from greenroom.experiments.models import Experiment, Launch
from greenroom.registry import Quantity, Ratio

QUARTER = timedelta(days=91)
# A plan counts as pre-registered when it was frozen at the start with its sample size.
DESIGNED = "per_arm"


def _started(workspace: Workspace, since: datetime, until: datetime):
    return Experiment.objects.for_workspace(workspace).filter(
        started_at__gt=since, started_at__lte=until
    )


def experiments_per_quarter(*, workspace: Workspace, now: datetime | None = None) -> Quantity:
    """Experiments started in the last 91 days, against the 91 days before."""
    now = now or timezone.now()
    counts = _started(workspace, now - 2 * QUARTER, now).aggregate(
        recent=Count("pk", filter=Q(started_at__gt=now - QUARTER)),
        before=Count("pk", filter=Q(started_at__lte=now - QUARTER)),
    )
    recent, before = counts["recent"], counts["before"]
    return Quantity(
        value=recent, unit="experiments", count=recent, previous=before, lower_is_better=False
    )


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def idea_to_running(*, workspace: Workspace, now: datetime | None = None) -> Quantity:
    """Median days from an experiment's registration (the idea written down) to its start,
    over experiments started in the last 91 days; the 91 days before as the trend."""
    now = now or timezone.now()
    rows = _started(workspace, now - 2 * QUARTER, now).values_list("created_at", "started_at")
    recent: list[float] = []
    before: list[float] = []
    for created, started in rows:
        days = max(0.0, (started - created).total_seconds() / 86400)
        (recent if started > now - QUARTER else before).append(days)
    return Quantity(value=_median(recent), unit="days", count=len(recent), previous=_median(before))


def preregistered_share(*, workspace: Workspace, now: datetime | None = None) -> Ratio:
    """Experiments started in the last 91 days whose frozen plan holds a sample size."""
    now = now or timezone.now()
    rows = _started(workspace, now - QUARTER, now).values_list("plan", "plan_frozen_at")
    rows = list(rows)
    designed = sum(1 for plan, frozen in rows if frozen and (plan or {}).get(DESIGNED))
    return Ratio(designed, len(rows))


def launches_on_time(*, workspace: Workspace, now: datetime | None = None) -> Ratio:
    """Launches shipped in the last 91 days on or before their planned date."""
    today = timezone.localdate(now or timezone.now())
    rows = Launch.objects.for_workspace(workspace).filter(
        status=LaunchStatus.LAUNCHED,
        launched_on__gt=today - QUARTER,
        launched_on__lte=today,
    )
    dates = list(rows.values_list("launched_on", "planned_on"))
    return Ratio(sum(1 for launched, planned in dates if launched <= planned), len(dates))


def pack_section(*, workspace: Workspace, since: datetime, until: datetime) -> dict:
    """Experiments decided and launches shipped or due in the period, for a review's pack."""
    decided = (
        Experiment.objects.for_workspace(workspace)
        .filter(status=Status.DECIDED, decided_at__gt=since, decided_at__lte=until)
        .order_by("decided_at", "pk")
    )
    start, end = timezone.localdate(since), timezone.localdate(until)
    launches = Launch.objects.for_workspace(workspace).filter(
        launched_on__gt=start, launched_on__lte=end
    ) | Launch.objects.for_workspace(workspace).filter(
        status=LaunchStatus.PLANNED, planned_on__gt=start, planned_on__lte=end + QUARTER / 3
    )
    return {
        "experiments": [
            {
                "name": e.name,
                "decision": e.get_decision_display(),
                "rationale": e.decision_rationale,
                "url": reverse("experiments:detail", args=[e.pk]),
            }
            for e in decided
        ],
        "launches": [
            {
                "name": launch.name,
                "status": launch.get_status_display(),
                "planned_on": launch.planned_on,
                "launched_on": launch.launched_on,
                "on_time": launch.on_time(),
                "url": reverse("experiments:launch", args=[launch.pk]),
            }
            for launch in launches.order_by("planned_on", "pk")
        ],
    }


REFERENCE = re.compile(r"(?:.*/experiments/)?(\d+)/?$")


def resolve_experiment(*, workspace: Workspace, reference: str) -> tuple[str, str] | None:
    """An experiment named by its number, its page's address or its exact name."""
    rows = Experiment.objects.for_workspace(workspace)
    match = REFERENCE.fullmatch(reference.strip())
    found = rows.filter(pk=int(match.group(1))).first() if match else None
    found = found or rows.filter(name__iexact=reference.strip()).first()
    if found is None:
        return None
    label = f"Experiment: {found.name} ({found.get_status_display().lower()})"
    if found.decision:
        label += f", {found.get_decision_display().lower()}"
    return label, reverse("experiments:detail", args=[found.pk])
