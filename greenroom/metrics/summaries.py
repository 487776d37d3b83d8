"""Summary rollups, so dashboards read answers instead of counting on request.

Distinct counts cannot be added up across periods or products, and revenue movements need a
dense series with lags: both cost more to compute at query time than a dashboard can wait.
The refresh stores them:

- ``rollup.revenue_accounts`` / ``rollup.revenue_account_products``: the monthly MRR series
  per account (and per account * product) with the previous and twelve-months-earlier MRR,
  from the revenue definitions themselves (``revenue_series_rollup``);
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

The usage summaries are written in SQL over the activity rollups, one statement per grain
for every slice at once (``GROUPING SETS``): the definitions' live queries count each slice
apart and re-join the accounts for each, about ten times the work at medium scale.
tests/test_usage_summaries.py holds every stored row equal to the live definitions and to
the summaries as they were built from them (tests/previous_summaries.py), and
docs/metrics.md says what each number means.
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
    period_after,
    period_start,
    revenue_series_rollup,
)

# The usage window of the customer database (account pages, the participant finder).
ACTIVITY_DAYS = 30


def build_revenue_series(connection: duckdb.DuckDBPyConnection) -> None:
    """Materialise the monthly revenue series per account and per account * product."""
    catalog = Catalog(store.ibis_backend(connection))
    for table, by in (("revenue_accounts", ()), ("revenue_account_products", ("product",))):
        sql = ibis.to_sql(revenue_series_rollup(catalog, by))
        connection.execute(f"CREATE OR REPLACE TABLE rollup.{table} AS {sql}")


def build_active_counts(
    connection: duckdb.DuckDBPyConnection, days: Sequence[date] | None = None
) -> None:
    """Recount active users and accounts, and the daily active users per slice: everything,
    or the periods containing ``days``."""
    for table, columns in _COUNT_TABLES.items():
        connection.execute(f"CREATE TABLE IF NOT EXISTS rollup.{table} ({columns})")
    if days is None:
        low, high = connection.execute("SELECT min(day), max(day) FROM rollup.user_days").fetchone()
        for table in _COUNT_TABLES:
            connection.execute(f"DELETE FROM rollup.{table}")
        if low is None:
            return
    else:
        if not days:
            return
        low, high = min(days), max(days)
    _prepare_slices(connection)
    for grain in GRAINS:
        start = period_start(low, grain)
        if days is not None:
            connection.execute(
                "DELETE FROM rollup.active_counts WHERE grain = ? AND period BETWEEN ? AND ?",
                [grain, start, high],
            )
            if grain == "day":
                connection.execute(
                    "DELETE FROM rollup.daily_users WHERE day BETWEEN ? AND ?", [low, high]
                )
        _count_grain(connection, grain, start, period_after(high, grain))
        connection.execute(
            f"""
            INSERT INTO rollup.active_counts
            SELECT metric, '{grain}', period, dimension, member, value FROM period_counts
            WHERE dimension IN ({_quoted(COUNTED_SLICES[grain])})
            """
        )
        if grain == "day":
            connection.execute(
                f"""
                INSERT INTO rollup.daily_users
                SELECT dimension, member, period, value FROM period_counts
                WHERE metric = 'active_users' AND dimension IN ({_quoted(_DAILY_SLICES)})
                """
            )


_COUNT_TABLES = {
    "active_counts": "metric VARCHAR, grain VARCHAR, period DATE, dimension VARCHAR, "
    "member VARCHAR, value BIGINT",
    "daily_users": "dimension VARCHAR, member VARCHAR, day DATE, dau BIGINT",
}
# Each slice stickiness is stored for at any grain: a day's users are counted once for all.
_DAILY_SLICES = tuple(sorted({d for slices in STICKINESS_SLICES.values() for d in slices}))
_ACCOUNT_DIMENSIONS = ("segment", "market", "region", "plan")
# Where each grain's activity is read from, its date column and the unit its periods are
# truncated to, as in the definitions' ``_activity`` (quarters from months).
_PERIOD_SOURCES = {
    "day": ("user_days", "day", "day"),
    "week": ("user_weeks", "week", "week"),
    "month": ("user_months", "month", "month"),
    "quarter": ("user_months", "month", "quarter"),
}


def build_usage_ratios(connection: duckdb.DuckDBPyConnection) -> None:
    """Rebuild stickiness's parts and the weekly user retention cohorts from the daily
    users, the active counts and the week rollup (built first)."""
    _prepare_slices(connection)
    _build_stickiness(connection)
    _build_retention(connection)


def _prepare_slices(connection: duckdb.DuckDBPyConnection) -> None:
    """What each account key is sliced by: its account and that account's segment, market,
    region and plan, joined as the definitions' ``with_accounts`` joins them (a key missing
    here, an id no account has or none, is its own account, 'unknown' in every dimension).
    A key of several accounts slices its rows several ways: it is ``ambiguous``."""
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE account_slices AS
        SELECT k.key AS account_key, k.account_id, a.segment, a.market, a.region, a.plan,
               count(*) OVER (PARTITION BY k.key) > 1 AS ambiguous
        FROM model.account_keys k LEFT JOIN model.accounts a ON a.account_id = k.account_id
        """
    )


