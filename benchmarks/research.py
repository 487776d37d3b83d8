"""Feedback ingest, research search at 100,000 documents and "has this been answered?", each
against a baseline measured in the same run.

- ingest: 90% of the documents arrive as feedback through ``feedback_ingest`` in batches of
  5,000 (cleaning, customer matching against 2,000 accounts and 10,000 contacts by email and
  domain, the insert, and the search indexing that the ``feedback_imported`` signal does in
  the same transaction); baseline: the same rows through the bare bulk insert the ingest uses
  (lib/imports/bulk.py), no cleaning, matching or indexing. Items/s, wall and CPU.
- search: the texts are the sandbox feedback's phrasings mixed with Zipf-distributed filler
  words (a tenth notes and insights, dates over two years); ``search.find`` is timed for a
  spread of queries (one common word, one rare word, two words, a phrase, with and without a
  kind and date filter), p50/p95. Baselines, interleaved: the engine's own MATCH query
  ranking every match (FTS5 bm25 / ts_rank_cd, LIMIT 20: what ``find`` did before its rank
  window), and the same filters as ``icontains`` scans (unranked, first 20 by date).
- answered: the first question (topics learnt: no worker ran the relearning job), the first
  question in a new process (the topics read from the disk cache), the warm p95, on 200
  insights and 5,000 feedback; then a new insight, the job that learns again, and the first
  question after it in a process that did not run the job.

Wall time on a shared machine includes waiting for a core: each measure also prints the CPU
time of this process (the database runs inside it on SQLite) plus, on PostgreSQL, that of its
server backend when the server runs on this machine (/proc/PID/schedstat).

SQLite by default; with GREENROOM_DATABASE_URL set to PostgreSQL it runs there, in a database
of its own that it creates and drops (``--keep`` leaves it, to EXPLAIN the queries there).

    python benchmarks/research.py [--documents 100000] [--queries 200] [--keep]
    GREENROOM_DATABASE_URL=postgres://postgres@127.0.0.1:5432/x python benchmarks/research.py
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOALS = {"search_p95_ms": 50}
BENCH_DB = "greenroom_bench_research"


def line(name: str, value: float, unit: str, goal: str = "") -> None:
    print(f"{name}: {value:.4g} {unit}" + (f" ({goal})" if goal else ""), flush=True)


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


FILLER = [
    "team",
    "project",
    "board",
    "week",
    "client",
    "report",
    "account",
    "user",
    "data",
    "view",
    "page",
    "screen",
    "button",
    "email",
    "calendar",
    "sprint",
    "release",
    "billing",
    "plan",
    "feature",
    "workflow",
    "mobile",
    "desktop",
    "browser",
    "manager",
    "admin",
    "permission",
    "invite",
    "folder",
    "file",
    "upload",
    "download",
    "search",
    "filter",
    "sort",
    "chart",
    "dashboard",
    "metric",
    "goal",
    "roadmap",
    "ticket",
    "support",
    "sales",
    "renewal",
    "contract",
    "budget",
]


def _texts(n: int, rng: random.Random) -> list[tuple[str, str]]:
    from greenroom.sandbox.feedback import NOISE, THEMES

    phrasings = [p for theme in THEMES.values() for p in theme[4]] + list(NOISE)
    weights = [1 / (rank + 1) for rank in range(len(FILLER))]
    out = []
    for _ in range(n):
        filler = " ".join(rng.choices(FILLER, weights, k=rng.randint(5, 40)))
        out.append(
            (
                rng.choice(FILLER).title() + " " + rng.choice(FILLER),
                rng.choice(phrasings) + " " + filler,
            )
        )
    return out


def _customers(workspace, rng: random.Random) -> list[str]:
    """2,000 accounts with domains and 10,000 contacts: the authors' emails to match."""
    from greenroom.customers.models import Account, Contact

    accounts = Account.objects.bulk_create(
        Account(workspace=workspace, name=f"Account {n}", domain=f"acct{n}.example")
        for n in range(2000)
    )
    contacts = [
        Contact(
            workspace=workspace, account=rng.choice(accounts), email=f"c{n}@acct{n % 2000}.example"
        )
        for n in range(10_000)
    ]
    Contact.objects.bulk_create(contacts, batch_size=2000)
    # Half a contact's email, a quarter only the account's domain, a quarter nobody known.
    return (
        [c.email for c in contacts]
        + [f"new@acct{n}.example" for n in range(5000)]
        + [f"someone{n}@unknown.example" for n in range(5000)]
    )


