"""The launch calendar as RFC 5545 text: one all-day event per planned or shipped launch,
and one per open checklist item with a due date (the format is ``lib.ical``'s).

The feed's address carries a signed token naming the member and workspace; the feed is
served only while that member still belongs to the workspace.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core import signing

from greenroom.experiments.models import ChecklistItem, Launch
from greenroom.lib.ical import document, escape, stamp

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


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def _event(uid: str, day: date, summary: str, description: str, now: datetime, url: str) -> list:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp(now)}",
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
    events = []
    for launch in launches:
        day = launch.launched_on or launch.planned_on
        summary = f"Launch: {launch.name}"
        if launch.status != "planned":
            summary += f" ({launch.get_status_display().lower()})"
        url = f"{base_url}/experiments/launches/{launch.pk}/" if base_url else ""
        events.append(
            _event(f"launch-{launch.pk}@{host}", day, summary, launch.description, now, url)
        )
    for item in items:
        if item.due_on is None:
            continue
        summary = f"Due: {item.title} ({item.launch.name})"
        url = f"{base_url}/experiments/launches/{item.launch_id}/" if base_url else ""
        owner = f"Owner: {item.owner}" if item.owner else "No owner yet"
        events.append(
            _event(f"launch-item-{item.pk}@{host}", item.due_on, summary, owner, now, url)
        )
    return document(events, name="Greenroom launches", product="Launches")
