"""Time the metrics refresh and queries on sandbox data, against hand-written DuckDB SQL.

Builds the sandbox business data at --scale (greenroom/sandbox/business.py), loads it into
raw tables (all but the last two days of events), then measures in the same run:

- full refresh: the refresh (raw → model → rollups) plus computing every metric that has a
  hand-written twin, divided by the time of those hand-written DuckDB queries
  (greenroom/metrics/tests/independent.py) computing the same numbers from raw;
- incremental refresh: loading one more day of events as a new batch, then refreshing, as
  a share of the full refresh; twice, because the first refresh in a process also compiles
  the active-count queries (a fixed second), which a long-lived worker does once;
- publishing: the copy of the refreshed store into the snapshot readers switch to, as a
  share of the full refresh;
- dashboard query: p95 of the Metrics page's queries (MRR, movements, NRR, MAU per product
  for twelve months) answered from the model and rollup tables;
- peak memory of a full refresh, in a freshly started process.

Prints one line per measure: ``name: value unit (goal <= X unit)``.

    .venv/bin/python benchmarks/metrics_refresh.py --scale small
    .venv/bin/python benchmarks/metrics_refresh.py --scale large --work-dir var/bench-large

With ``--work-dir`` the generated files and the loaded raw store are kept and reused by the
next run at the same scale and seed (generating the large scale takes minutes).
"""

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")

import django

django.setup()

from greenroom.metrics import store  # noqa: E402
from greenroom.metrics.definitions import Catalog, Query, compiled_sql, expression  # noqa: E402
from greenroom.metrics.refresh import refresh_connection  # noqa: E402
from greenroom.metrics.tests import independent  # noqa: E402
from greenroom.metrics.tests.raw import REFERENCE, load_business_files  # noqa: E402
from greenroom.sandbox import business  # noqa: E402

END = date(2026, 11, 20)
PREVIOUS = END - timedelta(days=1)
DASHBOARD = [
    ("mrr", Query(start=date(2025, 12, 1))),
    ("mrr_movements", Query(start=date(2025, 12, 1))),
    ("nrr", Query(start=date(2025, 12, 1))),
    ("mau", Query(by=("product",), start=date(2025, 12, 1))),
]


def _quiet(_: str) -> None:
    pass


def _metrics_time(connection) -> float:
    catalog = Catalog(store.ibis_backend(connection))
    started = time.perf_counter()
    for metric, by, grain in independent.EQUIVALENT.values():
        expression(catalog, metric, Query(by=by, grain=grain)).to_pyarrow()
    return time.perf_counter() - started


def _hand_time(connection) -> float:
    started = time.perf_counter()
    for name in independent.QUERIES:
        independent.compute(connection, name, END)
    return time.perf_counter() - started


def _child_full_refresh(path: str, queue) -> None:
    # A spawned process starts empty: its peak memory is the refresh's own, not inherited.
    connection = store.connect(path)
    started = time.perf_counter()
    refresh_connection(connection, reference=REFERENCE, as_of=END, full=True, progress=_quiet)
    queue.put((time.perf_counter() - started, _peak_rss_kb()))
    connection.close()


def _peak_rss_kb() -> int:
    # VmHWM restarts at exec; ru_maxrss would still count the parent's pages seen at fork.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@contextmanager
def _work_dir(keep: str | None):
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        yield Path(keep)
    else:
        with tempfile.TemporaryDirectory() as folder:
            yield Path(folder)


