"""Time `greenroom demo --scale S --no-serve` from an empty data folder.

Prints one line per measure, `name: value unit (goal <= X unit)`, and the ratio against a
baseline measured in the same run: migrating an empty database, the fixed cost every build
pays before any sandbox data exists.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = {"small": 20, "medium": 60, "large": 180}


def timed(command: list[str], data_dir: Path) -> float:
    environment = {k: v for k, v in os.environ.items() if k != "GREENROOM_DATABASE_URL"}
    environment["GREENROOM_DATA_DIR"] = str(data_dir)
    started = time.perf_counter()
    subprocess.run(command, check=True, env=environment, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=list(GOAL_SECONDS), default="medium")
    args = parser.parse_args()
    greenroom = [sys.executable, "-m", "greenroom.cli"]
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as sandbox:
        baseline = timed([*greenroom, "migrate"], Path(empty))
        build = timed(
            [*greenroom, "demo", "--scale", args.scale, "--no-serve", "--data-dir", sandbox],
            Path(sandbox),
        )
        size_mb = sum(f.stat().st_size for f in Path(sandbox).rglob("*") if f.is_file()) / 1e6
    print(f"demo_build_{args.scale}: {build:.1f} s (goal <= {GOAL_SECONDS[args.scale]} s)")
    print(f"migrate_only_baseline: {baseline:.1f} s")
    print(f"demo_build_vs_migrate: {build / baseline:.1f} x")
    print(f"data_folder_size_{args.scale}: {size_mb:.0f} MB")


if __name__ == "__main__":
    main()
