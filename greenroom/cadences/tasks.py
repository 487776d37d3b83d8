"""Background work of cadences: occurrences kept generated ahead, and reminder emails."""

from django.utils import timezone
from huey import crontab

from greenroom import registry
from greenroom.accounts.models import Workspace
from greenroom.cadences import onboarding, reminders, scorecard, services
from greenroom.cadences.models import Cadence
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import job


@job(name="cadences.send_reminders", retries=2, periodic=crontab(minute="*/15"))
def send_reminders() -> str | None:
    """Every 15 minutes: remind attendees a day before a review, owners of overdue actions,
    new PMs of onboarding steps coming due or overdue, each once, and invite the product team
    to this month's pulse ("skipped" when there was nothing to send)."""
    now = timezone.now()
    sent = services.reminders_send(now=now)
    steps = reminders.onboarding_send(now=now)
    pulse = reminders.pulse_send(now=now)
    if not any(sent.values()) and not any(steps.values()) and not pulse:
        return JobStatus.SKIPPED
    return (
        f"{sent['reviews']} review reminders, {sent['overdue']} overdue-action reminders, "
        f"{steps['due']} onboarding-due and {steps['overdue']} onboarding-overdue reminders, "
        f"{pulse} pulse invitations"
    )


@job(name="cadences.generate_occurrences", retries=2, periodic=crontab(minute="7", hour="3"))
def generate_occurrences() -> str | None:
    """Daily: keep each cadence's next occurrences generated."""
    now = timezone.now()
    created = sum(
        services.occurrences_generate(cadence=cadence, now=now) for cadence in Cadence.objects.all()
    )
    return f"{created} occurrences created" if created else JobStatus.SKIPPED


@job(
    name="cadences.snapshot_scorecard",
    retries=2,
    periodic=crontab(minute="20", hour="2", day_of_week="1"),
)
def snapshot_scorecard() -> str | None:
    """Weekly: keep each workspace's scorecard values, for the trend the scorecard draws."""
    measures = registry.entries(registry.Measure)
    today = timezone.localdate()
    taken = sum(
        scorecard.snapshot_take(workspace=workspace, measures=measures, on=today)
        for workspace in Workspace.objects.all()
    )
    return f"{taken} measures kept" if taken else JobStatus.SKIPPED


@job(name="cadences.sync_onboarding", retries=2, periodic=crontab(minute="40", hour="3"))
def sync_onboarding() -> str | None:
    """Daily: complete first-roadmap onboarding steps whose member has made their roadmap
    (when an app registers the first-roadmap milestone)."""
    if onboarding.milestone() is None:
        return JobStatus.SKIPPED
    done = sum(onboarding.milestones_sync(workspace=w) for w in Workspace.objects.all())
    return f"{done} steps completed" if done else JobStatus.SKIPPED
