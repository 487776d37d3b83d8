"""When a spreadsheet says an item lands, and which column of the template that is.

The rule (docs/roadmaps.md, "Importing roadmaps"):

- A value naming a column of the template (``Now``, ``Later``, ``Q3 2026`` when that is a
  column) goes to that column.
- ``Now`` / ``Next`` / ``Later`` (and ``Soon``, ``Future``, ``Backlog``) go to the first,
  second and last column when the template names its columns otherwise.
- A quarter (``2026-Q1``, ``Q1 2026``, ``Q1/26``, ``Q3`` = the next Q3 from today, this
  quarter included), a half (``H2``, ``2026-H2``: its first quarter not yet over) or a date
  (``2026-08-15``, ``15/08/2026``) is a target quarter; its column is the number of quarters
  from today's: this quarter (or a past one) is the first column, the next quarter the
  second, and so on, the last column taking everything further out.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from greenroom.lib.imports.values import BadValue

WORDS = {
    "now": 0,
    "current": 0,
    "thisquarter": 0,
    "next": 1,
    "soon": 1,
    "nextquarter": 1,
    "later": -1,
    "future": -1,
    "backlog": -1,
    "someday": -1,
}
_QUARTER = [
    re.compile(r"(?P<year>\d{4})\s*[-/ ]?\s*q(?P<q>[1-4])"),  # 2026-Q1, 2026 Q1
    re.compile(r"q(?P<q>[1-4])\s*[-/' ]?\s*(?P<year>\d{4}|\d{2})"),  # Q1 2026, Q1/26, Q1'26
    re.compile(r"q(?P<q>[1-4])"),  # Q3: the next one
]
_HALF = [
    re.compile(r"(?P<year>\d{4})\s*[-/ ]?\s*h(?P<h>[12])"),
    re.compile(r"h(?P<h>[12])\s*[-/' ]?\s*(?P<year>\d{4}|\d{2})"),
    re.compile(r"h(?P<h>[12])"),
]
_DATES = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%b %d, %Y", "%d %b %Y", "%B %Y", "%b %Y")


@dataclass(frozen=True)
class Horizon:
    """Where a value puts an item: its column, and its target quarter when it names one."""

    column: str
    quarter: str = ""


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def quarter_end(label: str) -> date:
    """The last day of a quarter given as ``2026-Q3``."""
    year, month = int(label[:4]), int(label[-1]) * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def target_quarter(value: str, today: date) -> tuple[int, int] | None:
    """The (year, quarter) a value names, or None when it names no time."""
    text = value.strip().lower()
    for pattern in _QUARTER:
        match = pattern.fullmatch(text)
        if match:
            quarter = int(match["q"])
            if "year" in match.groupdict() and match["year"]:
                return _year(match["year"]), quarter
            year, now = quarter_of(today)
            return (year, quarter) if quarter >= now else (year + 1, quarter)
    for pattern in _HALF:
        match = pattern.fullmatch(text)
        if match:
            half = int(match["h"])
            this_year, now = quarter_of(today)
            year = _year(match["year"]) if match.groupdict().get("year") else this_year
            if not match.groupdict().get("year") and (half == 1 and now > 2):
                year += 1  # a bare H1 once the first half is over is next year's
            first, last = (1, 2) if half == 1 else (3, 4)
            if (year, last) < (this_year, now):
                return year, first
            return year, max(first, now) if year == this_year else first
    for fmt in _DATES:
        try:
            parsed = datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
        return quarter_of(parsed)
    try:
        return quarter_of(datetime.fromisoformat(value.strip()).date())
    except ValueError:
        return None


def horizon_read(value: str, columns: list[str], today: date) -> Horizon:
    """The column (and target quarter) of a horizon value, by the rule above; an empty
    value is the last column; a value naming no column and no time raises BadValue."""
    text = value.strip()
    if not text:
        return Horizon(columns[-1])
    by_name = {column.lower(): column for column in columns}
    if text.lower() in by_name:
        return Horizon(by_name[text.lower()])
    word = re.sub(r"[^a-z]", "", text.lower())
    if word in WORDS:
        index = WORDS[word]
        return Horizon(columns[index if index < len(columns) else -1])
    found = target_quarter(text, today)
    if found is None:
        raise BadValue(
            f"'{value}' is not a column ({', '.join(columns)}), a quarter (2026-Q3, Q3), "
            "a half (H2) or a date"
        )
    year, quarter = found
    this_year, now = quarter_of(today)
    ahead = max((year - this_year) * 4 + quarter - now, 0)
    return Horizon(columns[min(ahead, len(columns) - 1)], quarter_label(year, quarter))