def _count_grain(
    connection: duckdb.DuckDBPyConnection, grain: str, start: date, after: date
) -> None:
    """Active users and accounts per period from ``start`` to before ``after`` and member of
    each slice, into the temporary table ``period_counts``.

    Counting distinct users is the cost here: a user counts once per period in each member
    of each slice. Most users have one row in a period (one product, one account key), and
    such a row is one user wherever it is counted: rows are counted per product and account
    key, then summed per member of each slice. Only the users with several rows in a period
    (or a key of several accounts) are corrected: their rows taken out of that sum and the
    users counted distinct instead."""
    table, column, unit = _PERIOD_SOURCES[grain]
    rows = f"""
        SELECT CAST(date_trunc('{unit}', {column}) AS DATE) AS period,
               product_key AS product, account_key, user_key
        FROM rollup.{table}
        WHERE {column} >= DATE '{start}' AND {column} < DATE '{after}'
    """
    if unit != column:
        # Rollup rows are one per (period, product, account key, user) at their own grain;
        # months folding into quarters are made so, once for the three reads below.
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE folded_rows AS SELECT DISTINCT * FROM ({rows})"
        )
        rows = "SELECT * FROM folded_rows"
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE period_rows AS
        SELECT period, product, account_key, count(*) AS users
        FROM ({rows}) GROUP BY ALL;

        CREATE OR REPLACE TEMP TABLE repeated_rows AS
        SELECT r.* FROM ({rows}) r SEMI JOIN (
            SELECT r.period, r.user_key FROM ({rows}) r
            LEFT JOIN (SELECT DISTINCT account_key FROM account_slices WHERE ambiguous) a
              ON a.account_key = r.account_key
            GROUP BY ALL HAVING count(*) > 1 OR bool_or(a.account_key IS NOT NULL)
        ) u ON u.period = r.period AND u.user_key = r.user_key;
        """
    )
    slices = ", ".join(f"coalesce(s.{d}, 'unknown') AS {d}" for d in _ACCOUNT_DIMENSIONS)
    user_dimensions = _DAILY_SLICES if grain == "day" else COUNTED_SLICES[grain]
    columns, sets = _slice_columns(user_dimensions)
    # Rows summed per member, less the repeated users' rows, plus those users counted.
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE period_counts AS
        WITH summed AS (
            SELECT period, {columns}, sum(users) AS value FROM (
                SELECT r.period, r.product, r.users, {slices}
                FROM period_rows r LEFT JOIN account_slices s ON s.account_key = r.account_key
            ) GROUP BY GROUPING SETS ({sets})
            UNION ALL
            SELECT period, {columns}, count(DISTINCT user_key) - count(*) FROM (
                SELECT r.period, r.product, r.user_key, {slices}
                FROM repeated_rows r LEFT JOIN account_slices s ON s.account_key = r.account_key
            ) GROUP BY GROUPING SETS ({sets})
        )
        SELECT 'active_users' AS metric, period, dimension, member, sum(value) AS value
        FROM summed GROUP BY ALL
        """
    )
    columns, sets = _slice_columns(COUNTED_SLICES[grain])
    connection.execute(
        f"""
        INSERT INTO period_counts
        SELECT 'active_accounts', period, {columns}, count(DISTINCT account_id) FROM (
            SELECT r.period, r.product, coalesce(s.account_id, r.account_key) AS account_id,
                   {slices}
            FROM period_rows r LEFT JOIN account_slices s ON s.account_key = r.account_key
            WHERE r.account_key IS NOT NULL
        ) GROUP BY GROUPING SETS ({sets})
        """
    )


