"""Filters of the strategy pages: shares as percentages and statuses as badges; the
portfolio's table rows."""

from collections.abc import Callable

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


# A number no key is equal to, reversed once to learn a URL's shape around the key.
_KEY = 9_876_543_210


def _url_maker(name: str) -> Callable[[int], str]:
    before, after = reverse(name, args=[_KEY]).split(str(_KEY))
    return lambda pk: f"{before}{pk}{after}"


@register.simple_tag
def portfolio_rows(items: list, warnings: dict[int, list[str]]) -> SafeString:
    """The portfolio table's rows (``selectors.PortfolioItem``), written here rather than by
    a loop in the template: 600 rows of a dozen lookups and two URL reversals each took a
    third of a second in the template engine, and take milliseconds this way."""
    item_url = _url_maker("strategy:roadmap_item")
    key_result_url = _url_maker("strategy:key_result")
    rows = []
    for item in items:
        kr = item.key_result
        first = f'<a href="{item_url(item.pk)}">{escape(item.title)}</a>'
        if kr:
            status = (
                f'<span class="badge {badge(kr.status)}">{escape(status_label(kr.status))}</span>'
            )
            first += f'<div class="small phone-only">{escape(kr.title)} {status}</div>'
            goal = f'<a href="{key_result_url(kr.pk)}">{escape(kr.title)}</a>'
            progress = f'{status} <span class="small muted">{pct(kr.progress)}</span>'
        else:
            goal = f'<span class="muted">{escape(item.goal or "No goal linked")}</span>'
            progress = "—"
        for warning in warnings.get(item.pk, ()):
            first += f'<div class="small warning">⚠ {escape(warning)}</div>'
        rows.append(
            "\n      <tr>\n"
            f"        <td>{first}</td>\n"
            f"        <td>{escape(item.team)}</td>\n"
            f"        <td>{escape(item.column)}</td>\n"
            f'        <td class="wide-only">{goal}</td>\n'
            f'        <td class="nowrap wide-only">{progress}</td>\n'
            "      </tr>"
        )
    return mark_safe("".join(rows))  # every value above is escaped
