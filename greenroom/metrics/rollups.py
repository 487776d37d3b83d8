"""Rollups: activity summarised per day, so no metric query ever scans raw events.

``rollup.user_days`` holds one row per (day, product, account key, user) with that day's
distinct events; weeks and months are summarised from it the same way. Distinct users over any
period are counted from these (far smaller) tables. Days are partitions: a refresh rebuilds
only the days that new batches touched, then the weeks and months that contain them.

Account keys are kept as the source sent them (a CRM id or a Stripe customer id) and mapped to
accounts when queried, so re-linking accounts in the CRM never forces rebuilding activity.
"""

from collections.abc import Sequence
from datetime import date

import duckdb

# A user is their user id, or their anonymous id when they never signed in (prefixed so the
# two id spaces cannot collide). A day is the UTC calendar day the event occurred on, found
# from the microseconds since the epoch: converting each time to a time zone first costs more
# than the rest of reading an event. An event at an infinite time has no day.
UTC_DAY = "CAST(make_timestamp(epoch_us({})) AS DATE)"
_EVENTS = f"""
    SELECT event_id,
           coalesce(user_id, 'anon:' || anonymous_id) AS user_key,
           account_id AS account_key,
           coalesce(product_key, 'unassigned') AS product_key,
           feature,
           {UTC_DAY.format("occurred_at")} AS day
    FROM raw.events
    WHERE coalesce(user_id, anonymous_id) IS NOT NULL
"""
# A full rebuild reads the events in passes of whole days, at most this many events each
# (unless one day has more): a pass's distinct user-days are held in memory at once.
PASS_EVENTS = 8_000_000

_TABLES = {
    "user_days": "day DATE, product_key VARCHAR, account_key VARCHAR, user_key VARCHAR, "
    "events BIGINT",
    "feature_days": "day DATE, product_key VARCHAR, feature VARCHAR, account_key VARCHAR, "
    "users BIGINT, events BIGINT",
    "user_weeks": "week DATE, product_key VARCHAR, account_key VARCHAR, user_key VARCHAR, "
    "days_active BIGINT, events BIGINT",
    "user_months": "month DATE, product_key VARCHAR, account_key VARCHAR, user_key VARCHAR, "
    "days_active BIGINT, events BIGINT",
    "feature_months": "month DATE, product_key VARCHAR, feature VARCHAR, account_key VARCHAR, "
    "events BIGINT",
}


def create_tables(connection: duckdb.DuckDBPyConnection, *, replace: bool) -> None:
    """Create the rollup tables (emptied when ``replace``)."""
    verb = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE IF NOT EXISTS"
    for name, columns in _TABLES.items():
        connection.execute(f"{verb} rollup.{name} ({columns})")


def build_full(connection: duckdb.DuckDBPyConnection) -> int:
    """Rebuild every rollup from all raw events; returns the number of days built."""
    create_tables(connection, replace=True)
    per_day = connection.execute(
        f"SELECT {UTC_DAY.format('occurred_at')} AS day, count(*) FROM raw.events "
        "WHERE day IS NOT NULL GROUP BY day ORDER BY day"
    ).fetchall()
    # Events are stored in time order: each pass reads only its stretch of them, and leaves
    # the day rollups in day order, so later reads of a few days skip the rest.
    for low, high in _passes(per_day, PASS_EVENTS):
        _insert_days(connection, _between(low, high))
    _insert_periods(connection, incremental=False)
    return connection.execute("SELECT count(DISTINCT day) FROM rollup.user_days").fetchone()[0]


def _passes(per_day: Sequence[tuple[date, int]], limit: int) -> list[tuple[date, date]]:
    """Runs of consecutive days holding at most ``limit`` events each (a day with more is a
    run of its own), as (first day, last day)."""
    passes: list[list[date]] = []
    events = 0
    for day, count in per_day:
        if not passes or events + count > limit:
            passes.append([day, day])
            events = 0
        passes[-1][1] = day
        events += count
    return [(first, last) for first, last in passes]


def _between(low: date, high: date) -> str:
    # Literal bounds on the stored time let DuckDB skip stored row groups outside them.
    return (
        f"occurred_at >= TIMESTAMPTZ '{low} 00:00:00+00'"
        f" AND occurred_at < TIMESTAMPTZ '{high} 00:00:00+00' + INTERVAL 1 DAY"
    )


