"""Background work of cadences: occurrences kept generated ahead, and reminder emails."""

from django.utils import timezone
from huey import crontab

from greenroom.cadences import services
from greenroom.cadences.models import Cadence
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import job


@job(name="cadences.send_reminders", retries=2, periodic=crontab(minute="*/15"))
def send_reminders() -> str | None:
    """Every 15 minutes: remind attendees a day before a review, and owners of overdue
    actions once ("skipped" when there was nothing to send)."""
    sent = services.reminders_send(now=timezone.now())
    if not any(sent.values()):
        return JobStatus.SKIPPED
    return f"{sent['reviews']} review reminders, {sent['overdue']} overdue-action reminders"


@job(name="cadences.generate_occurrences", retries=2, periodic=crontab(minute="7", hour="3"))
def generate_occurrences() -> str | None:
    """Daily: keep each cadence's next occurrences generated."""
    now = timezone.now()
    created = sum(
        services.occurrences_generate(cadence=cadence, now=now) for cadence in Cadence.objects.all()
    )
    return f"{created} occurrences created" if created else JobStatus.SKIPPED
