"""The activity rollups and usage summaries as the refresh built them before they were
written as SQL over the rollups (main at 5ee5190), kept as the independent computation the
refresh's tables are compared with, table for table.

The day rollups find each event's UTC day by converting its time to UTC and count distinct
event ids, in one pass; weeks and months are summed from them. Every active count, daily
user count, stickiness part and retention cohort is then computed from the metric
definitions themselves (``live``), one metric, grain and slice at a time, as the refresh
stored them. Everything is built into a schema of its own from the same raw events and model
tables: the metric definitions read it through a catalog that maps ``rollup`` there.
"""

import ibis
import ibis.expr.types as ir

from greenroom.metrics import store
from greenroom.metrics.definitions import (
    COUNTED_SLICES,
    GRAINS,
    METRICS,
    RETENTION_SLICES,
    STICKINESS_SLICES,
    Catalog,
    Query,
)
from greenroom.metrics.definitions.common import period_of

ACTIVITY_TABLES = ("user_days", "feature_days", "user_weeks", "user_months", "feature_months")
SUMMARY_TABLES = ("active_counts", "daily_users", "stickiness", "retention_cohorts")

_EVENTS = """
    SELECT event_id,
           coalesce(user_id, 'anon:' || anonymous_id) AS user_key,
           account_id AS account_key,
           coalesce(product_key, 'unassigned') AS product_key,
           feature,
           CAST(timezone('UTC', occurred_at) AS DATE) AS day
    FROM raw.events
    WHERE coalesce(user_id, anonymous_id) IS NOT NULL
"""


def build(connection, schema: str = "previous") -> None:
    """Build every activity and usage summary table into ``schema`` the previous way."""
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    _activity_rollups(connection, schema)
    catalog = Catalog(store.ibis_backend(connection), {"rollup": schema})
    _insert(
        connection,
        f"{schema}.active_counts",
        [
            _active_counts(catalog, metric, grain, dimension)
            for grain in GRAINS
            for metric in ("active_users", "active_accounts")
            for dimension in COUNTED_SLICES[grain]
        ],
    )
    daily = sorted({d for slices in STICKINESS_SLICES.values() for d in slices})
    _insert(connection, f"{schema}.daily_users", [_daily_users(catalog, d) for d in daily])
    _insert(
        connection,
        f"{schema}.stickiness",
        [
            _stickiness(catalog, grain, dimension)
            for grain, slices in STICKINESS_SLICES.items()
            for dimension in slices
        ],
    )
    _insert(
        connection,
        f"{schema}.retention_cohorts",
        [_retention(catalog, dimension) for dimension in RETENTION_SLICES],
    )


def _activity_rollups(connection, schema: str) -> None:
    connection.execute(
        f"""
        CREATE OR REPLACE TABLE {schema}.user_days AS
        SELECT day, product_key, account_key, user_key,
               CAST(count(DISTINCT event_id) AS BIGINT) AS events
        FROM ({_EVENTS}) WHERE day IS NOT NULL GROUP BY ALL;

        CREATE OR REPLACE TABLE {schema}.feature_days AS
        SELECT day, product_key, feature, account_key,
               CAST(count(DISTINCT user_key) AS BIGINT) AS users,
               CAST(count(DISTINCT event_id) AS BIGINT) AS events
        FROM ({_EVENTS}) WHERE day IS NOT NULL AND feature IS NOT NULL GROUP BY ALL;

        CREATE OR REPLACE TABLE {schema}.user_weeks AS
        SELECT CAST(date_trunc('week', day) AS DATE) AS week, product_key, account_key,
               user_key, CAST(count(*) AS BIGINT) AS days_active,
               CAST(sum(events) AS BIGINT) AS events
        FROM {schema}.user_days GROUP BY ALL;

        CREATE OR REPLACE TABLE {schema}.user_months AS
        SELECT CAST(date_trunc('month', day) AS DATE) AS month, product_key, account_key,
               user_key, CAST(count(*) AS BIGINT) AS days_active,
               CAST(sum(events) AS BIGINT) AS events
        FROM {schema}.user_days GROUP BY ALL;

        CREATE OR REPLACE TABLE {schema}.feature_months AS
        SELECT CAST(date_trunc('month', day) AS DATE) AS month, product_key, feature,
               account_key, CAST(sum(events) AS BIGINT) AS events
        FROM {schema}.feature_days GROUP BY ALL;
        """
    )