def _records(texts, start: int, rng: random.Random, emails: list[str]) -> list[dict]:
    from datetime import UTC, datetime

    first = datetime(2025, 1, 1, tzinfo=UTC)
    return [
        {
            "source_kind": "zendesk",
            "source_id": str(start + n),
            "title": title,
            "text": body,
            "author_email": rng.choice(emails),
            "received_at": first + timedelta(days=rng.randrange(730)),
        }
        for n, (title, body) in enumerate(texts)
    ]


BATCH = 5000


def _load(workspace, baseline_ws, n: int, rng: random.Random) -> None:
    """Feedback through the ingest (and so the index), against the bare insert; then the
    notes and insights written straight into the index."""
    from django.db import transaction

    from greenroom.feedback import services
    from greenroom.feedback.models import FeedbackItem
    from greenroom.lib.imports.bulk import insert_many
    from greenroom.research.models import Document

    emails = _customers(workspace, rng)
    texts = _texts(n, rng)
    feedback = n * 9 // 10
    ours = base = ours_cpu = base_cpu = 0.0
    for start in range(0, feedback, BATCH):
        records = _records(texts[start : min(start + BATCH, feedback)], start, rng, emails)
        wall, cpu = time.perf_counter(), _cpu()
        services.feedback_ingest(actor=None, workspace=workspace, records=records, source="b")
        ours += time.perf_counter() - wall
        ours_cpu += _cpu() - cpu
        rows = [
            {
                **{k: v for k, v in r.items() if k != "author_email"},
                "workspace_id": baseline_ws.pk,
                "extra": {},
            }
            for r in records
        ]
        wall, cpu = time.perf_counter(), _cpu()
        with transaction.atomic():  # as the ingest's one transaction
            insert_many(FeedbackItem, rows)
        base += time.perf_counter() - wall
        base_cpu += _cpu() - cpu
    goal = "goal >= 5,000 items/s on SQLite, >= 2,000 on PostgreSQL"
    line("ingest_items_per_s", feedback / ours, "items/s", goal)
    line("ingest_cpu_items_per_s", feedback / ours_cpu, "items/s", "per CPU second")
    line(
        "baseline_bare_insert_items_per_s",
        feedback / base,
        "items/s",
        "no cleaning, matching, index",
    )
    line("ingest_cost_vs_bare_insert_x", ours / base, "x", "wall")
    kinds = ["note", "insight"]
    start_day = date(2025, 1, 1)
    Document.objects.bulk_create(
        (
            Document(
                workspace=workspace,
                kind=rng.choice(kinds),
                object_id=pk,
                title=title,
                body=body,
                dated=start_day + timedelta(days=rng.randrange(730)),
            )
            for pk, (title, body) in enumerate(texts[feedback:], start=1)
        ),
        batch_size=5000,
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        # As autovacuum does after a load this size: the search's window follows the
        # planner's statistics.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Document._meta.db_table}")


QUERIES = [
    ({"query": "export"}, ["export"]),
    ({"query": "okta"}, ["okta"]),
    ({"query": "slack notifications"}, ["slack", "notifications"]),
    ({"query": '"audit log"'}, ["audit log"]),
    ({"query": "team"}, ["team"]),
    ({"query": "invoices german", "kinds": ["feedback"]}, ["invoices", "german"]),
    ({"query": "crashes", "since": date(2026, 1, 1)}, ["crashes"]),
    ({"query": "contract renewal budget"}, ["contract", "renewal", "budget"]),
]


CPU: list[float] = []
_BACKEND: list[Path] = []


def _cpu() -> float:
    """CPU seconds of this process and, on PostgreSQL, of its server backend (read from
    /proc/PID/schedstat, in nanoseconds, when the server runs on this machine): on SQLite the
    database works inside this process; on PostgreSQL most of the work is the server's."""
    if not _BACKEND:
        from django.db import connection

        path = Path("/nonexistent")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                path = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
        _BACKEND.append(path)
    try:
        backend = int(_BACKEND[0].read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        backend = 0.0
    return time.process_time() + backend


def _time(fn) -> float:
    """Wall milliseconds of ``fn()``; its CPU milliseconds go to CPU (on a shared machine the
    wall time includes waiting for a core, the CPU time does not)."""
    started, cpu = time.perf_counter(), _cpu()
    fn()
    CPU.append((_cpu() - cpu) * 1000)
    return (time.perf_counter() - started) * 1000


def _search_bench(workspace, rounds: int) -> None:
    times: dict[str, list[float]] = {"ours": [], "match": [], "like": []}
    cpu: dict[str, list[float]] = {"ours": [], "match": [], "like": []}
    for n in range(rounds):
        filters, words = QUERIES[n % len(QUERIES)]
        for name, fn in (
            ("ours", partial(_ours, workspace, filters)),
            ("match", partial(_match, workspace, filters)),
            ("like", partial(_scan, workspace, filters, words)),
        ):
            times[name].append(_time(fn))
            cpu[name].append(CPU[-1])
    _report(times, cpu)
    for filters, _ in QUERIES:
        wall = [_time(partial(_ours, workspace, filters)) for _ in range(3)]
        more = " +filter" if len(filters) > 1 else ""
        line(
            f"  query {filters['query']!r}{more}_ms", min(wall), "ms", f"CPU {min(CPU[-3:]):.3g} ms"
        )


def _match_sql(vendor: str, where: str) -> str:
    from greenroom.research.search import COLUMN, FTS, QUERY, TABLE

    if vendor == "sqlite":
        return (
            f"SELECT d.id, bm25({FTS}, 3.0, 1.0) AS score FROM {FTS} JOIN {TABLE} d "
            f"ON d.id = {FTS}.rowid WHERE {FTS} MATCH %s AND {where} ORDER BY score, d.id LIMIT %s"
        )
    return (
        f"SELECT d.id, ts_rank_cd(d.{COLUMN}, q) AS score FROM {TABLE} d, {QUERY} q "
        f"WHERE d.{COLUMN} @@ q AND {where} ORDER BY score DESC, d.id LIMIT %s"
    )


def _match(workspace, filters: dict) -> None:
    """The engine's MATCH query ranking every match, as ``find`` ran it before its window."""
    from django.db import connection

    from greenroom.research import search

    engine = search.backend_for(connection.vendor)
    where, params = search._where(
        workspace, filters.get("kinds", []), filters.get("since"), None, None
    )
    with connection.cursor() as cursor:
        sql = _match_sql(connection.vendor, where)
        cursor.execute(sql, [engine.match(filters["query"]), *params, 20])
        cursor.fetchall()


def _ours(workspace, filters: dict) -> None:
    from greenroom.research import search

    search.find(workspace=workspace, limit=20, **filters)


def _scan(workspace, filters: dict, words: list[str]) -> None:
    from django.db.models import Q

    from greenroom.research.models import Document

    rows = Document.objects.for_workspace(workspace)
    for word in words:
        rows = rows.filter(Q(title__icontains=word) | Q(body__icontains=word))
    if filters.get("kinds"):
        rows = rows.filter(kind__in=filters["kinds"])
    if filters.get("since"):
        rows = rows.filter(dated__gte=filters["since"])
    list(rows.order_by("-dated", "pk")[:20])


def _p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[18]


def _report(times: dict[str, list[float]], cpu: dict[str, list[float]]) -> None:
    goal = f"goal <= {GOALS['search_p95_ms']} ms"
    line("search_p50_ms", statistics.median(times["ours"]), "ms", "wall")
    line("search_p95_ms", _p95(times["ours"]), "ms", f"{goal}, wall")
    line("search_cpu_p95_ms", _p95(cpu["ours"]), "ms", f"{goal}, CPU time of this process")
    for name, label in (("match", "rank every match"), ("like", "unranked icontains")):
        line(f"baseline_{name}_p95_ms", _p95(times[name]), "ms", f"{label}, wall")
        line(f"baseline_{name}_cpu_p95_ms", _p95(cpu[name]), "ms", f"{label}, CPU")
        ratio = _p95(times[name]) / _p95(times["ours"])
        line(f"search_speedup_vs_{name}_p95_x", ratio, "x", "baseline p95 / search p95, wall")


def _answer_bench(workspace, rng: random.Random) -> None:
    from greenroom.accounts.models import User
    from greenroom.feedback.models import FeedbackItem
    from greenroom.jobs.registry import run_now
    from greenroom.research import answers, selectors, services, tasks

    user = User.objects.create(email="bench@example.com")
    texts = _texts(5000, rng)
    FeedbackItem.objects.bulk_create(
        FeedbackItem(
            workspace=workspace,
            source_kind="api",
            source_id=str(n),
            title=t,
            text=b,
            received_at=f"2026-01-{1 + n % 28:02d}T00:00:00Z",
        )
        for n, (t, b) in enumerate(texts)
    )
    for n in range(200):
        services.insight_create(actor=user, workspace=workspace, statement=texts[n][1][:200])
    ask = partial(selectors.answered, workspace=workspace, question="export to excel")
    fit = _time(ask)
    line(
        "answered_first_ms",
        fit,
        "ms",
        f"topics learnt: 200 insights + 5,000 feedback; CPU {CPU[-1]:.4g} ms",
    )
    answers._memory.clear()  # as a new web process finds it
    line(
        "answered_new_process_ms", _time(ask), "ms", f"topics read from disk; CPU {CPU[-1]:.4g} ms"
    )
    questions = ["okta sso", "slack", "german invoices", "crash on start"] * 10
    asks = [_time(partial(selectors.answered, workspace=workspace, question=q)) for q in questions]
    warm_cpu = CPU[-len(questions) :]
    line("answered_p95_ms", _p95(asks), "ms", "topics kept, wall")
    line("answered_cpu_p95_ms", _p95(warm_cpu), "ms", "topics kept, CPU")
    line("answered_first_vs_warm_x", fit / _p95(asks), "x", "first question / warm p95")
    # A new insight queues the relearning job; a worker runs it off the request path.
    services.insight_create(
        actor=user, workspace=workspace, statement="Finance exports invoices to Excel monthly"
    )
    job = _time(partial(run_now, tasks.answers_learn, workspace_id=workspace.pk))
    line(
        "answers_learn_job_ms", job, "ms", f"after a new insight, on a worker; CPU {CPU[-1]:.4g} ms"
    )
    answers._memory.clear()  # the web process is not the worker: it reads the job's file
    line(
        "answered_after_change_ms",
        _time(ask),
        "ms",
        f"first question after a new insight once the job ran; CPU {CPU[-1]:.4g} ms",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--keep",
        action="store_true",
        help=f"leave the PostgreSQL database {BENCH_DB} in place, to EXPLAIN its queries",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = _setup(Path(tmp))
        try:
            from django.db import connection

            from greenroom.accounts.models import Workspace
            from greenroom.research import search

            rng = random.Random(0)
            workspace = Workspace.objects.create(name="Bench", slug="bench")
            baseline = Workspace.objects.create(name="Bare inserts", slug="bare")
            print(f"# {search.backend_for(connection.vendor).name}, {args.documents:,} documents")
            _load(workspace, baseline, args.documents, rng)
            _search_bench(workspace, args.queries)
            other = Workspace.objects.create(name="Answers", slug="answers")
            _answer_bench(other, rng)
        finally:
            if url and not args.keep:
                from django.db import connections

                connections.close_all()
                _database(url, create=False)


if __name__ == "__main__":
    main()
