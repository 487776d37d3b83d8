"""A member's review calendar as RFC 5545 text, built by hand (no dependency for ~40 lines):
CRLF line ends, TEXT values escaped (3.3.11), lines folded at 75 octets (3.1), UTC times."""

from collections.abc import Iterable
from datetime import UTC, datetime

from greenroom.cadences.models import Occurrence


def escape(text: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, newlines as ``\\n``."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, continued with a space, never
    inside a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        limit = 75 if not out else 74  # continuation lines start with a space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(occurrences: Iterable[Occurrence], *, host: str, now: datetime, url: str = "") -> str:
    """A VCALENDAR with one VEVENT per occurrence (times in UTC)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Greenroom//Cadences//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Greenroom reviews",
    ]
    for occurrence in occurrences:
        lines += [
            "BEGIN:VEVENT",
            f"UID:occurrence-{occurrence.pk}@{host}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(occurrence.starts_at)}",
            f"DTEND:{_stamp(occurrence.ends_at())}",
            f"SUMMARY:{escape(occurrence.cadence.name)}",
            f"DESCRIPTION:{escape(occurrence.cadence.agenda[:2000])}",
        ]
        if url:
            lines.append(f"URL:{url.replace('{pk}', str(occurrence.pk))}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