def build_days(connection: duckdb.DuckDBPyConnection, days: Sequence[date]) -> int:
    """Rebuild the rollups of ``days`` only, and the weeks and months containing them."""
    if not days:
        return 0
    create_tables(connection, replace=False)
    connection.execute("CREATE OR REPLACE TEMP TABLE changed_days (day DATE)")
    connection.executemany("INSERT INTO changed_days VALUES (?)", [(day,) for day in days])
    # Literal bounds let DuckDB skip stored row groups outside the changed days.
    low, high = min(days), max(days)
    for table in ("user_days", "feature_days"):
        connection.execute(
            f"DELETE FROM rollup.{table} WHERE day BETWEEN DATE '{low}' AND DATE '{high}' "
            "AND day IN (SELECT day FROM changed_days)"
        )
    _insert_days(
        connection,
        _between(low, high)
        + f" AND {UTC_DAY.format('occurred_at')} IN (SELECT day FROM changed_days)",
    )
    periods = "{column} IN (SELECT DISTINCT date_trunc('{unit}', day) FROM changed_days)"
    connection.execute(
        "DELETE FROM rollup.user_weeks WHERE " + periods.format(column="week", unit="week")
    )
    for table in ("user_months", "feature_months"):
        connection.execute(
            f"DELETE FROM rollup.{table} WHERE " + periods.format(column="month", unit="month")
        )
    _insert_periods(connection, incremental=True)
    return len(days)


def _insert_days(connection: duckdb.DuckDBPyConnection, condition: str) -> None:
    events = f"({_EVENTS} AND {condition})"
    # Duplicate deliveries share an event id: counting distinct ids drops them. Without
    # duplicates among the events read, which is the rule (the loader merges on the id),
    # counting rows gives the same numbers for less: each pass checks first.
    duplicated = connection.execute(
        f"SELECT count(*) > count(DISTINCT event_id) FROM {events}"
    ).fetchone()[0]
    if duplicated:
        connection.execute(
            f"""
            INSERT INTO rollup.user_days
            SELECT day, product_key, account_key, user_key, count(DISTINCT event_id)
            FROM {events} GROUP BY ALL
            """
        )
        connection.execute(
            f"""
            INSERT INTO rollup.feature_days
            SELECT day, product_key, feature, account_key,
                   count(DISTINCT user_key), count(DISTINCT event_id)
            FROM {events} WHERE feature IS NOT NULL GROUP BY ALL
            """
        )
        return
    connection.execute(
        f"""
        INSERT INTO rollup.user_days
        SELECT day, product_key, account_key, user_key, count(*) FROM {events} GROUP BY ALL
        """
    )
    # Each user's events of a feature on a day first: then the feature's users are rows.
    connection.execute(
        f"""
        INSERT INTO rollup.feature_days
        SELECT day, product_key, feature, account_key, count(*), sum(events)
        FROM (
            SELECT day, product_key, feature, account_key, user_key, count(*) AS events
            FROM {events} WHERE feature IS NOT NULL GROUP BY ALL
        ) GROUP BY ALL
        """
    )


def _insert_periods(connection: duckdb.DuckDBPyConnection, *, incremental: bool) -> None:
    # Whole weeks and months around the changed days are recounted from the day rollups.
    week_scope = month_scope = "TRUE"
    if incremental:
        week_scope, month_scope = (_changed_periods(connection, unit) for unit in ("week", "month"))
    connection.execute(
        f"""
        INSERT INTO rollup.user_weeks
        SELECT CAST(date_trunc('week', day) AS DATE), product_key, account_key, user_key,
               count(*), sum(events)
        FROM rollup.user_days WHERE {week_scope} GROUP BY ALL
        """
    )
    connection.execute(
        f"""
        INSERT INTO rollup.user_months
        SELECT CAST(date_trunc('month', day) AS DATE), product_key, account_key, user_key,
               count(*), sum(events)
        FROM rollup.user_days WHERE {month_scope} GROUP BY ALL
        """
    )
    connection.execute(
        f"""
        INSERT INTO rollup.feature_months
        SELECT CAST(date_trunc('month', day) AS DATE), product_key, feature, account_key,
               sum(events)
        FROM rollup.feature_days WHERE {month_scope} GROUP BY ALL
        """
    )


def _changed_periods(connection: duckdb.DuckDBPyConnection, unit: str) -> str:
    """A condition on ``day`` for the weeks or months holding changed days, with the outer
    bounds as literals so that DuckDB skips stored blocks outside them."""
    low, high = connection.execute(
        f"SELECT CAST(min(date_trunc('{unit}', day)) AS DATE), "
        f"CAST(max(date_trunc('{unit}', day) + INTERVAL 1 {unit}) AS DATE) FROM changed_days"
    ).fetchone()
    return (
        f"day >= DATE '{low}' AND day < DATE '{high}' AND date_trunc('{unit}', day) IN "
        f"(SELECT date_trunc('{unit}', day) FROM changed_days)"
    )
