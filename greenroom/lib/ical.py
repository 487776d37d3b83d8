"""iCalendar (RFC 5545) text, built by hand (no dependency for a few dozen lines): CRLF line
ends, TEXT values escaped (3.3.11), lines folded at 75 octets (3.1), times in UTC. The review
calendar (cadences) and the launch calendar (experiments) both write their feeds with it."""

from collections.abc import Iterable
from datetime import UTC, datetime


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


def stamp(moment: datetime) -> str:
    """A DATE-TIME in UTC (``20260105T090000Z``)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def document(events: Iterable[list[str]], *, name: str, product: str) -> str:
    """A VCALENDAR named ``name`` holding ``events`` (each the content lines of one VEVENT,
    BEGIN and END included), folded and CRLF-terminated."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//Greenroom//{product}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for event in events:
        lines += event
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
