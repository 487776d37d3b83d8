"""Per-variant sums from the analytics store, in one DuckDB query.

Exposures come either from the usage events — the experiment's exposure event (PostHog's
``$feature_flag_called`` by default) whose flag property (``$feature_flag``) is the
experiment's flag, the variant being another property (``$feature_flag_response``); any event
and properties may be named instead — or from an uploaded assignment file (a Parquet file
of user id, variant and optional timestamp, see assignments.py). A user exposed to more than
one variant is left out of every sum and counted.

Outcomes are the metric's event by the same user at or after their first exposure: converted
or not (a rate), or how many times (events per user). Revenue per account is read per account:
a user's account is the one on their exposure (the event's ``account_id``, or the file's
``account_id``) or else their latest identity; an account whose users saw different variants
is left out and counted; its revenue is what billing invoiced it (the metrics layer's
``model.billings``, net of credit notes) from the day of its first exposure.

User ids are hashed once to integer keys for the joins (the id itself is compared too, so no
two users are ever merged). Only the sums leave DuckDB: a million users come back as a few
numbers per variant.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from greenroom.experiments.choices import MetricKind

FLAG_EVENT = "$feature_flag_called"
FLAG_PROPERTY = "$feature_flag"
VARIANT_PROPERTY = "$feature_flag_response"
EVENT_KINDS = (MetricKind.CONVERSION, MetricKind.EVENTS_PER_USER)


class MissingData(Exception):
    """The store lacks what a metric is read from (no billing for revenue)."""


@dataclass(frozen=True)
class OutcomeMetric:
    """A metric read from the store: its name, kind and event (none for revenue)."""

    name: str
    kind: str
    event: str = ""


def json_path(name: str) -> str:
    """The JSON path of a top-level property (names with a double quote are refused)."""
    if '"' in name or "\\" in name or not name:
        raise ValueError(f"{name!r} cannot name a property.")
    return f'$."{name}"'


@dataclass(frozen=True)
class EventExposures:
    """Exposures read from the usage events: events named ``event`` whose ``flag_property``
    is ``flag_key`` (any of them when no key is given), the variant in ``variant_property``."""

    event: str
    flag_key: str
    flag_property: str = FLAG_PROPERTY
    variant_property: str = VARIANT_PROPERTY


@dataclass(frozen=True)
class FileExposures:
    """Exposures from an uploaded assignment file (Parquet: user_id, variant, assigned_at,
    account_id); a row without a timestamp counts from ``since`` (the experiment's start),
    or from the beginning if the experiment has not started."""

    path: Path
    since: datetime | None = None


@dataclass
class ExposureSums:
    """Users per variant, the users left out for seeing several variants, each metric's
    (units, sum, sum of squares) per variant, accounts left out for the same reason, and
    the pre-period sums when asked for."""

    users: dict[str, int] = field(default_factory=dict)
    excluded: int = 0
    sums: dict[str, dict[str, tuple[int, float, float]]] = field(default_factory=dict)
    excluded_accounts: int = 0
    # Per metric and variant: the pre-period (sum, sum of squares) and the sum of post * pre.
    pre: dict[str, dict[str, tuple[float, float, float]]] = field(default_factory=dict)


def _exposure_rows(source: EventExposures | FileExposures, table: str) -> tuple[str, list]:
    """SQL for (unit, variant, seen_at, account) rows, and its parameters."""
    if isinstance(source, EventExposures):
        flag, params = "", [json_path(source.variant_property), source.event]
        if source.flag_key:
            flag = "AND json_extract_string(properties, ?) = ? "
            params += [json_path(source.flag_property), source.flag_key]
        return (
            "SELECT user_id AS unit, json_extract_string(properties, ?) AS variant, "
            f"occurred_at AS seen_at, account_id AS account FROM {table} "
            f"WHERE event = ? {flag}AND user_id IS NOT NULL",
            params,
        )
    since = source.since.isoformat() if source.since else "-infinity"
    return (
        "SELECT user_id AS unit, variant, coalesce(assigned_at, ?::TIMESTAMPTZ) AS seen_at, "
        "account_id AS account FROM read_parquet(?)",
        [since, str(source.path)],
    )


def variant_sums(
    connection: duckdb.DuckDBPyConnection,
    *,
    metrics: Sequence[OutcomeMetric],
    exposures: EventExposures | FileExposures | None = None,
    exposure_event: str = FLAG_EVENT,
    flag_key: str = "",
    revenue_until: date | None = None,
    pre_days: int = 0,
    table: str = "raw.events",
) -> ExposureSums:
    """The per-variant sums of ``metrics`` for the exposed users (the flag's, by default);
    with ``pre_days``, also each event metric's pre-period sums for CUPED: the same metric
    over the ``pre_days`` days before each user's first exposure."""
    source = exposures or EventExposures(exposure_event, flag_key)
    event_metrics = [m for m in metrics if m.kind in EVENT_KINDS]
    revenue_metrics = [m for m in metrics if m.kind == MetricKind.REVENUE_PER_ACCOUNT]
    for metric in metrics:
        if metric.kind not in (*EVENT_KINDS, MetricKind.REVENUE_PER_ACCOUNT):
            raise ValueError(f"{metric.name}: unknown metric kind {metric.kind!r}.")
        if metric.kind in EVENT_KINDS and not metric.event:
            raise ValueError(f"{metric.name}: name the event the metric counts.")
    exposure_sql, params = _exposure_rows(source, table)
    # One CTE chain: the exposed users (key, variant, first exposure), each metric's
    # per-user count after it (and in the ``pre_days`` before it, for CUPED), and the
    # per-variant sums, sums of squares and cross products.
    events = sorted({m.event for m in event_metrics})
    counts = [f"count(*) FILTER (WHERE o.event = ? AND o.occurred_at >= a.first_seen) AS c{i}"
              for i in range(len(events))]  # fmt: skip
    if pre_days:
        counts += [f"count(*) FILTER (WHERE o.event = ? AND o.occurred_at < a.first_seen) AS b{i}"
                   for i in range(len(events))]  # fmt: skip
    per_user = "SELECT NULL::UBIGINT AS k WHERE false"
    if events:
        per_user = f"""
            SELECT a.k, {", ".join(counts)}
            FROM assigned a
            JOIN (SELECT hash(user_id) AS k, user_id, event, occurred_at FROM {table}
                  WHERE event IN ({", ".join("?" for _ in events)})) o
              ON o.k = a.k AND o.user_id = a.unit
             AND o.occurred_at >= a.first_seen - to_days(?::INTEGER)
            GROUP BY a.k
        """
        params += events * (3 if pre_days else 2) + [pre_days]
    values = []
    for i, metric in enumerate(event_metrics):
        e = events.index(metric.event)
        post, pre = f"coalesce(p.c{e}, 0)", f"coalesce(p.b{e}, 0)"
        if metric.kind == MetricKind.CONVERSION:
            post, pre = f"({post} > 0)::INTEGER", f"({pre} > 0)::INTEGER"
        values.append(f"sum({post})::DOUBLE AS s{i}, sum({post} * {post})::DOUBLE AS q{i}")
        if pre_days:
            values.append(
                f"sum({pre})::DOUBLE AS ps{i}, sum({pre} * {pre})::DOUBLE AS pq{i}, "
                f"sum({post} * {pre})::DOUBLE AS x{i}"
            )
    sql = f"""
        WITH exposed AS (
            SELECT hash(unit) AS k, unit, min(variant) AS first_variant,
                   max(variant) AS last_variant, min(seen_at) AS first_seen,
                   min(account) AS account
            FROM ({exposure_sql}) GROUP BY unit
        ),
        assigned AS (
            SELECT k, unit, first_variant AS variant, first_seen, account FROM exposed
            WHERE first_variant = last_variant
        ),
        per_user AS ({per_user})
        SELECT a.variant, count(*) AS users{"".join(", " + v for v in values)},
               (SELECT count(*) FROM exposed WHERE first_variant <> last_variant) AS excluded
        FROM assigned a LEFT JOIN per_user p ON p.k = a.k
        GROUP BY a.variant ORDER BY a.variant
    """
    result = ExposureSums()
    rows = connection.execute(sql, params).fetchall()
    width = 5 if pre_days else 2
    for row in rows:
        variant, users = str(row[0]), int(row[1])
        result.users[variant] = users
        for i, metric in enumerate(event_metrics):
            at = 2 + width * i
            result.sums.setdefault(metric.name, {})[variant] = (users, row[at], row[at + 1])
            if pre_days:
                before = (float(row[at + 2]), float(row[at + 3]), float(row[at + 4]))
                result.pre.setdefault(metric.name, {})[variant] = before
    if rows:
        result.excluded = int(rows[0][-1])
    else:
        excluded = connection.execute(
            f"SELECT count(*) FROM ({exposure_sql}) GROUP BY unit "
            "HAVING min(variant) <> max(variant)",
            _exposure_rows(source, table)[1],
        ).fetchall()
        result.excluded = len(excluded)
    if revenue_metrics and rows:
        accounts, excluded_accounts = _revenue_sums(
            connection, exposure_sql, _exposure_rows(source, table)[1], table, revenue_until
        )
        result.excluded_accounts = excluded_accounts
        for metric in revenue_metrics:
            result.sums[metric.name] = dict(accounts)
    return result


def _revenue_sums(
    connection: duckdb.DuckDBPyConnection,
    exposure_sql: str,
    params: list,
    table: str,
    until: date | None,
) -> tuple[dict[str, tuple[int, float, float]], int]:
    """Per variant: (accounts, revenue, revenue squared) of the accounts whose users saw it,
    and how many accounts were left out for having users in several variants."""
    present = {
        row[0]
        for row in connection.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        ).fetchall()
    }
    if "model.billings" not in present or "model.account_keys" not in present:
        raise MissingData(
            "Revenue per account needs billing in the metrics layer: connect a billing source "
            "and refresh the metrics."
        )
    identities = "SELECT NULL::VARCHAR AS user_id, NULL::VARCHAR AS account_id WHERE false"
    if "raw.identities" in present:
        identities = (
            "SELECT user_id, arg_max(account_id, seen_at) AS account_id FROM raw.identities "
            "WHERE account_id IS NOT NULL GROUP BY user_id"
        )
    sql = f"""
        WITH exposed AS (
            SELECT unit, min(variant) AS first_variant, max(variant) AS last_variant,
                   min(seen_at) AS first_seen, min(account) AS account
            FROM ({exposure_sql}) GROUP BY unit
        ),
        users AS (
            SELECT e.first_variant AS variant, e.first_seen,
                   coalesce(k.account_id, coalesce(e.account, i.account_id)) AS account
            FROM exposed e
            LEFT JOIN ({identities}) i ON i.user_id = e.unit
            LEFT JOIN model.account_keys k ON k.key = coalesce(e.account, i.account_id)
            WHERE e.first_variant = e.last_variant
        ),
        accounts AS (
            SELECT account, min(variant) AS first_variant, max(variant) AS last_variant,
                   CAST(min(first_seen) AS DATE) AS since
            FROM users WHERE account IS NOT NULL GROUP BY account
        ),
        revenue AS (
            SELECT a.account, a.first_variant AS variant,
                   coalesce(sum(b.amount), 0)::DOUBLE AS revenue
            FROM accounts a
            LEFT JOIN model.billings b
              ON b.account_id = a.account AND b.day >= a.since
             AND (?::DATE IS NULL OR b.day <= ?::DATE)
            WHERE a.first_variant = a.last_variant
            GROUP BY a.account, a.first_variant
        )
        SELECT variant, count(*), sum(revenue), sum(revenue * revenue),
               (SELECT count(*) FROM accounts WHERE first_variant <> last_variant)
        FROM revenue GROUP BY variant ORDER BY variant
    """
    rows = connection.execute(sql, [*params, until, until]).fetchall()
    sums = {str(r[0]): (int(r[1]), float(r[2]), float(r[3])) for r in rows}
    excluded = int(rows[0][4]) if rows else 0
    return sums, excluded
