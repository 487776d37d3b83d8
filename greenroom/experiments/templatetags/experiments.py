"""Filters for showing effects: a lift as a signed percentage, a probability or risk as one."""

from django import template

register = template.Library()
MINUS = "\u2212"


@register.filter
def percent(value: float | None, signed: bool = True) -> str:
    """0.2487 -> "+24.9 %" (a relative lift); None -> "—"."""
    if value is None:
        return "—"
    text = f"{value * 100:+.1f} %" if signed else f"{value * 100:.1f} %"
    return text.replace("-", MINUS)


@register.filter
def small_percent(value: float | None) -> str:
    """An expected loss as a percentage with two decimals: 0.00012 -> "0.01 %"."""
    return "—" if value is None else f"{value * 100:.2f} %"