def _slice_columns(dimensions: Sequence[str]) -> tuple[str, str]:
    """The dimension and member columns of rows grouped by (period) for '*' and by
    (period, d) for each other dimension d, and those grouping sets."""
    named = [d for d in dimensions if d != "*"]
    dimension = member = "'*'"
    if named:
        dimension = "CASE " + " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in named)
        member = "CASE " + " ".join(f"WHEN GROUPING({d}) = 0 THEN {d}" for d in named)
        dimension, member = dimension + " ELSE '*' END", member + " ELSE '*' END"
    sets = ", ".join("(period)" if d == "*" else f"(period, {d})" for d in dimensions)
    return f"{dimension} AS dimension, {member} AS member", sets


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _build_stickiness(connection: duckdb.DuckDBPyConnection) -> None:
    """Per grain, period and member of each stored slice: the summed daily active users,
    the days with activity in the member and in all, and the period's active users."""
    slices = ", ".join(
        f"('{grain}', '{dimension}')"
        for grain, dimensions in STICKINESS_SLICES.items()
        for dimension in dimensions
    )
    connection.execute(
        f"""
        CREATE OR REPLACE TABLE rollup.stickiness AS
        WITH stored (grain, dimension) AS (VALUES {slices}),
        days AS (
            SELECT s.grain, CAST(date_trunc(s.grain, d.day) AS DATE) AS period, d.dimension,
                   d.member, d.day, d.dau
            FROM rollup.daily_users d JOIN stored s ON s.dimension = d.dimension
        ),
        parts AS (
            SELECT grain, period, dimension, member, sum(dau) AS user_days,
                   count(DISTINCT day) AS member_days
            FROM days GROUP BY ALL
        ),
        all_days AS (
            SELECT grain, CAST(date_trunc(grain, day) AS DATE) AS period,
                   count(DISTINCT day) AS all_days
            FROM rollup.daily_users, (SELECT DISTINCT grain FROM stored)
            WHERE dimension = '*' GROUP BY ALL
        )
        SELECT p.grain, p.period, p.dimension, p.member, p.user_days, p.member_days,
               a.all_days, c.value AS active_users
        FROM parts p
        JOIN all_days a ON a.grain = p.grain AND a.period = p.period
        JOIN rollup.active_counts c
          ON c.metric = 'active_users' AND c.grain = p.grain AND c.period = p.period
         AND c.dimension = p.dimension AND c.member = p.member
        """
    )


