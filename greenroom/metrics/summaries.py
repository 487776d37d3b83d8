"""Summary rollups built from the metric definitions themselves, so dashboards read answers.

Distinct counts cannot be added up across periods or products, and revenue movements need a
dense series with lags: both cost more to compute at query time than a dashboard can wait.
The refresh runs the same Ibis definitions once (``live``) and stores their results:

- ``rollup.revenue_accounts`` / ``rollup.revenue_account_products``: the monthly MRR series
  per account (and per account * product) with the previous and twelve-months-earlier MRR;
- ``rollup.active_counts``: active users and accounts per grain and period, overall and per
  member of each dimension (days: overall and per product) — rebuilt only for the periods
  that contain changed days, and built before stickiness, which reads its active users;
- ``rollup.daily_users``: distinct active users per day and member of each slice, which
  stickiness sums at every grain;
- ``rollup.stickiness`` / ``rollup.retention_cohorts``: stickiness per grain and period and
  weekly user retention cohorts, overall and per member of each dimension (weekly
  stickiness overall and per product only: ``STICKINESS_SLICES``), so the usage dashboard
  never counts distinct users per day on request — rebuilt whole whenever events arrive (a
  new day can change any cohort's later weeks);
- ``rollup.account_activity``: per account (and account * product) the active users and
  events of the ``ACTIVITY_DAYS`` to the as-of date and the last active day, so an account
  page reads one row instead of scanning every user-day — rebuilt at every refresh, since
  its window moves with the as-of date.
"""

from collections.abc import Sequence
from datetime import date, timedelta

import duckdb
import ibis

from greenroom.metrics import store
from greenroom.metrics.definitions import (
    COUNTED_SLICES,
    GRAINS,
    RETENTION_SLICES,
    STICKINESS_SLICES,
    Catalog,
    active_counts_rollup,
    daily_users_rollup,
    period_after,
    retention_rollup,
    revenue_series_rollup,
    stickiness_rollup,
)

_COUNTED = ("active_users", "active_accounts")
# The usage window of the customer database (account pages, the participant finder).
ACTIVITY_DAYS = 30
_TRUNCATE = {"day": "day", "week": "week", "month": "month", "quarter": "quarter"}


def build_revenue_series(connection: duckdb.DuckDBPyConnection) -> None:
    """Materialise the monthly revenue series per account and per account * product."""
    catalog = Catalog(store.ibis_backend(connection))
    for table, by in (("revenue_accounts", ()), ("revenue_account_products", ("product",))):
        sql = ibis.to_sql(revenue_series_rollup(catalog, by))
        connection.execute(f"CREATE OR REPLACE TABLE rollup.{table} AS {sql}")


def build_usage_ratios(connection: duckdb.DuckDBPyConnection) -> None:
    """Materialise the parts of stickiness and the weekly user retention cohorts from their
    definitions, so reads are a filter on a small table (the definitions use these when they
    answer the query exactly; tests/test_usage_summaries.py holds them equal). The daily
    active users per slice come first: stickiness at every grain sums them."""
    for table in _USAGE_TABLES:
        statements = _usage_statements(connection, table)
        connection.execute(f"CREATE OR REPLACE TABLE rollup.{table} AS {statements[0]} LIMIT 0")
        for sql in statements:  # one slice at a time: one set of distinct counts in memory
            connection.execute(f"INSERT INTO rollup.{table} {sql}")


# In build order: stickiness reads daily_users, so it is compiled once that table exists.
_USAGE_TABLES = ("daily_users", "stickiness", "retention_cohorts")
# Building and compiling these Ibis expressions takes seconds, far longer than running them
# on a small store: compiled once per process (they read whole tables: no parameters).
_USAGE_SQL: dict[str, list[str]] = {}


