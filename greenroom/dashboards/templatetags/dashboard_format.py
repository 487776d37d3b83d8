"""Template filters for dashboard figures (rules in greenroom/dashboards/formatting.py)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from greenroom.dashboards import formatting
from greenroom.dashboards.assets import DOWNLOADS

register = template.Library()

register.filter("compact", formatting.compact)
register.filter("compact_money", formatting.compact_money)
register.filter("exact_money", formatting.exact_money)
register.filter("integer", formatting.integer)
register.filter("decimal", formatting.decimal)
register.filter("pct", formatting.percent)
register.filter("change", formatting.change)
register.filter("points", formatting.points)


@register.simple_tag
def figure(value: float | None, unit: str, currency: str = "USD") -> SafeString:
    """The compact figure with the exact one on hover:
    <span title="$11,713,522.70">$11.7M</span>."""
    shown, exact = formatting.figure(value, unit, currency)
    return format_html('<span class="figure" title="{}">{}</span>', exact, shown)


@register.simple_tag
def chart_downloads(view: str, *args: object, query: str = "") -> SafeString:
    """A chart's download links: ``view`` (its download URL's name) takes ``args``, then the
    format; ``query``, the page's filters, goes along."""
    suffix = f"?{query}" if query else ""
    links = format_html_join(
        " ",
        '<a href="{}{}">{}</a>',
        ((reverse(view, args=[*args, fmt]), suffix, label) for fmt, label in DOWNLOADS.items()),
    )
    return format_html('<span class="muted">Download</span> {}', links)


@register.filter
def trend_class(value: float | None, better: str = "up") -> str:
    """'good', 'bad' or 'flat' for styling a change, by which way is better for the figure
    (churn falling is good); the signed text says the direction, colour only adds to it."""
    if value is None or abs(value) <= 0.0005:
        return "flat"
    rising = value > 0
    return "good" if rising == (better != "down") else "bad"


@register.filter
def words(name: str) -> str:
    """A column name for people: 'starting_accounts' → 'Starting accounts'."""
    return str(name).replace("_", " ").capitalize()
