"""A member's review calendar as RFC 5545 text (the format is ``lib.ical``'s)."""

from collections.abc import Iterable
from datetime import datetime

from greenroom.cadences.models import Occurrence
from greenroom.lib.ical import document, escape, stamp


def calendar(occurrences: Iterable[Occurrence], *, host: str, now: datetime, url: str = "") -> str:
    """A VCALENDAR with one VEVENT per occurrence (times in UTC)."""
    events = []
    for occurrence in occurrences:
        lines = [
            "BEGIN:VEVENT",
            f"UID:occurrence-{occurrence.pk}@{host}",
            f"DTSTAMP:{stamp(now)}",
            f"DTSTART:{stamp(occurrence.starts_at)}",
            f"DTEND:{stamp(occurrence.ends_at())}",
            f"SUMMARY:{escape(occurrence.cadence.name)}",
            f"DESCRIPTION:{escape(occurrence.cadence.agenda[:2000])}",
        ]
        if url:
            lines.append(f"URL:{url.replace('{pk}', str(occurrence.pk))}")
        events.append([*lines, "END:VEVENT"])
    return document(events, name="Greenroom reviews", product="Cadences")