def _usage_statements(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    if table not in _USAGE_SQL:
        catalog = Catalog(store.ibis_backend(connection))
        if table == "daily_users":
            slices = sorted(
                {d for grain_slices in STICKINESS_SLICES.values() for d in grain_slices}
            )
            expressions = [daily_users_rollup(catalog, dimension) for dimension in slices]
        elif table == "stickiness":
            expressions = [
                stickiness_rollup(catalog, grain, dimension)
                for grain, grain_slices in STICKINESS_SLICES.items()
                for dimension in grain_slices
            ]
        else:
            expressions = [retention_rollup(catalog, dimension) for dimension in RETENTION_SLICES]
        _USAGE_SQL[table] = [str(ibis.to_sql(e)) for e in expressions]
    return _USAGE_SQL[table]


def build_account_activity(connection: duckdb.DuckDBPyConnection, *, as_of: date) -> None:
    """Per account, and per account * product: active users and events in the
    ``ACTIVITY_DAYS`` to ``as_of``, and the last day anyone was active (to ``as_of``)."""
    connection.execute(
        """
        CREATE OR REPLACE TABLE rollup.account_activity AS
        WITH mapped AS (
            SELECT coalesce(k.account_id, u.account_key) AS account_id, u.product_key,
                   u.user_key, u.day, u.events
            FROM rollup.user_days u LEFT JOIN model.account_keys k ON k.key = u.account_key
            WHERE u.account_key IS NOT NULL AND u.day <= $as_of
        )
        SELECT account_id, product_key,
               count(DISTINCT user_key) FILTER (WHERE day > $since) AS active_users,
               coalesce(sum(events) FILTER (WHERE day > $since), 0) AS events,
               max(day) AS last_active
        FROM mapped
        GROUP BY GROUPING SETS ((account_id), (account_id, product_key))
        ORDER BY account_id
        """,
        {"as_of": as_of, "since": as_of - timedelta(days=ACTIVITY_DAYS)},
    )


def build_active_counts(
    connection: duckdb.DuckDBPyConnection, days: Sequence[date] | None = None
) -> None:
    """Recount active users and accounts: everything, or the periods containing ``days``."""
    catalog = Catalog(store.ibis_backend(connection))
    connection.execute(
        "CREATE TABLE IF NOT EXISTS rollup.active_counts "
        "(metric VARCHAR, grain VARCHAR, period DATE, dimension VARCHAR, member VARCHAR, "
        "value BIGINT)"
    )
    if days is None:
        connection.execute("DELETE FROM rollup.active_counts")
        bounds = connection.execute("SELECT min(day), max(day) FROM rollup.user_days").fetchone()
        if bounds[0] is None:
            return
        low, high = bounds
    else:
        if not days:
            return
        low, high = min(days), max(days)
    for grain in GRAINS:
        start = connection.execute(
            f"SELECT CAST(date_trunc('{_TRUNCATE[grain]}', DATE '{low}') AS DATE)"
        ).fetchone()[0]
        if days is not None:
            connection.execute(
                "DELETE FROM rollup.active_counts WHERE grain = ? AND period BETWEEN ? AND ?",
                [grain, start, high],
            )
        # A few changed days: one statement per grain. Everything: one part at a time, so
        # DuckDB never holds every distinct-count hash table at once.
        dates = {"$start": start, "$end": high, "$after": period_after(high, grain)}
        for sql, names in _count_statements(catalog, grain, together=days is not None):
            connection.execute(
                f"INSERT INTO rollup.active_counts {sql}", {name[1:]: dates[name] for name in names}
            )


# Compiling the 32 count queries from their Ibis definitions takes about a second, longer than
# running them for one new day: they are compiled once per process with placeholder dates,
# which are then swapped for query parameters.
_PLACEHOLDER_START, _PLACEHOLDER_END = date(1800, 1, 1), date(1900, 1, 1)
_COMPILED: dict[tuple[str, bool], list[tuple[str, list[str]]]] = {}


def _count_statements(
    catalog: Catalog, grain: str, *, together: bool
) -> list[tuple[str, list[str]]]:
    """The SQL inserting active counts at ``grain`` and the parameters each statement uses."""
    key = (grain, together)
    if key not in _COMPILED:
        parts = [
            active_counts_rollup(
                catalog, metric, grain, dimension, _PLACEHOLDER_START, _PLACEHOLDER_END
            )
            for metric in _COUNTED
            for dimension in COUNTED_SLICES[grain]
        ]
        expressions = [ibis.union(*parts)] if together else parts
        _COMPILED[key] = [_parameterised(str(ibis.to_sql(e)), grain) for e in expressions]
    return _COMPILED[key]


def _parameterised(sql: str, grain: str) -> tuple[str, list[str]]:
    placeholders = {
        "$start": _PLACEHOLDER_START,
        "$end": _PLACEHOLDER_END,
        "$after": period_after(_PLACEHOLDER_END, grain),
    }
    names = []
    for name, day in placeholders.items():
        literal = f"MAKE_DATE({day.year}, {day.month}, {day.day})"
        if literal in sql:
            sql = sql.replace(literal, name)
            names.append(name)
    if "$start" not in names or "$end" not in names:
        raise RuntimeError(f"The active-count SQL no longer shows its date range: {sql[:200]}")
    return sql, names
