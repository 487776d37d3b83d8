"""Time a quarterly review's pre-read pack (page and PDF) and the scorecard page on a sandbox.

Builds the sandbox with `greenroom demo --scale S --no-serve` in a temporary data folder
(or uses ``--data-dir`` when one is built already), then, signed in as product ops through
Django's test client:

- the next Quarterly business review's pack page and its PDF, ``--repeat`` times each; the
  slowest run counts against the goal (<= 10 s each);
- the scorecard page ``--requests`` times; its p95 counts (goal <= 300 ms);
- in the same run, a page that reads almost nothing (the team pulse form), as the machine's
  baseline under the load of the moment.

Prints `name: value unit (goal ...)` lines, each with its CPU time (time.process_time: the
machine is shared, and CPU time is what load distorts least) and, for the scorecard, its
ratio to the baseline page measured in the same run.

    .venv/bin/python benchmarks/cadences.py [--scale medium] [--data-dir DIR]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="greenroom-cadences-bench-"))
    os.environ["GREENROOM_DATA_DIR"] = str(data_dir)
    if args.data_dir is None:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "greenroom.cli", "demo", "--scale", args.scale, "--no-serve"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"sandbox_build_{args.scale}: {time.perf_counter() - started:.1f} s")

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from greenroom.accounts.models import User
    from greenroom.cadences.models import Occurrence

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(User.objects.get(email="ops@harbor.example"))
    occurrence = (
        Occurrence.objects.filter(
            cadence__name="Quarterly business review", starts_at__gte=timezone.now()
        )
        .order_by("starts_at")
        .first()
    )
    url = reverse("cadences:occurrence", args=[occurrence.pk])
    for name, target in (("pack_page", url), ("pack_pdf", url + "?format=pdf")):
        runs, cpu = _timed(client, target, args.repeat)
        print(
            f"quarterly_{name}: {max(runs) / 1000:.2f} s slowest of {args.repeat} "
            f"(first {runs[0] / 1000:.2f} s; CPU {max(cpu) / 1000:.2f} s; goal <= 10 s)"
        )
    # The machine's own floor in the same run: a signed-in page that reads almost nothing
    # (the team pulse form), so a slow scorecard can be told from a loaded machine.
    floor, floor_cpu = _timed(client, reverse("cadences:pulse"), args.requests)
    times, cpu = _timed(client, reverse("scorecard"), args.requests)
    p95, cpu_p95 = _p95(times), _p95(cpu)
    print(
        f"scorecard_p95: {p95:.0f} ms over {args.requests} requests "
        f"(CPU p95 {cpu_p95:.0f} ms; {p95 / _p95(floor):.1f}x the baseline page; "
        "goal <= 300 ms)"
    )
    print(
        f"baseline_page_p95: {_p95(floor):.0f} ms (CPU p95 {_p95(floor_cpu):.0f} ms; "
        "the pulse form)"
    )


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _timed(client, url: str, times: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of ``times`` GETs of ``url`` (each must answer 200)."""
    wall, cpu = [], []
    for _ in range(times):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return wall, cpu


if __name__ == "__main__":
    main()
