"""Numbers as people read them: $11.7M, 1,234, 98.8 %, +4.2 %.

Plain functions (the template filters in ``templatetags/dashboard_format.py`` call them), so
charts' tooltips, exports and tests share one rule. Every function answers '—' for a missing
value rather than guessing a zero.
"""

import math
from decimal import ROUND_HALF_UP, Decimal

DASH = "—"
MINUS = "\u2212"  # the minus sign, as wide as the plus: columns of changes line up
_SUFFIXES = tuple(
    (Decimal(10) ** power, suffix) for power, suffix in ((3, "K"), (6, "M"), (9, "B"), (12, "T"))
)
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}


def _missing(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def currency_symbol(currency: str) -> str:
    """'USD' → '$'; a currency without a common symbol is written before the number."""
    code = (currency or "").upper()
    return _SYMBOLS.get(code, f"{code} " if code else "")


def compact(value: float | None) -> str:
    """11_713_522.70 → '11.7M'; 999_950 → '1.0M' (rounding carries into the next unit);
    950 → '950'; negatives keep their sign. Rounds half up on the decimal digits shown, so
    a figure never reads differently from its exact value rounded by hand."""
    if _missing(value):
        return DASH
    number = Decimal(str(value))
    sign = "-" if number < 0 else ""
    size = abs(number)
    if size < Decimal("999.5"):
        whole = size.quantize(Decimal(1), ROUND_HALF_UP)
        return f"{sign}{whole:,}" if whole else "0"
    for threshold, suffix in _SUFFIXES:
        scaled = (size / threshold).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if scaled < 1000 or suffix == _SUFFIXES[-1][1]:
            return f"{sign}{scaled:,}{suffix}"
    raise AssertionError("unreachable")


def compact_money(value: float | None, currency: str = "USD") -> str:
    """11_713_522.70 → '$11.7M'; -2_500 → '-$2.5K'."""
    if _missing(value):
        return DASH
    text = compact(value)
    symbol = currency_symbol(currency)
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"


def exact_money(value: float | None, currency: str = "USD") -> str:
    """11_713_522.7 → '$11,713,522.70' (the figure shown on hover)."""
    if _missing(value):
        return DASH
    number = float(value)  # type: ignore[arg-type]
    symbol = currency_symbol(currency)
    text = f"{abs(number):,.2f}"
    return f"-{symbol}{text}" if number < 0 else f"{symbol}{text}"


def integer(value: float | None) -> str:
    """12345.4 → '12,345'."""
    if _missing(value):
        return DASH
    return f"{round(float(value)):,}"  # type: ignore[arg-type]


def decimal(value: float | None, places: int = 1) -> str:
    """12.345 → '12.3' with thousands separators."""
    if _missing(value):
        return DASH
    return f"{float(value):,.{places}f}"  # type: ignore[arg-type]


def percent(value: float | None) -> str:
    """A ratio as a percentage with one decimal: 0.98765 → '98.8 %', 12.5 → '1,250.0 %'."""
    if _missing(value):
        return DASH
    return f"{100 * float(value):,.1f} %"  # type: ignore[arg-type]


def change(value: float | None) -> str:
    """A relative change with its sign: 0.0421 → '+4.2 %', -0.1 → '\\u221210.0 %' (a
    typographic minus), 0 → '0.0 %', 32.722 → '+3,272.2 %'."""
    if _missing(value):
        return DASH
    shown = round(100 * float(value), 1)  # type: ignore[arg-type]
    if shown == 0:
        return "0.0 %"
    return f"+{shown:,.1f} %" if shown > 0 else f"{MINUS}{abs(shown):,.1f} %"


def points(value: float | None) -> str:
    """A difference of two ratios in percentage points: 0.012 → '+1.2 pts'."""
    if _missing(value):
        return DASH
    shown = round(100 * float(value), 1)  # type: ignore[arg-type]
    if shown == 0:
        return "0.0 pts"
    return f"+{shown:,.1f} pts" if shown > 0 else f"{MINUS}{abs(shown):,.1f} pts"


def figure(value: float | None, unit: str, currency: str = "USD") -> tuple[str, str]:
    """A metric value as (shown, exact on hover) for its unit: currency, count or ratio."""
    if unit == "currency":
        return compact_money(value, currency), exact_money(value, currency)
    if unit == "ratio":
        return percent(value), DASH if _missing(value) else f"{100 * float(value):.4f} %"  # type: ignore[arg-type]
    if unit == "fte":
        return decimal(value), decimal(value, 2)
    return integer(value), DASH if _missing(value) else f"{float(value):,}"  # type: ignore[arg-type]
