"""Formatting metric values for pages: money, percentages."""

from django import template

register = template.Library()


@register.filter
def money(value: float | None) -> str:
    """1234.5 → '1,234.50' (the reporting currency is named on the page)."""
    if value in (None, ""):
        return "—"
    return f"{value:,.2f}"


@register.filter
def percent(value: float | None) -> str:
    """0.9876 → '98.8 %' ('—' when there is no value, e.g. no base to retain)."""
    if value is None or value == "":
        return "—"
    return f"{100 * value:.1f} %"


@register.filter
def times12(value: float | None) -> float | None:
    """MRR → ARR."""
    return None if value is None else value * 12
