"""Research search speed at 100,000 documents, against a plain LIKE scan measured in the same
run, and "has this been answered?" on a sandbox-sized workspace.

Writes 100,000 search documents (feedback-like texts: the sandbox feedback's phrasings mixed
with Zipf-distributed filler words, a tenth notes and insights, dates over two years) through
the research index, then times ``search.find`` for a spread of queries (one common word, one
rare word, two words, a phrase, with and without a kind and date filter) and reports p50/p95.
The baseline is the same queries as ``icontains`` filters (unranked, first 20 by date).

SQLite by default; with GREENROOM_DATABASE_URL set to PostgreSQL it runs there, in a database
of its own that it creates and drops.

    python benchmarks/research.py [--documents 100000] [--queries 200]
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


def _load(workspace, n: int, rng: random.Random) -> float:
    from greenroom.research.models import Document

    kinds = ["feedback"] * 8 + ["note", "insight"]
    start = date(2025, 1, 1)
    started = time.perf_counter()
    cpu = time.process_time()
    batch = []
    for pk, (title, body) in enumerate(_texts(n, rng), start=1):
        batch.append(
            Document(
                workspace=workspace,
                kind=rng.choice(kinds),
                object_id=pk,
                title=title,
                body=body,
                dated=start + timedelta(days=rng.randrange(730)),
            )
        )
        if len(batch) == 5000:
            Document.objects.bulk_create(batch)
            batch = []
    Document.objects.bulk_create(batch)
    line("index_cpu_s", time.process_time() - cpu, "s", "CPU time of the Python process")
    return time.perf_counter() - started


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


def _time(fn) -> float:
    """Wall milliseconds of ``fn()``; its CPU milliseconds go to CPU (on a shared machine the
    wall time includes waiting for a core, the CPU time does not)."""
    started, cpu = time.perf_counter(), time.process_time()
    fn()
    CPU.append((time.process_time() - cpu) * 1000)
    return (time.perf_counter() - started) * 1000


def _search_bench(workspace, rounds: int) -> None:

    ours, like, ours_cpu, like_cpu = [], [], [], []
    for n in range(rounds):
        filters, words = QUERIES[n % len(QUERIES)]
        ours.append(_time(partial(_ours, workspace, filters)))
        ours_cpu.append(CPU[-1])
        like.append(_time(partial(_scan, workspace, filters, words)))
        like_cpu.append(CPU[-1])
    _report(ours, like, ours_cpu, like_cpu)
    for filters, _ in QUERIES:
        times = [_time(partial(_ours, workspace, filters)) for _ in range(3)]
        more = " +filter" if len(filters) > 1 else ""
        line(f"  query {filters['query']!r}{more}_ms", min(times), "ms")


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


def _report(ours, like, ours_cpu, like_cpu) -> None:
    quantiles = lambda xs: (statistics.median(xs), statistics.quantiles(xs, n=20)[18])  # noqa: E731
    p50, p95 = quantiles(ours)
    b50, b95 = quantiles(like)
    line("search_p50_ms", p50, "ms")
    line("search_p95_ms", p95, "ms", f"goal <= {GOALS['search_p95_ms']} ms")
    line("baseline_like_scan_p50_ms", b50, "ms", "unranked icontains, same queries")
    line("baseline_like_scan_p95_ms", b95, "ms", "unranked icontains, same queries")
    line("search_speedup_p95_x", b95 / p95, "x", "LIKE p95 / full-text p95")
    line("search_cpu_p95_ms", quantiles(ours_cpu)[1], "ms", "CPU time, not waiting for a core")
    line("baseline_like_scan_cpu_p95_ms", quantiles(like_cpu)[1], "ms", "CPU time")


def _answer_bench(workspace, rng: random.Random) -> None:
    from greenroom.accounts.models import User
    from greenroom.feedback.models import FeedbackItem
    from greenroom.research import selectors, services

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
    fit = _time(lambda: selectors.answered(workspace=workspace, question="export to excel"))
    questions = ["okta sso", "slack", "german invoices", "crash on start"] * 5
    asks = [_time(partial(selectors.answered, workspace=workspace, question=q)) for q in questions]
    line("answered_first_ms", fit, "ms", "learns topics from 200 insights + 5,000 feedback")
    line("answered_p95_ms", statistics.quantiles(asks, n=20)[18], "ms", "topics learnt")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = _setup(Path(tmp))
        try:
            from django.db import connection

            from greenroom.accounts.models import Workspace
            from greenroom.research import search

            rng = random.Random(0)
            workspace = Workspace.objects.create(name="Bench", slug="bench")
            print(f"# {search.backend_for(connection.vendor).name}, {args.documents:,} documents")
            seconds = _load(workspace, args.documents, rng)
            line("index_documents_per_s", args.documents / seconds, "docs/s")
            _search_bench(workspace, args.queries)
            other = Workspace.objects.create(name="Answers", slug="answers")
            _answer_bench(other, rng)
        finally:
            if url:
                from django.db import connections

                connections.close_all()
                _database(url, create=False)


if __name__ == "__main__":
    main()