def _build_retention(connection: duckdb.DuckDBPyConnection) -> None:
    """Weekly user cohorts per member of each slice: a user's cohort in a member is the
    first week they were active in it; retained, the cohort's users active N weeks later.

    Counted as the active counts are (``_count_grain``): a user's only row in a week is
    counted as it is, the rows of a user with several in a week are counted distinct."""
    # Users, products, account keys and members as numbers: the week rows are joined and
    # grouped on them, several times cheaper than on text. Activity with no key is key 0.
    members = ",\n".join(
        f"dense_rank() OVER (ORDER BY coalesce(s.{d}, 'unknown')) AS {d}"
        for d in _ACCOUNT_DIMENSIONS
    )
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE retention_users AS
        SELECT user_key, row_number() OVER () AS user_number
        FROM (SELECT DISTINCT user_key FROM rollup.user_months);

        CREATE OR REPLACE TEMP TABLE retention_products AS
        SELECT product_key, row_number() OVER () AS product
        FROM (SELECT DISTINCT product_key FROM rollup.user_months);

        CREATE OR REPLACE TEMP TABLE retention_keys AS
        SELECT account_key, row_number() OVER () AS key_number
        FROM (SELECT DISTINCT account_key FROM rollup.user_months WHERE account_key IS NOT NULL);

        CREATE OR REPLACE TEMP TABLE retention_key_members AS
        SELECT k.key_number, {members},
               {", ".join(f"coalesce(s.{d}, 'unknown') AS {d}_name" for d in _ACCOUNT_DIMENSIONS)},
               coalesce(s.ambiguous, FALSE) AS ambiguous
        FROM (SELECT * FROM retention_keys UNION ALL SELECT NULL, 0) k
        LEFT JOIN account_slices s ON s.account_key = k.account_key;

        CREATE OR REPLACE TEMP TABLE retention_weeks AS
        SELECT w.week, u.user_number, p.product, coalesce(k.key_number, 0) AS key_number
        FROM rollup.user_weeks w
        JOIN retention_users u ON u.user_key = w.user_key
        JOIN retention_products p ON p.product_key = w.product_key
        LEFT JOIN retention_keys k ON k.account_key = w.account_key;
        """
    )
    # Each user's first week per product and account key; their cohort in a member of a
    # slice is the earliest of those falling in the member.
    cohorts = ",\n".join(
        f"min(f.first_week) OVER (PARTITION BY f.user_number{'' if d == '*' else ', ' + d})"
        f" AS cohort_{_NAMES[d]}"
        for d in RETENTION_SLICES
    )
    dimensions = ", ".join(f"m.{d}" for d in _ACCOUNT_DIMENSIONS)
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE retention_firsts AS
        WITH firsts AS (
            SELECT user_number, product, key_number, min(week) AS first_week
            FROM retention_weeks GROUP BY ALL
        )
        SELECT f.user_number, f.product, f.key_number, {dimensions}, m.ambiguous, {cohorts}
        FROM firsts f JOIN retention_key_members m ON m.key_number = f.key_number;

        CREATE OR REPLACE TEMP TABLE retention_repeated AS
        SELECT week, user_number FROM retention_weeks GROUP BY ALL HAVING count(*) > 1;

        CREATE OR REPLACE TEMP TABLE retention_active AS
        SELECT w.week, f.* EXCLUDE (key_number, ambiguous),
               r.user_number IS NOT NULL OR f.ambiguous AS repeated
        FROM retention_weeks w
        JOIN retention_firsts f
          ON f.user_number = w.user_number AND f.product = w.product
         AND f.key_number = w.key_number
        LEFT JOIN retention_repeated r ON r.week = w.week AND r.user_number = w.user_number;
        """
    )
    named = [d for d in RETENTION_SLICES if d != "*"]
    dimension = " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in named)
    member = " ".join(f"WHEN GROUPING({d}) = 0 THEN {d}" for d in named)
    cohort = ", ".join(f"cohort_{_NAMES[d]}" for d in RETENTION_SLICES)
    sets = ", ".join(
        "(cohort_all, week)" if d == "*" else f"({d}, cohort_{d}, week)" for d in RETENTION_SLICES
    )
    grouped = f"""
        SELECT CASE {dimension} ELSE '*' END AS dimension,
               CASE {member} ELSE 0 END AS member,
               coalesce({cohort}) AS cohort, week, {{counted}} AS retained
        FROM retention_active WHERE {{rows}} GROUP BY GROUPING SETS ({sets})
    """
    names = " ".join(
        f"WHEN '{d}' THEN (SELECT any_value({d}_name) FROM retention_key_members"
        f" WHERE {d} = c.member)"
        for d in _ACCOUNT_DIMENSIONS
    )
    connection.execute(
        f"""
        CREATE OR REPLACE TABLE rollup.retention_cohorts AS
        WITH counted AS (
            SELECT dimension, member, cohort, week, sum(retained) AS retained FROM (
                {grouped.format(counted="count(*)", rows="NOT repeated")}
                UNION ALL
                {grouped.format(counted="count(DISTINCT user_number)", rows="repeated")}
            ) GROUP BY ALL
        ),
        named AS (
            SELECT c.dimension,
                   CASE c.dimension WHEN '*' THEN '*'
                        WHEN 'product' THEN (SELECT product_key FROM retention_products
                                             WHERE product = c.member)
                        {names} END AS member,
                   c.cohort, c.week, CAST(c.retained AS BIGINT) AS retained
            FROM counted c
        )
        SELECT c.dimension, c.member, c.cohort AS period,
               (c.week - c.cohort) // 7 AS weeks_since,
               s.retained AS cohort_size, c.retained,
               CAST(round(CAST(c.retained AS DOUBLE) / nullif(CAST(s.retained AS DOUBLE), 0.0), 6)
                    AS DOUBLE) AS value
        FROM named c JOIN named s
          ON s.dimension = c.dimension AND s.member = c.member AND s.cohort = c.cohort
         AND s.week = s.cohort
        """
    )