def _insert(connection, table: str, expressions: list[ir.Table]) -> None:
    # As the refresh did: the table's columns are those of the first statement's result.
    statements = [str(ibis.to_sql(expression)) for expression in expressions]
    connection.execute(f"CREATE OR REPLACE TABLE {table} AS {statements[0]} LIMIT 0")
    for sql in statements:
        connection.execute(f"INSERT INTO {table} {sql}")


def _active_counts(catalog: Catalog, metric: str, grain: str, dimension: str) -> ir.Table:
    by = () if dimension == "*" else (dimension,)
    table = METRICS[metric].compute(catalog, Query(by=by, grain=grain, live=True))
    return table.select(
        metric=ibis.literal(metric),
        grain=ibis.literal(grain),
        period=table.period,
        dimension=ibis.literal(dimension),
        member=table[dimension] if by else ibis.literal("*"),
        value=table.value.cast("int64"),
    )


def _daily_users(catalog: Catalog, dimension: str) -> ir.Table:
    by = () if dimension == "*" else (dimension,)
    table = METRICS["active_users"].compute(catalog, Query(by=by, grain="day", live=True))
    return table.select(
        dimension=ibis.literal(dimension),
        member=table[dimension] if by else ibis.literal("*").cast("string"),
        day=table.period,
        dau=table.value.cast("int64"),
    )


def _stickiness(catalog: Catalog, grain: str, dimension: str) -> ir.Table:
    daily = catalog.table("rollup.daily_users")
    daily = daily.mutate(period=period_of(daily.day, grain))
    per_day = daily.filter(daily.dimension == dimension)
    parts = per_day.group_by(["period", "member"]).aggregate(
        user_days=per_day.dau.sum(), member_days=per_day.day.nunique()
    )
    everything = daily.filter(daily.dimension == "*")
    all_days = everything.group_by("period").aggregate(all_days=everything.day.nunique())
    counts = catalog.table("rollup.active_counts")
    users = counts.filter(
        (counts.metric == "active_users")
        & (counts.grain == grain)
        & (counts.dimension == dimension)
    ).select("period", "member", "value")
    joined = parts.join(all_days, "period").join(users, ["period", "member"])
    return joined.select(
        grain=ibis.literal(grain),
        period=joined.period,
        dimension=ibis.literal(dimension),
        member=joined.member,
        user_days=joined.user_days.cast("int64"),
        member_days=joined.member_days.cast("int64"),
        all_days=joined.all_days.cast("int64"),
        active_users=joined.value.cast("int64"),
    )


def _retention(catalog: Catalog, dimension: str) -> ir.Table:
    by = () if dimension == "*" else (dimension,)
    table = METRICS["user_retention"].compute(catalog, Query(by=by, grain="week", live=True))
    return table.select(
        dimension=ibis.literal(dimension),
        member=table[dimension] if by else ibis.literal("*"),
        period=table.period,
        weeks_since=table.weeks_since.cast("int64"),
        cohort_size=table.cohort_size.cast("int64"),
        retained=table.retained.cast("int64"),
        value=table.value.cast("float64"),
    )


def differences(connection, schema: str, table: str, other: str = "rollup") -> tuple[int, int]:
    """Rows of ``schema.table`` missing from ``other.table`` and the reverse, counting
    repeats (EXCEPT ALL both ways)."""
    a, b = f"{schema}.{table}", f"{other}.{table}"
    return tuple(
        connection.execute(f"SELECT count(*) FROM (FROM {x} EXCEPT ALL FROM {y})").fetchone()[0]
        for x, y in ((a, b), (b, a))
    )
