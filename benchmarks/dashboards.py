"""Dashboard speed: p95 server time per dashboard page and per filter change (the htmx body).

Builds the sandbox at ``--scale`` (or reuses ``--data-dir`` if a sandbox is already there),
signs in the demo admin with Django's test client (in-process: the time measured is the
server's, from request to rendered response), then, in the same run:

- baseline: the ``metrics.selectors`` calls each page makes, replayed alone (recorded while
  the page warmed up), so the rest is what the dashboards add: slicing, charts, templates;
- page: each dashboard, full page, ``--repeat`` times after one warm-up request (the cold
  cache, the first read of each metric after a refresh, is excluded as the goal says);
- filter: htmx requests of the dashboard body for a spread of filters (periods, segments,
  products, markets, plans); each combination once warm-up, then timed;
- custom: a team dashboard of ``CUSTOM_TILES`` composed through the app's services (metric,
  slice, chart, grain, period per tile), read by the admin, timed the same way.

The cold figures are the first read after a refresh: stickiness and weekly retention are read
from the tables the refresh stores (metrics/summaries.py), not counted from activity per
request.

Prints ``name: value unit (goal <= N ms)`` lines.

    .venv/bin/python benchmarks/dashboards.py --scale medium [--data-dir DIR] [--repeat 20]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOALS = {"page": 300, "filter": 150}
DASHBOARDS = ("executive", "portfolio", "customers", "usage")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _build(data_dir: Path, scale: str) -> None:
    command = [sys.executable, "-m", "greenroom.cli", "demo", "--scale", scale, "--no-serve"]
    subprocess.run([*command, "--data-dir", str(data_dir)], check=True, stdout=subprocess.DEVNULL)


def _setup(data_dir: Path):
    os.environ["GREENROOM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host and storage, no other change
    from greenroom.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email="admin@harbor.example"))
    return client


class Recorder:
    """Wraps metrics.selectors' reads to note each call a page makes, to replay alone."""

    def __init__(self) -> None:
        from greenroom.metrics import selectors

        self.selectors = selectors
        self.calls: list[tuple[str, dict]] = []
        self.recording = False
        for name in ("metric", "account_movements", "dimension_values", "as_of"):
            original = getattr(selectors, name)
            setattr(selectors, name, self._wrap(name, original))
        self.originals = {}

    def _wrap(self, name, original):
        def wrapped(*args, **kwargs):
            if self.recording:
                self.calls.append((name, args, dict(kwargs)))
            return original(*args, **kwargs)

        wrapped.original = original
        return wrapped

    def replay_ms(self, calls) -> float:
        started = time.perf_counter()
        for name, args, kwargs in calls:
            getattr(self.selectors, name).original(*args, **kwargs)
        return 1000 * (time.perf_counter() - started)


CPU: list[float] = []  # CPU ms of every timed request, in order (wall time is distorted by load)


def _timed(client, url: str, **headers) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, **headers)
    elapsed = 1000 * (time.perf_counter() - started)
    CPU.append(1000 * (time.process_time() - cpu))
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def _cpu_of(count: int) -> list[float]:
    """The CPU times of the last ``count`` timed requests."""
    return CPU[-count:]


CUSTOM_TILES = [
    {"metric": "arr", "chart": "number"},
    {"metric": "mrr", "chart": "line"},
    {"metric": "arr", "chart": "ranked", "by": "segment"},
    {"metric": "active_users", "chart": "bar", "by": "product"},
    {"metric": "stickiness", "chart": "line"},
    {"metric": "nrr", "chart": "line", "filter_dimension": "segment"},
    {"metric": "logo_churn", "chart": "line", "period": "24m"},
    {"metric": "active_accounts", "chart": "line", "grain": "week", "period": "3m"},
]