def _raw_store(work: Path, scale: str, seed: int) -> tuple[str, business.BusinessFiles]:
    """The raw store with all but the last two days of events, built once per scale and seed."""
    files_dir = work / f"files-{scale}-{seed}"
    raw_path = work / f"raw-{scale}-{seed}-to-{PREVIOUS}.duckdb"
    marker = files_dir / "complete"
    started = time.perf_counter()
    if not marker.exists():
        files = business.generate(out_dir=files_dir, scale=scale, seed=seed, end=END)
        marker.write_text(repr(files))
        raw_path.unlink(missing_ok=True)
        print(f"# generated {scale} sandbox in {time.perf_counter() - started:.1f} s")
    files = business.business_files(files_dir)
    if not raw_path.exists():
        connection = store.connect(str(raw_path) + ".partial")
        load_business_files(connection, files, events_before=PREVIOUS)
        connection.close()
        os.replace(str(raw_path) + ".partial", raw_path)
    path = str(work / "analytics.duckdb")
    shutil.copyfile(raw_path, path)
    return path, files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=list(business.SCALES), default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work-dir", help="keep generated files and the raw store here")
    args = parser.parse_args()
    with _work_dir(args.work_dir) as work:
        path, files = _raw_store(work, args.scale, args.seed)
        connection = store.connect(path)
        events = connection.execute("SELECT count(*) FROM raw.events").fetchone()[0]
        accounts = connection.execute("SELECT count(*) FROM raw.stripe_customers").fetchone()[0]
        print(f"# raw: {events:,} events (before {PREVIOUS}), {accounts:,} customers")
        connection.close()

        # Peak memory and time of a full refresh, in a fresh process.
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        child = context.Process(target=_child_full_refresh, args=(path, queue))
        child.start()
        refresh_seconds, peak_kb = queue.get()
        child.join()
        peak_gb = peak_kb / 1024 / 1024

        connection = store.connect(path)
        full_seconds = refresh_seconds + _metrics_time(connection)
        hand_seconds = _hand_time(connection)

        # Two new days, each refreshed on its own: the first refresh in a process also
        # compiles the active-count queries (cached for the process), the second is what a
        # worker that has refreshed before pays.
        incremental = []
        for day in (PREVIOUS, END):
            load_business_files(connection, files, events_on=day)
            started = time.perf_counter()
            report = refresh_connection(connection, reference=REFERENCE, as_of=END, progress=_quiet)
            incremental.append(time.perf_counter() - started)
            assert (report.mode, report.days_rebuilt) == ("incremental", 1), report
        # What readers wait for after a refresh: the copy of the store into a new snapshot
        # file (metrics.store.publish), which every refresh ends with.
        from django.conf import settings

        settings.ANALYTICS_DIR = Path(path).parent / "published"
        started = time.perf_counter()
        store.publish(connection, 1)
        publish_seconds = time.perf_counter() - started
        connection.close()

        with store_reader(path) as reader:
            catalog = Catalog(store.ibis_backend(reader))
            timings = []
            for _ in range(30):
                for name, query in DASHBOARD:
                    begun = time.perf_counter()
                    sql, schema = compiled_sql(catalog, name, query)
                    reader.execute(sql).to_arrow_table().cast(schema)
                    timings.append(time.perf_counter() - begun)
        p95 = statistics.quantiles(timings, n=20)[-1] * 1000

    print(
        f"# full refresh {refresh_seconds:.2f} s + metrics {full_seconds - refresh_seconds:.2f} s;"
        f" hand-written SQL {hand_seconds:.2f} s; incremental after one new day"
        f" {incremental[0]:.2f} s (first in its process), {incremental[1]:.2f} s (next)"
    )
    print(f"full_refresh_vs_hand_sql: {full_seconds / hand_seconds:.2f} x (goal <= 1.5 x)")
    print(
        f"incremental_first_in_process_vs_full: {100 * incremental[0] / refresh_seconds:.1f} %"
        " (goal <= 5 %)"
    )
    print(f"incremental_vs_full: {100 * incremental[1] / refresh_seconds:.1f} % (goal <= 5 %)")
    print(
        f"publish_snapshot_vs_full: {100 * publish_seconds / refresh_seconds:.1f} % "
        f"({publish_seconds:.2f} s; goal <= 10 %)"
    )
    print(f"dashboard_query_p95: {p95:.1f} ms (goal <= 50 ms)")
    print(f"refresh_peak_memory: {peak_gb:.2f} GB (goal <= 4 GB)")


class store_reader:
    """A read-only connection to the benchmark's own store file."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self):
        self.connection = store.connect(self.path, read_only=True)
        return self.connection

    def __exit__(self, *exc) -> None:
        self.connection.close()


if __name__ == "__main__":
    main()
