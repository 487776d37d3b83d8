"""Whether a source's data is as fresh as its schedule promises.

A source is late when its last committed sync is older than its schedule's longest gap
between two syncs plus a grace (a quarter of that gap, at least 15 minutes, for the sync's own
run time). A source with no schedule is synced by hand and is never late; one never synced
is "never"; one whose last sync failed or was rejected is "failing" whatever its age.
"""

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.core.exceptions import ValidationError
from huey import crontab

from greenroom.sources.schedule import schedule_parse

MIN_GRACE = timedelta(minutes=15)
# A cron line's longest gap is found by walking a week (and a day, to see the week wrap).
_CRON_SCAN = timedelta(days=8)


@dataclass(frozen=True)
class Freshness:
    """A source's freshness: its state, its age and what its schedule allows."""

    state: str  # fresh, late, manual, never, failing, invalid
    age: timedelta | None
    allowed: timedelta | None

    @property
    def tone(self) -> str:
        return {"fresh": "ok", "manual": "muted", "never": "muted", "late": "warn"}.get(
            self.state, "bad"
        )


@lru_cache(maxsize=256)
def longest_gap(schedule: str) -> timedelta | None:
    """The longest time between two syncs the schedule starts (None: synced by hand)."""
    parsed = schedule_parse(schedule)
    if parsed.interval is not None:
        return parsed.interval
    if parsed.cron_fields is None:
        return None
    due = crontab(*parsed.cron_fields)
    at = datetime(2025, 1, 6)  # a Monday; any week shows a weekly pattern
    fired: list[datetime] = []
    minute = timedelta(minutes=1)
    while at < datetime(2025, 1, 6) + _CRON_SCAN:
        if due(at):
            fired.append(at)
        at += minute
    if len(fired) < 2:
        return timedelta(days=31)  # monthly or rarer: a month is the most a scan can tell
    return max(b - a for a, b in itertools.pairwise(fired))


def freshness(
    *, schedule: str, last_synced_at: datetime | None, last_run_failed: bool, now: datetime
) -> Freshness:
    """The source's state at ``now``; see the module's docstring."""
    try:
        allowed = longest_gap(schedule)
    except ValidationError:
        return Freshness("invalid", None, None)
    age = now - last_synced_at if last_synced_at else None
    if last_run_failed:
        return Freshness("failing", age, allowed)
    if last_synced_at is None:
        return Freshness("never", None, allowed)
    if allowed is None:
        return Freshness("manual", age, None)
    limit = allowed + max(allowed / 4, MIN_GRACE)
    assert age is not None
    return Freshness("late" if age > limit else "fresh", age, limit)
