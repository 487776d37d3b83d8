"""Recurrence rules: RFC 5545 RRULEs read by python-dateutil, refused when they never occur
or occur more often than daily (docs/cadences.md, "Recurrence rules")."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from dateutil.rrule import DAILY, rrulestr
from django.core.exceptions import ValidationError

# rrule's FREQ constants run YEARLY=0 ... DAILY=3, HOURLY=4, MINUTELY=5, SECONDLY=6.
_MOST_FREQUENT = DAILY
# How far ahead a rule is searched for its first occurrence before it is called empty.
_HORIZON_YEARS = 5


def rule_parse(rule: str, *, starts_at: datetime):
    """The rrule for ``rule`` from ``starts_at``; a ValidationError says what is wrong."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        raise ValidationError("Give a recurrence rule, e.g. FREQ=MONTHLY;BYDAY=1TU.")
    if "DTSTART" in text.upper():
        raise ValidationError("Give the first date in its own field, not as DTSTART in the rule.")
    start = starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=UTC)
    try:
        parsed = rrulestr(text, dtstart=start, forceset=False)
    except (ValueError, TypeError) as error:
        raise ValidationError(f"'{rule}' is not an RFC 5545 recurrence rule: {error}.") from None
    if not hasattr(parsed, "_freq"):
        raise ValidationError("Give one RRULE, not a set of rules.")
    if parsed._freq > _MOST_FREQUENT:
        raise ValidationError(
            f"'{rule}' occurs more often than daily; reviews recur daily at most."
        )
    first = parsed.after(start - timedelta(seconds=1), inc=True)
    if first is not None and _twice_a_day(parsed, first):
        raise ValidationError(
            f"'{rule}' occurs more often than daily (several times a day); reviews recur daily "
            "at most."
        )
    if first is None or first > start.replace(year=start.year + _HORIZON_YEARS):
        raise ValidationError(
            f"'{rule}' never occurs from {start:%Y-%m-%d} (within {_HORIZON_YEARS} years)."
        )
    return parsed


def _twice_a_day(parsed, first: datetime) -> bool:
    # FREQ=DAILY;BYHOUR=9,17 is daily by its FREQ but meets twice a day: look at the gaps
    # between the first 60 occurrences (xafter walks the rule once, not once per step).
    moments = list(parsed.xafter(first, count=60, inc=True))
    return any(later - earlier < timedelta(days=1) for earlier, later in pairwise(moments))


def occurrences(rule: str, *, starts_at: datetime, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` starts of the rule at or after ``after``."""
    parsed = rule_parse(rule, starts_at=starts_at)
    return list(parsed.xafter(after, count=count, inc=True))


def between(rule: str, *, starts_at: datetime, since: datetime, until: datetime) -> list[datetime]:
    """The starts of the rule from ``since`` up to (not including) ``until``."""
    parsed = rule_parse(rule, starts_at=starts_at)
    return [moment for moment in parsed.between(since, until, inc=True) if moment < until]
