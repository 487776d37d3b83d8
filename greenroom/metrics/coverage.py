"""How far each family of business data runs, the date its metrics are computed as of, and
which periods are still running at that date (docs/metrics.md, "As of the data's end").

A refresh measures, per family, the last day its data covers: revenue through the start of
the last billed service period, usage through the last event's day, cost through the last
ledger entry. Each family's metrics are computed as of that day, not as of the wall clock,
so a history that stops last year shows last year's numbers instead of every account
churning when the data stops. A metric reading several families (cost-to-revenue) is as of
the earliest of them. An explicit as-of date (``greenroom refresh --as-of``) wins for all.

The figures are kept in ``model.coverage`` so readers of a snapshot see the dates it was
built at.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from greenroom.metrics import rollups

FAMILIES = ("revenue", "usage", "cost")

# Raw tables that are reference data rather than business history: an exchange rate dated
# 2015 or a CRM account says nothing about how far billing or usage runs.
_REFERENCE_TABLES = {"fx_rates", "crm_accounts"}
_FAMILY_OF_TABLE = {"events": "usage", "identities": "usage", "costs": "cost", "headcount": "cost"}

# The last day each family's data covers. Revenue is read from the model's subscription lines
# (every billing source feeds them) at the start of the last billed period: invoices billed
# in advance or in arrears both cover at least that day. Headcount is a state (who is
# employed), not a history with an end, so cost runs to the last ledger entry.
_DATA_END_SQL = {
    "revenue": "SELECT max(CAST(period_start AS DATE)) FROM model.subscription_lines",
    "usage": f"SELECT {rollups.UTC_DAY.format('max(occurred_at)')} FROM raw.events",
    "cost": "SELECT max(date) FROM raw.costs",
}


@dataclass(frozen=True)
class Coverage:
    """Per family: the last day its data covers (None: no data), and the as-of date its
    metrics are computed at; ``forced`` when an explicit as-of date overrode the data."""

    data_ends: dict[str, date | None]
    as_ofs: dict[str, date]
    forced: bool

    @property
    def as_of(self) -> date:
        """The refresh's as-of date: the latest family's (the data runs no further)."""
        return max(self.as_ofs.values())


def family_of(table: str) -> str | None:
    """The family a raw table's data belongs to; None for reference data. Any other table
    is billing: every billing source feeds the revenue model."""
    if table in _REFERENCE_TABLES:
        return None
    return _FAMILY_OF_TABLE.get(table, "revenue")


def measure(
    connection: duckdb.DuckDBPyConnection, *, today: date, forced: date | None = None
) -> Coverage:
    """How far each family's data runs (never past ``today``: a future-dated record is not
    data yet), and the as-of dates that follow; ``forced`` wins when given."""
    ends = {family: _data_end(connection, family, today) for family in FAMILIES}
    if forced is not None:
        return Coverage(ends, dict.fromkeys(FAMILIES, forced), forced=True)
    # A family with no data at all follows the others (headcount alone still has months to
    # fill), and an empty store follows the wall clock.
    fallback = max((end for end in ends.values() if end is not None), default=today)
    return Coverage(ends, {family: ends[family] or fallback for family in FAMILIES}, forced=False)


def _data_end(connection: duckdb.DuckDBPyConnection, family: str, today: date) -> date | None:
    try:
        row = connection.execute(_DATA_END_SQL[family]).fetchone()
    except duckdb.CatalogException:
        return None  # the model table is not built yet: no data of this family
    end = row[0] if row else None
    return min(end, today) if end is not None else None


def record(connection: duckdb.DuckDBPyConnection, coverage: Coverage) -> None:
    """Replace ``model.coverage`` with this refresh's figures."""
    connection.execute(
        "CREATE OR REPLACE TABLE model.coverage "
        "(family VARCHAR, data_end DATE, as_of DATE, forced BOOLEAN)"
    )
    connection.executemany(
        "INSERT INTO model.coverage VALUES (?, ?, ?, ?)",
        [
            (family, coverage.data_ends[family], coverage.as_ofs[family], coverage.forced)
            for family in FAMILIES
        ],
    )


def recorded(connection: duckdb.DuckDBPyConnection) -> Coverage | None:
    """The figures the last refresh recorded, or None before the first refresh that did."""
    try:
        rows = connection.execute(
            "SELECT family, data_end, as_of, forced FROM model.coverage"
        ).fetchall()
    except duckdb.CatalogException:
        return None
    if not rows:
        return None
    return Coverage(
        data_ends={family: end for family, end, _, _ in rows},
        as_ofs={family: as_of for family, _, as_of, _ in rows},
        forced=any(forced for *_, forced in rows),
    )


def metric_as_of(coverage: Coverage, sources: tuple[str, ...]) -> date:
    """The as-of date of a metric reading ``sources``: the earliest of their families'."""
    families = {family_of(table) for table in sources} - {None}
    return min((coverage.as_ofs[f] for f in families if f), default=coverage.as_of)


def period_last_day(period: date, grain: str) -> date:
    """The last day of the ``grain`` period starting on ``period``."""
    if grain == "day":
        return period
    if grain == "week":
        return period + timedelta(days=6)
    months = 3 if grain == "quarter" else 1
    month = period.month + months - 1
    year = period.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def is_partial(period: date, grain: str, as_of: date) -> bool:
    """Whether the period is still running at ``as_of``: its figures are "to date"."""
    return period_last_day(period, grain) > as_of
