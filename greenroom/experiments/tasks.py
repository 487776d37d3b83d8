"""Background work of experiments: reminders for launch checklist items coming due."""

from django.utils import timezone
from huey import crontab

from greenroom.experiments import launches
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import job


@job(name="experiments.send_launch_reminders", retries=2, periodic=crontab(minute="20", hour="*"))
def send_launch_reminders() -> str | None:
    """Hourly: email the owner of each open checklist item due within two days, once."""
    sent = launches.reminders_send(now=timezone.now())
    return f"{sent} checklist reminders" if sent else JobStatus.SKIPPED
