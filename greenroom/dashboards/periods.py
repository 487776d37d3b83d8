"""The period a dashboard shows, as written in its URL (``?period=12m``).

    12m, 6m, 3m, 24m   the months to the data's as-of month (the default: 12m)
    ytd                January of the as-of year to the as-of month
    2025               a calendar year
    2025Q4             a calendar quarter

A dashboard's headline figures are the last *complete* month of the period (a month still
running at the as-of date is "to date"), compared with the same month one period earlier.
"""

import re
from dataclasses import dataclass
from datetime import date

DEFAULT = "12m"
CHOICES = [
    ("3m", "Last 3 months"),
    ("6m", "Last 6 months"),
    ("12m", "Last 12 months"),
    ("24m", "Last 24 months"),
    ("ytd", "Year to date"),
]
_PATTERN = re.compile(
    r"^(?:(?P<months>3|6|12|24)m|(?P<ytd>ytd)|(?P<year>\d{4})(?:q(?P<quarter>[1-4]))?)$"
)


class PeriodError(ValueError):
    """A period the URL names that cannot be read; the message says what can."""


def month_add(month: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``month``'s."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A run of whole months, first to last (both first days of their month)."""

    code: str
    label: str
    first: date
    last: date

    @property
    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    def month_list(self) -> list[date]:
        return [month_add(self.first, i) for i in range(self.months)]

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    def shifted(self, months: int) -> "Period":
        return Period(
            self.code, self.label, month_add(self.first, months), month_add(self.last, months)
        )


def parse(code: str | None, *, as_of: date) -> Period:
    """The period ``code`` names, read against the data's ``as_of`` date."""
    text = (code or DEFAULT).strip().lower()
    match = _PATTERN.match(text)
    if match is None:
        raise PeriodError(
            f"'{code}' is not a period. Use 3m, 6m, 12m, 24m, ytd, a year (2025) or a quarter "
            "(2025Q4)."
        )
    current = date(as_of.year, as_of.month, 1)
    if match["months"]:
        months = int(match["months"])
        return Period(text, dict(CHOICES)[text], month_add(current, 1 - months), current)
    if match["ytd"]:
        return Period(text, f"{as_of.year} to date", date(as_of.year, 1, 1), current)
    year = int(match["year"])
    if not 1990 <= year <= as_of.year + 1:
        raise PeriodError(f"{year} is outside the years this workspace could have data for.")
    if match["quarter"]:
        quarter = int(match["quarter"])
        first = date(year, 3 * quarter - 2, 1)
        return Period(text, f"Q{quarter} {year}", first, month_add(first, 2))
    return Period(text, str(year), date(year, 1, 1), date(year, 12, 1))
