"""Time the tabular billing import of charges against DuckDB's own read_csv of the same file.

Writes ``--rows`` generated monthly charges (customers of the sandbox's ``--scale`` size, a
plan, an amount with a thousands separator on some rows, a currency) as one CSV, then in the
same run:

- baseline: `CREATE TABLE AS SELECT * FROM read_csv(file)` into a fresh DuckDB file;
- import: `greenroom sources sync` of a billing_charges source reading that file into an
  empty analytics store (typing every value, the checks, the merge and the cursor); each
  attempt uses a workspace (and so a store) of its own.

Each is run ``--repeat`` times, interleaved; the fastest run of each counts (on a shared
machine that is the closest to the cost of the work itself), in wall-clock and in CPU time. Prints
``billing_import_1m_rows: X s (...)`` and ``billing_import_vs_read_csv: R x (goal <= 3 x)``.

    .venv/bin/python benchmarks/billing_import.py [--rows 1000000] [--scale medium]
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

GOAL_RATIO = 3.0
# CPU seconds of this process (DuckDB's threads included) per run: on a shared machine the
# wall clock also counts other people's work, the CPU time does not.
CPU: dict[str, list[float]] = {"baseline": [], "import": []}
CUSTOMERS = {"small": 2_000, "medium": 20_000, "large": 100_000}


def write_charges(path: Path, *, rows: int, customers: int) -> None:
    """``rows`` charges: customer i pays each month from 2020-01 on, one plan each."""
    import duckdb

    with duckdb.connect() as conn:
        conn.execute(
            f"""
            COPY (
                SELECT 'cus_' || (r % {customers}) AS customer,
                       strftime(DATE '2020-01-01' + to_months(CAST(r // {customers} AS INTEGER)),
                                '%Y-%m') AS month,
                       CASE WHEN r % 7 = 0 THEN '1,' || lpad(CAST(r % 1000 AS VARCHAR), 3, '0')
                                                 || '.50'
                            ELSE CAST(10 + r % 990 AS VARCHAR) || '.00' END AS amount,
                       CASE WHEN r % 5 = 0 THEN 'EUR' ELSE 'USD' END AS currency,
                       ['starter', 'team', 'business'][1 + r % 3] AS plan
                FROM range({rows}) t(r)
            ) TO '{path}' (HEADER, DELIMITER ',')
            """
        )


def baseline_seconds(path: Path, folder: Path, attempt: int) -> float:
    """DuckDB reading the same file into a table of a fresh database file."""
    import duckdb

    started, cpu = time.perf_counter(), time.process_time()
    with duckdb.connect(str(folder / f"baseline-{attempt}.duckdb")) as conn:
        conn.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
    CPU["baseline"].append(time.process_time() - cpu)
    return time.perf_counter() - started


def import_seconds(charges: Path, attempt: int) -> tuple[float, int]:
    """One sync of a new billing source, in a workspace of its own, into an empty store."""
    from greenroom.accounts.models import Workspace
    from greenroom.sources import services

    workspace = Workspace.objects.create(name=f"Bench {attempt}", slug=f"bench-{attempt}")
    source = services.source_create(
        actor=None,
        workspace=workspace,
        name="bench-charges",
        kind="billing_charges",
        settings={"path": str(charges)},
        trusted=True,
    )
    started, cpu = time.perf_counter(), time.process_time()
    run = services.source_sync(source=source, progress=lambda message: None)
    elapsed = time.perf_counter() - started
    CPU["import"].append(time.process_time() - cpu)
    if run.status != "succeeded":
        raise SystemExit(f"The import did not succeed: {run.status} {run.errors[:3]}")
    return elapsed, run.rows_loaded


def setup_django(folder: Path) -> None:
    os.environ.pop("GREENROOM_DATABASE_URL", None)
    os.environ["GREENROOM_DATA_DIR"] = str(folder / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--scale", choices=sorted(CUSTOMERS), default="medium")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="greenroom-bench-billing-") as tmp:
        folder = Path(tmp)
        charges = folder / "charges.csv"
        write_charges(charges, rows=args.rows, customers=CUSTOMERS[args.scale])
        setup_django(folder)
        baselines, imports, loaded = [], [], 0
        for attempt in range(args.repeat):
            baselines.append(baseline_seconds(charges, folder, attempt))
            elapsed, loaded = import_seconds(charges, attempt)
            imports.append(elapsed)
        baseline, best = min(baselines), min(imports)
    runs = "/".join(f"{value:.2f}" for value in imports)
    print(
        f"billing_import_1m_rows: {best:.2f} s ({args.rows:,} rows, {loaded:,} loaded, "
        f"runs {runs} s)"
    )
    print(f"billing_read_csv: {baseline:.2f} s")
    print(f"billing_import_vs_read_csv: {best / baseline:.2f} x (goal <= {GOAL_RATIO:g} x)")
    cpu_base, cpu_import = min(CPU["baseline"]), min(CPU["import"])
    print(f"billing_cpu: read_csv {cpu_base:.2f} s, import {cpu_import:.2f} s")
    print(
        f"billing_import_vs_read_csv_cpu: {cpu_import / cpu_base:.2f} x (goal <= {GOAL_RATIO:g} x)"
    )


if __name__ == "__main__":
    main()
