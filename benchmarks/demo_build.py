"""Time `greenroom demo --scale S --no-serve` from an empty data folder.

Prints one line per measure, `name: value unit (goal <= X unit)`, and the ratio against a
baseline measured in the same run: `greenroom migrate` of an empty database, what any new
install pays before it holds data (the sandbox makes its tables from the models instead).
Then each step of the build as it timed itself (`sandbox/build-steps.json`: wall and CPU
seconds; steps beside the main line say so), the build's CPU seconds and the load average
around it: on a shared machine wall-clock times move with the others' load, CPU times much
less.
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = {"small": 20, "medium": 60, "large": 180}


def timed(command: list[str], data_dir: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user and system, children included) of ``command``."""
    environment = {k: v for k, v in os.environ.items() if k != "GREENROOM_DATABASE_URL"}
    environment["GREENROOM_DATA_DIR"] = str(data_dir)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, env=environment, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=list(GOAL_SECONDS), default="medium")
    args = parser.parse_args()
    greenroom = [sys.executable, "-m", "greenroom.cli"]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as sandbox:
        baseline, baseline_cpu = timed([*greenroom, "migrate"], Path(empty))
        build, build_cpu = timed(
            [*greenroom, "demo", "--scale", args.scale, "--no-serve", "--data-dir", sandbox],
            Path(sandbox),
        )
        steps = json.loads((Path(sandbox) / "sandbox" / "build-steps.json").read_text())
        size_mb = sum(f.stat().st_size for f in Path(sandbox).rglob("*") if f.is_file()) / 1e6
    load_after = os.getloadavg()
    print(f"demo_build_{args.scale}: {build:.1f} s (goal <= {GOAL_SECONDS[args.scale]} s)")
    print(f"demo_build_{args.scale}_cpu: {build_cpu:.1f} s")
    print(f"migrate_only_baseline: {baseline:.1f} s (CPU {baseline_cpu:.1f} s)")
    print(f"demo_build_vs_migrate: {build / baseline:.1f} x")
    print(f"data_folder_size_{args.scale}: {size_mb:.0f} MB")
    for step in steps:
        name = re.sub(r"[^a-z0-9]+", "_", step["name"].lower()).strip("_")
        where = f", {step['lane']}" if step["lane"] else ""
        print(f"step_{name}: {step['wall']:.1f} s (CPU {step['cpu']:.1f} s{where})")
    print(
        "load_average: "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min; {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
