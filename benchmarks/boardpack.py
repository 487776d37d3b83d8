"""Board pack speed: the seconds to write a quarter's deck and PDF (goal: <= 30 s at medium).

Builds the sandbox at ``--scale`` (or reuses ``--data-dir`` if a sandbox is already there),
then writes the board pack of ``--quarter`` (default: the last complete quarter of the data)
with the same code as ``greenroom boardpack``, twice: cold (the first read of each metric
after a refresh, and vl-convert's first start in the process) and warm. Prints
``name: value unit (goal <= N s)`` lines and where the files went.

    .venv/bin/python benchmarks/boardpack.py --scale medium [--data-dir DIR] [--quarter 2025Q4]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 30.0


def _build(data_dir: Path, scale: str) -> None:
    command = [sys.executable, "-m", "greenroom.cli", "demo", "--scale", scale, "--no-serve"]
    subprocess.run([*command, "--data-dir", str(data_dir)], check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--quarter", help="e.g. 2025Q4 (default: the last complete quarter)")
    parser.add_argument("--out", type=Path, help="where to write the files (default: a temp dir)")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="boardpack-bench-"))
    if not (data_dir / "greenroom.sqlite3").exists():
        started = time.perf_counter()
        _build(data_dir, args.scale)
        print(f"sandbox build ({args.scale}): {time.perf_counter() - started:.1f} s")
    os.environ["GREENROOM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    import django

    django.setup()
    from greenroom.accounts.models import Workspace
    from greenroom.dashboards import boardpack
    from greenroom.dashboards.periods import month_add
    from greenroom.metrics import selectors as metrics

    workspace = Workspace.objects.order_by("pk").first()
    assert workspace is not None, "no workspace: the sandbox did not build"
    quarter = args.quarter
    if quarter is None:
        as_of = metrics.as_of(workspace=workspace)
        last = month_add(
            as_of.replace(day=1), -((as_of.month - 1) % 3) - 1
        )  # previous quarter's end
        quarter = f"{last.year}Q{(last.month - 1) // 3 + 1}"
    out = args.out or Path(tempfile.mkdtemp(prefix="boardpack-out-"))
    for label in ("cold", "warm"):
        started, cpu = time.perf_counter(), time.process_time()
        _, paths = boardpack.write(workspace=workspace, quarter=quarter, out=out)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        # CPU time beside wall time: on a loaded machine wall time is mostly waiting for a core
        # (vl-convert renders in this process, so its work is counted).
        print(
            f"board pack {quarter} ({args.scale}, {label}): {elapsed:.1f} s (goal <= {GOAL:.0f} s; "
            f"CPU {cpu:.1f} s; load average {os.getloadavg()[0]:.1f})"
        )
    for path in paths:
        print(f"  {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
