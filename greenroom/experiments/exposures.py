"""Per-variant sums from the usage events in the analytics store, in one DuckDB query.

Exposures are the experiment's exposure event (PostHog's ``$feature_flag_called``) whose
``$feature_flag`` property is the experiment's flag; the variant is ``$feature_flag_response``.
A user exposed to more than one variant is left out of every sum and counted. Outcomes are
the metric's event by the same user at or after their first exposure: converted or not (a
rate), or how many times (events per user). Only the sums leave DuckDB: a million users come
back as a few numbers per variant.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from greenroom.experiments.choices import MetricKind

FLAG = "json_extract_string(properties, '$.\"$feature_flag\"')"
RESPONSE = "json_extract_string(properties, '$.\"$feature_flag_response\"')"


@dataclass(frozen=True)
class OutcomeMetric:
    """A metric read from events: its name, kind (conversion or events per user) and event."""

    name: str
    kind: str
    event: str


@dataclass
class ExposureSums:
    """Users per variant, the users left out for seeing several variants, and each metric's
    (users, sum, sum of squares) per variant."""

    users: dict[str, int] = field(default_factory=dict)
    excluded: int = 0
    sums: dict[str, dict[str, tuple[int, float, float]]] = field(default_factory=dict)


def variant_sums(
    connection: duckdb.DuckDBPyConnection,
    *,
    exposure_event: str,
    flag_key: str,
    metrics: Sequence[OutcomeMetric],
    table: str = "raw.events",
) -> ExposureSums:
    """The per-variant sums of ``metrics`` for the users exposed to ``flag_key``."""
    for metric in metrics:
        if metric.kind not in (MetricKind.CONVERSION, MetricKind.EVENTS_PER_USER):
            raise ValueError(f"{metric.name}: only event metrics are read from the store.")
    params: list[object] = [exposure_event, flag_key]
    counts, outcome_filter = [], "false"
    if metrics:
        outcome_filter = f"e.event IN ({', '.join('?' for _ in metrics)})"
    for i, metric in enumerate(metrics):
        counts.append(f"count(e.event) FILTER (WHERE e.event = ?) AS m{i}")
        params.append(metric.event)
    params += [m.event for m in metrics]
    values = []
    for i, metric in enumerate(metrics):
        value = f"(m{i} > 0)::INTEGER" if metric.kind == MetricKind.CONVERSION else f"m{i}"
        values.append(f"sum({value})::DOUBLE AS s{i}, sum({value} * {value})::DOUBLE AS q{i}")
    select_counts = (", " + ", ".join(counts)) if counts else ""
    select_values = (", " + ", ".join(values)) if values else ""
    sql = f"""
        WITH exposed AS (
            SELECT user_id AS unit, min({RESPONSE}) AS first_variant,
                   max({RESPONSE}) AS last_variant, min(occurred_at) AS first_seen
            FROM {table}
            WHERE event = ? AND {FLAG} = ? AND user_id IS NOT NULL
            GROUP BY user_id
        ),
        assigned AS (
            SELECT unit, first_variant AS variant, first_seen FROM exposed
            WHERE first_variant = last_variant
        ),
        per_user AS (
            SELECT a.unit, a.variant{select_counts}
            FROM assigned a
            LEFT JOIN {table} e
              ON e.user_id = a.unit AND e.occurred_at >= a.first_seen AND {outcome_filter}
            GROUP BY a.unit, a.variant
        )
        SELECT variant, count(*) AS users{select_values},
               (SELECT count(*) FROM exposed WHERE first_variant <> last_variant) AS excluded
        FROM per_user GROUP BY variant ORDER BY variant
    """
    rows = connection.execute(sql, params).fetchall()
    result = ExposureSums()
    for row in rows:
        variant, users = str(row[0]), int(row[1])
        result.users[variant] = users
        result.excluded = int(row[-1])
        for i, metric in enumerate(metrics):
            total, squares = row[2 + 2 * i], row[3 + 2 * i]
            result.sums.setdefault(metric.name, {})[variant] = (users, total, squares)
    if not rows:
        excluded = connection.execute(
            f"SELECT count(*) FROM (SELECT user_id FROM {table} WHERE event = ? AND {FLAG} = ? "
            f"AND user_id IS NOT NULL GROUP BY user_id HAVING min({RESPONSE}) <> max({RESPONSE}))",
            [exposure_event, flag_key],
        ).fetchone()
        result.excluded = int(excluded[0]) if excluded else 0
    return result
