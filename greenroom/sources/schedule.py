"""Sync schedules: an interval ("15m", "6h", "1d") or a five-field cron line ("0 3 * * *").

The scheduler job runs every minute and asks each enabled source whether it is due.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from huey import crontab

_INTERVAL = re.compile(r"^(\d+)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
HELP = (
    'Empty for manual syncs, an interval such as "15m", "6h" or "1d", or a cron line "0 3 * * *".'
)


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; ``is_due`` decides whether a sync should start at ``now``."""

    text: str
    interval: timedelta | None = None
    cron_fields: tuple[str, ...] | None = None

    def is_due(self, now: datetime, last_started: datetime | None) -> bool:
        if self.interval is not None:
            return last_started is None or now - last_started >= self.interval
        if self.cron_fields is not None:
            minute = now.replace(second=0, microsecond=0)
            already = last_started is not None and last_started >= minute
            return not already and crontab(*self.cron_fields)(now)
        return False


def schedule_parse(text: str) -> Schedule:
    """A Schedule from its text, or a ValidationError that shows the accepted forms."""
    text = (text or "").strip()
    if not text:
        return Schedule(text="")
    interval = _INTERVAL.match(text)
    if interval:
        amount = int(interval.group(1))
        if amount == 0:
            raise ValidationError({"schedule": "An interval must be at least 1."})
        return Schedule(text=text, interval=timedelta(**{_UNITS[interval.group(2)]: amount}))
    fields = tuple(text.split())
    if len(fields) != 5:
        raise ValidationError({"schedule": f"{text!r} is not a schedule. {HELP}"})
    try:
        crontab(*fields)
    except ValueError as error:
        raise ValidationError({"schedule": f"{text!r} is not a valid cron line: {error}"}) from None
    return Schedule(text=text, cron_fields=fields)