_NAMES = {"*": "all", **{d: d for d in ("product", *_ACCOUNT_DIMENSIONS)}}


def build_account_activity(connection: duckdb.DuckDBPyConnection, *, as_of: date) -> None:
    """Per account, and per account * product: active users and events in the
    ``ACTIVITY_DAYS`` to ``as_of``, and the last day anyone was active (to ``as_of``).

    Only the window's days are mapped to accounts user by user; the last active day is
    found per account key and product first (a maximum, whatever the keys' grouping), then
    mapped: all of history is read once, not joined row by row."""
    connection.execute(
        """
        CREATE OR REPLACE TABLE rollup.account_activity AS
        WITH last_by_key AS (
            SELECT account_key, product_key, max(day) AS last_active
            FROM rollup.user_days WHERE account_key IS NOT NULL AND day <= $as_of
            GROUP BY ALL
        ),
        last AS (
            SELECT coalesce(k.account_id, l.account_key) AS account_id, l.product_key,
                   max(l.last_active) AS last_active
            FROM last_by_key l LEFT JOIN model.account_keys k ON k.key = l.account_key
            GROUP BY GROUPING SETS ((1), (1, 2))
        ),
        window_days AS (
            SELECT coalesce(k.account_id, u.account_key) AS account_id, u.product_key,
                   count(DISTINCT u.user_key) AS active_users, sum(u.events) AS events
            FROM rollup.user_days u LEFT JOIN model.account_keys k ON k.key = u.account_key
            WHERE u.account_key IS NOT NULL AND u.day <= $as_of AND u.day > $since
            GROUP BY GROUPING SETS ((1), (1, 2))
        )
        SELECT l.account_id, l.product_key, coalesce(w.active_users, 0) AS active_users,
               coalesce(w.events, 0) AS events, l.last_active
        FROM last l LEFT JOIN window_days w
          ON w.account_id = l.account_id AND w.product_key IS NOT DISTINCT FROM l.product_key
        ORDER BY l.account_id
        """,
        {"as_of": as_of, "since": as_of - timedelta(days=ACTIVITY_DAYS)},
    )
