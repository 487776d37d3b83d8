"""Participant finder and CRM import speed at 100,000 contacts / 20,000 accounts.

Builds the sandbox organisation and the ``bench`` CRM exports with the sandbox generator,
imports them through the customer importers (timed), then runs the finder with a spread of
criteria and reports its p50/p95. The baseline, measured in the same run, is the finder's
first step hand-written in SQL (the filtered, ordered candidate query); the ratio says how
much the finder's fairness and cap checks cost on top of it.

SQLite by default; with GREENROOM_DATABASE_URL set to PostgreSQL it runs there, in a
database of its own that it creates and drops.

    python benchmarks/participant_finder.py [--scale bench] [--queries 40]
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

GOALS = {"finder_p95_ms": 100, "import_contacts_s": 60}
BENCH_DB = "greenroom_bench_finder"


def _database(url: str, create: bool) -> str:
    import psycopg

    admin = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if create:
            connection.execute(f"CREATE DATABASE {BENCH_DB}")
    return urlsplit(url)._replace(path=f"/{BENCH_DB}").geturl()


def _setup(data_dir: Path) -> str:
    os.environ["GREENROOM_DATA_DIR"] = str(data_dir)
    url = os.environ.get("GREENROOM_DATABASE_URL", "")
    if url:
        os.environ["GREENROOM_DATABASE_URL"] = _database(url, create=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def _build(data_dir: Path, scale: str):
    import json

    from greenroom.accounts.models import Workspace
    from greenroom.customers import services
    from greenroom.organisation.services import organisation_import
    from greenroom.sandbox import crm, generator

    org = generator.generate(out_dir=data_dir, scale="large", seed=7)
    workspace = Workspace.objects.create(name="Bench", slug="bench")
    organisation_import(
        actor=None, workspace=workspace, document=json.loads(org.organisation.read_text())
    )
    files = crm.crm_generate(out_dir=data_dir, scale=scale, seed=7, organisation=org.organisation)
    organisation_import(
        actor=None, workspace=workspace, document=json.loads(files.sales_team.read_text())
    )
    timings = {}
    for key, kind, path in (
        ("accounts", "accounts", files.salesforce_accounts),
        ("accounts", "accounts", files.hubspot_companies),
        ("contacts", "contacts", files.salesforce_contacts),
        ("contacts", "contacts", files.hubspot_contacts),
        ("consent", "consent", files.consent),
        ("outreach", "outreach", files.outreach),
    ):
        started = time.perf_counter()
        services.records_import(
            actor=None, workspace=workspace, kind=kind, name=path.name, data=path.read_bytes()
        )
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - started
    return workspace, timings


def _criteria_set(workspace, count: int):
    from greenroom.customers.finder import Criteria
    from greenroom.organisation.models import Market, Plan, Region, Segment

    rng = random.Random(1)
    segments = list(Segment.objects.filter(workspace=workspace))
    regions = list(Region.objects.filter(workspace=workspace))
    markets = list(Market.objects.filter(workspace=workspace))
    plans = list(Plan.objects.filter(workspace=workspace))
    kinds = ["interview", "survey", "prototype_test", "beta", "early_access"]
    criteria = []
    for _ in range(count):
        criteria.append(
            Criteria(
                segment_ids=[rng.choice(segments).pk] if rng.random() < 0.8 else [],
                region_ids=[rng.choice(regions).pk] if rng.random() < 0.5 else [],
                market_ids=[rng.choice(markets).pk] if rng.random() < 0.3 else [],
                plan_ids=[rng.choice(plans).pk] if rng.random() < 0.3 else [],
                role=rng.choice(["admin", "manager", "end user", ""]),
                opted_in=[rng.choice(kinds)],
                not_contacted_days=rng.choice([30, 60, 90, None]),
                per_account=2,
                limit=20,
            )
        )
    return criteria


def _baseline_sql(workspace, criteria) -> float:
    """The candidate query alone, hand-written: the same filters, order and first chunk."""
    from django.db import connection
    from django.utils import timezone

    where = ["c.workspace_id = %s", "c.erased_at IS NULL", "c.do_not_contact = %s"]
    params: list = [workspace.pk, False]
    for column, ids in (
        ("segment_id", criteria.segment_ids),
        ("region_id", criteria.region_ids),
        ("market_id", criteria.market_ids),
        ("plan_id", criteria.plan_ids),
    ):
        if ids:
            where.append(f"a.{column} = %s")
            params.append(ids[0])
    if criteria.role:
        where.append("(c.role = %s OR c.title LIKE %s)")
        params += [criteria.role, f"%{criteria.role}%"]
    for kind in criteria.opted_in:
        where.append(f"c.consent_{kind} = %s")
        params.append(True)
    if criteria.not_contacted_days is not None:
        cutoff = timezone.now() - timezone.timedelta(days=criteria.not_contacted_days)
        where.append("(c.last_contacted_at IS NULL OR c.last_contacted_at < %s)")
        params.append(cutoff)
    sql = (
        "SELECT c.id, c.first_name, c.last_name, c.account_id, c.last_contacted_at "
        "FROM customers_contact c JOIN customers_account a ON a.id = c.account_id "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY CASE WHEN c.last_contacted_at IS NULL THEN 0 ELSE 1 END, "
        "c.last_contacted_at, c.id LIMIT 400"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()
    return time.perf_counter() - started


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="bench", choices=["small", "medium", "large", "bench"])
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = _setup(Path(folder))
        try:
            _run(Path(folder), args)
        finally:
            if url:
                from django.db import connections

                connections.close_all()
                _database(url, create=False)


def _run(folder: Path, args) -> None:
    from django.db import connection

    from greenroom.customers.finder import participants_find
    from greenroom.customers.models import Account, Contact

    workspace, timings = _build(folder, args.scale)
    contacts = Contact.objects.filter(workspace=workspace).count()
    accounts = Account.objects.filter(workspace=workspace).count()
    engine = connection.vendor
    criteria = _criteria_set(workspace, args.queries)
    for warm in criteria[:3]:
        participants_find(workspace=workspace, criteria=warm)
    finder_times, baseline_times, found = [], [], []
    for each in criteria:
        started = time.perf_counter()
        result = participants_find(workspace=workspace, criteria=each)
        finder_times.append(time.perf_counter() - started)
        found.append(len(result.eligible))
        baseline_times.append(_baseline_sql(workspace, each))
    p95, base95 = _percentile(finder_times, 0.95), _percentile(baseline_times, 0.95)
    print(f"# {engine}: {contacts} contacts, {accounts} accounts, {len(criteria)} queries")
    print(
        f"import_{contacts}_contacts_{engine}: {timings['contacts']:.1f} s "
        f"(goal <= {GOALS['import_contacts_s']} s)"
    )
    print(f"import_{accounts}_accounts_{engine}: {timings['accounts']:.1f} s")
    print(f"import_consent_{engine}: {timings['consent']:.1f} s")
    print(f"import_outreach_{engine}: {timings['outreach']:.1f} s")
    print(f"finder_p50_{engine}: {_percentile(finder_times, 0.5) * 1000:.1f} ms")
    print(f"finder_p95_{engine}: {p95 * 1000:.1f} ms (goal <= {GOALS['finder_p95_ms']} ms)")
    print(f"baseline_sql_p95_{engine}: {base95 * 1000:.1f} ms")
    print(f"finder_vs_sql_p95_{engine}: {p95 / base95:.1f} x")
    print(f"finder_mean_found_{engine}: {statistics.mean(found):.1f} contacts")


if __name__ == "__main__":
    sys.exit(main())
