"""Precision and recall of the notable changes feed on the sandbox's planted changes.

Builds the sandbox company's organisation, CRM and business data at ``--scale`` (small by
default) with ``--seed``, which plants five changes (greenroom/sandbox/planted_changes.py)
and refreshes the metrics (the feed runs after the refresh); prints recall, precision, what
was missed and what was raised beyond the planted changes, and the seconds the detectors
take on the refreshed store.

    .venv/bin/python benchmarks/insights.py [--scale small] [--seed 7]

One seed per run (each builds its own data directory): run it again for another seed.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="insights-"))
    os.environ["GREENROOM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from greenroom.health import selectors
    from greenroom.health.tests.planted import planted_vs_raised, sandbox_business

    seed = args.seed
    workspace = sandbox_business(data_dir=data_dir, scale=args.scale, seed=seed)
    result = planted_vs_raised(workspace=workspace, data_dir=data_dir)
    started = time.perf_counter()
    selectors.detect(workspace=workspace)
    took = time.perf_counter() - started
    print(f"{args.scale} seed {seed}: {result.line()}; detectors {took:.2f} s")
    print(f"  missed: {result.missed or 'none'}")
    print(f"  raised beyond the planted: {result.false_positives or 'none'}")


if __name__ == "__main__":
    main()
