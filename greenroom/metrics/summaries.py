"""Summary rollups built from the metric definitions themselves, so dashboards read answers.

Distinct counts cannot be added up across periods or products, and revenue movements need a
dense series with lags: both cost more to compute at query time than a dashboard can wait.
The refresh runs the same Ibis definitions once (``live``) and stores their results:

- ``rollup.revenue_accounts`` / ``rollup.revenue_account_products``: the monthly MRR series
  per account (and per account * product) with the previous and twelve-months-earlier MRR;
- ``rollup.active_counts``: active users and accounts per grain and period, overall and per
  member of each dimension — rebuilt only for the periods that contain changed days.
"""

from collections.abc import Sequence
from datetime import date

import duckdb
import ibis

from greenroom.metrics import store
from greenroom.metrics.definitions import (
    COUNTED_SLICES,
    GRAINS,
    Catalog,
    active_counts_rollup,
    revenue_series_rollup,
)

_COUNTED = ("active_users", "active_accounts")
_TRUNCATE = {"day": "day", "week": "week", "month": "month", "quarter": "quarter"}


def build_revenue_series(connection: duckdb.DuckDBPyConnection) -> None:
    """Materialise the monthly revenue series per account and per account * product."""
    catalog = Catalog(store.ibis_backend(connection))
    for table, by in (("revenue_accounts", ()), ("revenue_account_products", ("product",))):
        sql = ibis.to_sql(revenue_series_rollup(catalog, by))
        connection.execute(f"CREATE OR REPLACE TABLE rollup.{table} AS {sql}")


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
        parts = [
            active_counts_rollup(catalog, metric, grain, dimension, start, high)
            for metric in _COUNTED
            for dimension in COUNTED_SLICES[grain]
        ]
        # A few changed days: one statement per grain. Everything: one part at a time, so
        # DuckDB never holds every distinct-count hash table at once.
        statements = [ibis.union(*parts)] if days is not None else parts
        for part in statements:
            connection.execute(f"INSERT INTO rollup.active_counts {ibis.to_sql(part)}")