def _custom_dashboard() -> str:
    """A team dashboard composed through the services (replaced if a run left one)."""
    from greenroom.accounts.models import User, Workspace
    from greenroom.dashboards import services
    from greenroom.dashboards.models import CustomDashboard
    from greenroom.metrics import selectors

    workspace = Workspace.objects.get(slug="harbor-systems")
    admin = User.objects.get(email="admin@harbor.example")
    CustomDashboard.objects.for_workspace(workspace).filter(name="Benchmark").delete()
    board = services.custom_dashboard_create(actor=admin, workspace=workspace, name="Benchmark")
    segment = selectors.dimension_values(workspace=workspace)["segment"][0]
    for tile in CUSTOM_TILES:
        fields = dict(tile)
        if "filter_dimension" in fields:
            fields["filter_value"] = segment
        services.tile_add(actor=admin, dashboard=board, **fields)
    return f"/dashboards/custom/{board.pk}/"


def _filters(client) -> list[str]:
    from greenroom.accounts.models import Workspace
    from greenroom.metrics import selectors

    values = selectors.dimension_values(workspace=Workspace.objects.get(slug="harbor-systems"))
    spread = ["period=6m", "period=3m", "period=ytd", "period=24m"]
    for dim in ("segment", "product", "market", "plan", "region"):
        spread += [f"{dim}={v}" for v in values[dim][:3]]
    return spread


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-dashboards-"))
    if not (data_dir / "greenroom.sqlite3").exists():
        _build(data_dir, args.scale)
    client = _setup(data_dir)
    recorder = Recorder()
    filters = _filters(client)
    hx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dashboard"}
    results = {}
    for key in DASHBOARDS:
        url = f"/dashboards/{key}/"
        recorder.calls, recorder.recording = [], True
        cold = _timed(client, url)
        recorder.recording = False
        calls = list(recorder.calls)
        pages = [_timed(client, url) for _ in range(args.repeat)]
        pages_cpu = _cpu_of(args.repeat)
        baseline = [recorder.replay_ms(calls) for _ in range(args.repeat)]
        first, again, again_cpu = [], [], []
        for query in filters:
            first.append(_timed(client, f"{url}?{query}", **hx))
            again.append(_timed(client, f"{url}?{query}", **hx))
            again_cpu += _cpu_of(1)
        results[key] = (cold, pages, pages_cpu, baseline, first, again, again_cpu)
    custom_url = _custom_dashboard()
    custom_cold = _timed(client, custom_url)
    custom_pages = [_timed(client, custom_url) for _ in range(args.repeat)]
    custom_cpu = _cpu_of(args.repeat)
    print(f"scale: {args.scale} ({data_dir}); load average {os.getloadavg()[0]:.1f}")
    print(f"dashboard_custom_cold: {custom_cold:.0f} ms ({len(CUSTOM_TILES)} tiles; first read)")
    print(
        f"dashboard_custom_page_p95: {p95(custom_pages):.0f} ms (goal <= {GOALS['page']} ms; "
        f"{len(CUSTOM_TILES)} tiles; CPU p95 {p95(custom_cpu):.0f} ms)"
    )
    for key, (cold, pages, pages_cpu, baseline, first, again, again_cpu) in results.items():
        ratio = p95(pages) / max(p95(baseline), 0.1)
        print(f"dashboard_{key}_cold: {cold:.0f} ms (first read after a refresh; not a goal)")
        print(
            f"dashboard_{key}_page_p95: {p95(pages):.0f} ms (goal <= {GOALS['page']} ms; "
            f"CPU p95 {p95(pages_cpu):.0f} ms; {ratio:.1f}x the baseline)"
        )
        print(f"dashboard_{key}_baseline_p95: {p95(baseline):.0f} ms (metrics.selectors alone)")
        print(
            f"dashboard_{key}_filter_p95: {p95(again):.0f} ms (goal <= {GOALS['filter']} ms; "
            f"CPU p95 {p95(again_cpu):.0f} ms; {len(again)} filters, each seen once before)"
        )
        print(
            f"dashboard_{key}_filter_first_p95: {p95(first):.0f} ms (a slice nobody asked for "
            f"since the refresh; median {statistics.median(first):.0f} ms)"
        )


if __name__ == "__main__":
    main()
