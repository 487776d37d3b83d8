"""Filters of the strategy pages: shares as percentages and statuses as badges."""

from django import template

from greenroom.strategy.choices import Status

register = template.Library()

_BADGES = {
    Status.ON_TRACK: "badge-ok",
    Status.AT_RISK: "badge-warn",
    Status.OFF_TRACK: "badge-bad",
}


@register.filter
def pct(share: float | None) -> str:
    """0.425 → ``43 %``; nothing → ``—``."""
    return "—" if share is None else f"{share * 100:.0f} %"


@register.filter
def badge(status: str) -> str:
    """The badge class for a status."""
    return _BADGES.get(status, "badge-muted")  # type: ignore[call-overload]


@register.filter
def message_class(status: str) -> str:
    """The flash-message look for a status: green, amber or red."""
    if status == Status.ON_TRACK:
        return "message"
    return "message error" if status == Status.OFF_TRACK else "message warning"


@register.filter
def status_label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return status


@register.filter
def bar_width(share: float | None) -> int:
    """A progress share as a bar width out of 100, capped to the bar."""
    return 0 if share is None else max(0, min(100, round(share * 100)))


@register.filter
def num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


@register.filter
def get(mapping: dict, key):
    """``mapping[key]`` in a template; nothing when absent."""
    return mapping.get(key) if mapping else None
