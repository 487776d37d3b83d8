"""The launch calendar as RFC 5545 text: one all-day event per planned or shipped launch,
and one per open checklist item with a due date. Built by hand like cadences' review feed
(cadences sits above experiments, so that module cannot be imported): CRLF line ends, TEXT
escaped (3.3.11), lines folded at 75 octets (3.1).

The feed's address carries a signed token naming the member and workspace; the feed is
served only while that member still belongs to the workspace.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.core import signing

from greenroom.experiments.models import ChecklistItem, Launch

SALT = "greenroom.experiments.launch-calendar"


def feed_token(*, workspace_id: int, user_id: int) -> str:
    """The token in a member's calendar address."""
    return signing.dumps({"w": workspace_id, "u": user_id}, salt=SALT, compress=True)


def feed_owner(token: str) -> tuple[int, int] | None:
    """The (workspace id, user id) a token was made for, or None for a forged one."""
    try:
        found = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return int(found["w"]), int(found["u"])


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
    """A content line split into lines of at most 75 octets, never inside a character."""
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


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def _event(uid: str, day: date, summary: str, description: str, now: datetime, url: str) -> list:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{now.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{_day(day)}",
        f"DTEND;VALUE=DATE:{_day(day + timedelta(days=1))}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description[:2000])}",
    ]
    if url:
        lines.append(f"URL:{url}")
    return [*lines, "END:VEVENT"]


def calendar(
    launches: Iterable[Launch],
    items: Iterable[ChecklistItem],
    *,
    host: str,
    now: datetime,
    base_url: str = "",
) -> str:
    """A VCALENDAR of the launches (on their launch day, or planned day) and open items."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Greenroom//Launches//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Greenroom launches",
    ]
    for launch in launches:
        day = launch.launched_on or launch.planned_on
        summary = f"Launch: {launch.name}"
        if launch.status != "planned":
            summary += f" ({launch.get_status_display().lower()})"
        url = f"{base_url}/experiments/launches/{launch.pk}/" if base_url else ""
        lines += _event(f"launch-{launch.pk}@{host}", day, summary, launch.description, now, url)
    for item in items:
        if item.due_on is None:
            continue
        summary = f"Due: {item.title} ({item.launch.name})"
        url = f"{base_url}/experiments/launches/{item.launch_id}/" if base_url else ""
        owner = f"Owner: {item.owner}" if item.owner else "No owner yet"
        lines += _event(f"launch-item-{item.pk}@{host}", item.due_on, summary, owner, now, url)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
