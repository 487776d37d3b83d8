"""Time an experiment's analysis from the analytics store, and the design calculator.

Writes a store with 1,000,000 users exposed to a flag (`$feature_flag_called`, half control,
half treatment, 0.5 % of them exposed to both) and 10,000,000 outcome events, then in the
same run:

- experiment_analysis: the experiments app's query (greenroom/experiments/exposures.py) plus
  the statistics for two metrics (conversion and events per user), best of three;
- experiment_analysis_cpu: the same in CPU time (every thread's): the machine this runs on is
  often shared, and other processes' load stretches wall time but not CPU time;
- experiment_vs_duckdb (and _cpu): that time divided by a hand-written DuckDB query computing
  the same per-variant sums (outcomes pre-aggregated per user, then joined), whose answer is checked
  equal to ours;
- design_calculator: the median time of a sample-size answer (the function the page and the
  API call; the page adds a metrics read that is cached per snapshot).

Prints one line per measure: ``name: value unit (goal <= X unit)``.

    .venv/bin/python benchmarks/experiments.py
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")

import django

django.setup()

import duckdb  # noqa: E402

from greenroom.experiments.exposures import OutcomeMetric, variant_sums  # noqa: E402
from greenroom.experiments.stats import design  # noqa: E402
from greenroom.experiments.stats.analysis import MetricInput, analyse  # noqa: E402
from greenroom.experiments.stats.summaries import MeanSummary, ProportionSummary  # noqa: E402

METRICS = [
    OutcomeMetric("converted", "conversion", "buy"),
    OutcomeMetric("views", "events_per_user", "view"),
]

BUILD = """
CREATE SCHEMA raw;
CREATE TABLE raw.events AS
SELECT 'x' || i AS event_id, '$feature_flag_called' AS event, 'u' || i AS user_id,
       TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds((hash(i) % 604800)::BIGINT) AS occurred_at,
       json_object('$feature_flag', 'bench', '$feature_flag_response',
                   CASE WHEN hash(i * 7 + 1) % 2 = 0 THEN 'control' ELSE 'treatment' END)
           AS properties, NULL::VARCHAR AS account_id
FROM range({users}) t(i)
UNION ALL
SELECT 'y' || i, '$feature_flag_called', 'u' || (i * 200), TIMESTAMPTZ '2026-01-08 00:00:00+00',
       json_object('$feature_flag', 'bench', '$feature_flag_response', 'treatment'), NULL
FROM range({users} // 200) t(i)
UNION ALL
SELECT 'o' || i, CASE WHEN hash(i * 3) % 5 = 0 THEN 'buy' ELSE 'view' END,
       'u' || (hash(i) % {users}),
       TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds((hash(i * 11) % 1209600)::BIGINT),
       '{{}}'::JSON, NULL
FROM range({events}) t(i);
"""

HAND = """
WITH flags AS (
    SELECT user_id, properties ->> '$."$feature_flag_response"' AS variant, occurred_at
    FROM raw.events
    WHERE event = '$feature_flag_called' AND (properties ->> '$."$feature_flag"') = 'bench'
),
users AS (
    SELECT user_id, any_value(variant) AS variant, min(occurred_at) AS first_seen
    FROM flags GROUP BY user_id HAVING count(DISTINCT variant) = 1
),
outcomes AS (
    SELECT u.user_id, u.variant,
           count(*) FILTER (WHERE e.event = 'buy') AS buys,
           count(*) FILTER (WHERE e.event = 'view') AS views
    FROM users u JOIN raw.events e ON e.user_id = u.user_id AND e.occurred_at >= u.first_seen
    WHERE e.event IN ('buy', 'view')
    GROUP BY u.user_id, u.variant
)
SELECT u.variant, count(*) AS users,
       sum(coalesce(o.buys, 0) > 0)::DOUBLE AS converted,
       sum(coalesce(o.views, 0))::DOUBLE AS views,
       sum(coalesce(o.views, 0) * coalesce(o.views, 0))::DOUBLE AS views_squared
FROM users u LEFT JOIN outcomes o USING (user_id)
GROUP BY u.variant ORDER BY u.variant
"""


def ours(connection: duckdb.DuckDBPyConnection):
    sums = variant_sums(
        connection, exposure_event="$feature_flag_called", flag_key="bench", metrics=METRICS
    )
    variants = sorted(sums.users)
    inputs = {
        "converted": MetricInput(
            [ProportionSummary(*sums.sums["converted"][v][:2]) for v in variants]
        ),
        "views": MetricInput([MeanSummary(*sums.sums["views"][v]) for v in variants]),
    }
    analyse(
        variants=variants,
        users=[sums.users[v] for v in variants],
        weights=[0.5, 0.5],
        metrics=inputs,
    )
    return sums


def best_of(runs: int, fn) -> tuple[float, float, Any]:
    """The best wall time and the best CPU time (every thread's) of ``runs`` calls."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        started = time.perf_counter()
        with duckdb.connect(str(path)) as writer:
            writer.execute(BUILD.format(users=args.users, events=args.events))
        print(f"# store written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        connection = duckdb.connect(str(path), read_only=True)
        hand_time, hand_cpu, hand = best_of(3, lambda: connection.execute(HAND).fetchall())
        our_time, our_cpu, sums = best_of(3, lambda: ours(connection))
        for variant, users, converted, views, squares in hand:
            assert sums.users[variant] == users, (variant, users)
            assert sums.sums["converted"][variant][1] == converted
            assert sums.sums["views"][variant][1:] == (views, squares)
    calls = []
    for _ in range(2000):
        started = time.perf_counter()
        design.proportion_sample_size(baseline=0.1, mde=0.02, daily_users=5000)
        calls.append(time.perf_counter() - started)
    print(f"experiment_analysis: {our_time:.2f} s (goal <= 5 s)")
    print(f"experiment_analysis_cpu: {our_cpu:.2f} s (goal <= 5 s)")
    print(f"experiment_vs_duckdb: {our_time / hand_time:.2f} x (goal <= 2 x)")
    print(f"experiment_vs_duckdb_cpu: {our_cpu / hand_cpu:.2f} x (goal <= 2 x)")
    print(f"design_calculator: {statistics.median(calls) * 1000:.3f} ms (goal <= 50 ms)")


if __name__ == "__main__":
    main()
