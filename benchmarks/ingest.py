"""Time Greenroom's event ingest against DuckDB's own read_json of the same file.

Builds the sandbox company's product events with the generator at ``--scale`` and writes the
first ``--events`` of them (by time) as a JSON lines file of Segment `track` calls, the shape
analytics.js sends, then in the same run:

- baseline: `CREATE TABLE AS SELECT * FROM read_json(file)` into a fresh DuckDB file;
- ingest: `greenroom sources sync` of a segment source reading that file into an empty
  analytics store (byte scan, staging, validation, normalisation, merge, cursor);
- resync: the same file again with --full into the now-full store (every row merged by id).

Each is run ``--repeat`` times, interleaved, and the fastest run of each counts: on a shared
machine that is the closest to the cost of the work itself.

Prints `name: value unit (goal <= X unit)` lines; the goal is ingest <= 2x the baseline.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

GOAL_RATIO = 2.0
END = date(2026, 11, 20)


def write_events(path: Path, folder: Path, scale: str, events: int) -> tuple[int, int]:
    """The sandbox's events as Segment track calls: how many lines, and how many distinct
    events (the sandbox repeats some deliveries, as Segment does; a sync keeps one)."""
    import duckdb

    from greenroom.sandbox import business

    files = business.generate(out_dir=folder / "business", scale=scale, seed=7, end=END)
    with duckdb.connect() as conn:
        conn.execute(
            f"""
            COPY (
                SELECT 'track' AS type, id AS messageId, event, user_id AS userId,
                       anonymous_id AS anonymousId,
                       {{'groupId': group_id,
                         'library': {{'name': 'analytics.js', 'version': '4.1.0'}}}} AS context,
                       {{'product': product, 'feature': feature}} AS properties,
                       strftime(timestamp AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ')
                           AS timestamp,
                       strftime(received_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ')
                           AS receivedAt
                FROM read_parquet('{files.events}')
                ORDER BY timestamp LIMIT {int(events)}
            ) TO '{path}' (FORMAT JSON)
            """
        )
        return conn.execute(
            f"SELECT count(*), count(DISTINCT messageId) FROM read_json('{path}')"
        ).fetchone()


def baseline_seconds(path: Path, folder: Path, attempt: int) -> float:
    """DuckDB reading the same file into a table of a fresh database file."""
    import duckdb

    started = time.perf_counter()
    with duckdb.connect(str(folder / f"baseline-{attempt}.duckdb")) as conn:
        conn.execute(
            f"CREATE TABLE t AS SELECT * FROM read_json('{path}', format = 'newline_delimited')"
        )
    return time.perf_counter() - started


def greenroom_seconds(*, full: bool) -> tuple[float, int]:
    """One sync of the source (into the store the settings point at)."""
    from greenroom.sources import services
    from greenroom.sources.models import Source

    source = Source.objects.get(name="bench-events")
    started = time.perf_counter()
    run = services.source_sync(source=source, full=full, progress=lambda message: None)
    elapsed = time.perf_counter() - started
    if run.status != "succeeded":
        raise SystemExit(f"The sync did not succeed: {run.status} {run.message} {run.errors[:3]}")
    return elapsed, run.rows_loaded


def setup_django(folder: Path, events_path: Path) -> None:
    os.environ.pop("GREENROOM_DATABASE_URL", None)
    os.environ["GREENROOM_DATA_DIR"] = str(folder / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from greenroom.accounts.models import Workspace
    from greenroom.sources import services

    workspace = Workspace.objects.create(name="Bench", slug="bench")
    services.source_create(
        actor=None,
        workspace=workspace,
        name="bench-events",
        kind="segment",
        settings={"path": str(events_path)},
        trusted=True,
    )


def _all(values: list[float]) -> str:
    return "/".join(f"{value:.2f}" for value in values) + " s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("small", "medium", "large"), default="medium")
    parser.add_argument("--events", type=int, default=1_000_000, help="at most this many")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="greenroom-ingest-") as tmp:
        folder = Path(tmp)
        events_path = folder / "events.jsonl"
        started = time.perf_counter()
        written, distinct = write_events(events_path, folder, args.scale, args.events)
        generated = time.perf_counter() - started
        size_mb = events_path.stat().st_size / 1e6
        setup_django(folder, events_path)
        from django.conf import settings

        baselines, ingests, resyncs = [], [], []
        for attempt in range(args.repeat):
            baselines.append(baseline_seconds(events_path, folder, attempt))
            # A fresh, empty analytics store for each first load.
            settings.ANALYTICS_DIR = folder / f"analytics-{attempt}"
            seconds, loaded = greenroom_seconds(full=False)
            ingests.append(seconds)
            resyncs.append(greenroom_seconds(full=True)[0])
        baseline, ingest, resync = min(baselines), min(ingests), min(resyncs)
    if loaded != distinct:
        raise SystemExit(f"Loaded {loaded} events, expected {distinct}.")
    ratio = ingest / baseline
    print(f"ingest_file: {written} {args.scale} sandbox events, {size_mb:.0f} MB")
    print(f"# {distinct} distinct: the sandbox repeats some deliveries, as Segment does")
    print(f"# generated and written in {generated:.1f} s")
    print(f"ingest_runs: best of {args.repeat}; baseline {_all(baselines)}, ingest {_all(ingests)}")
    print(f"ingest_baseline_duckdb_read_json: {baseline:.2f} s")
    print(f"ingest_greenroom_segment: {ingest:.2f} s")
    print(f"ingest_vs_read_json: {ratio:.2f} x (goal <= {GOAL_RATIO} x)")
    print(f"ingest_rate: {written / ingest / 1e3:.0f} k events/s")
    print(f"ingest_full_resync_merge: {resync:.2f} s ({resync / baseline:.2f} x read_json)")
    sys.exit(0 if ratio <= GOAL_RATIO else 1)


if __name__ == "__main__":
    main()
