"""A large customer import while other people keep working: write locks, errors and speed.

Builds the sandbox organisation and CRM exports with the sandbox generator at ``--scale``,
imports the Salesforce accounts, then writes a Salesforce contact export of ``--rows`` rows
(the generated contacts repeated under new ids and emails) and imports it the way an upload
is imported (stored, then run by the import job) in a child process, while threads act as
other users the whole time:

- an audit writer (one ``audit_record`` after another, as any write does);
- a reader of contact pages (each view of a contact's details writes an audit event);
- an editor changing one contact's preferences (``contact_set_preferences``);
- a probe timing a one-row write transaction: its longest wait is the longest time anyone
  held the database's write lock while the import ran.

The import's peak memory is the child process's maximum resident set size.

SQLite by default (the embedded configuration); with GREENROOM_DATABASE_URL set to
PostgreSQL it runs there, in a database of its own that it creates and drops.

    python benchmarks/imports.py [--scale bench] [--rows 600000] [--alone]

Prints `name: value unit (goal <= X unit)` lines.
"""

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import urlsplit

GOALS = {"write_lock_s": 2.0, "writer_errors": 0}
MIN_ROWS_PER_S = 5000
BENCH_DB = "greenroom_bench_imports"
ACTOR = "ops@bench.example"


def _database(url: str, create: bool) -> str:
    import psycopg

    admin = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if create:
            connection.execute(f"CREATE DATABASE {BENCH_DB}")
    return urlsplit(url)._replace(path=f"/{BENCH_DB}").geturl()


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    import django

    django.setup()


def _contacts_file(source: Path, target: Path, rows: int) -> int:
    """The generated Salesforce contacts repeated under new ids and emails up to ``rows``."""
    with source.open(newline="") as handle:
        header, *contacts = list(csv.reader(handle))
    ids, emails = header.index("Contact ID"), header.index("Email")
    written = 0
    with target.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        copy = 0
        while written < rows:
            for row in contacts[: rows - written]:
                row = list(row)
                row[ids] = f"{row[ids]}-{copy}"
                row[emails] = row[emails].replace("@", f"+{copy}@", 1)
                writer.writerow(row)
            written = min(rows, written + len(contacts))
            copy += 1
    return written


def _build(folder: Path, scale: str, rows: int):
    import json

    from greenroom.accounts import services as account_services
    from greenroom.customers import services
    from greenroom.customers.models import Contact
    from greenroom.organisation.services import organisation_import
    from greenroom.sandbox import crm, generator

    org = generator.generate(out_dir=folder, scale="large", seed=7)
    workspace = account_services.workspace_create(name="Bench", slug="bench")
    actor = account_services.user_create(
        actor=None, workspace=workspace, email=ACTOR, role="admin", password="bench-pass-1"
    )
    organisation_import(
        actor=None, workspace=workspace, document=json.loads(org.organisation.read_text())
    )
    files = crm.crm_generate(out_dir=folder, scale=scale, seed=7, organisation=org.organisation)
    organisation_import(
        actor=None, workspace=workspace, document=json.loads(files.sales_team.read_text())
    )
    accounts = files.salesforce_accounts
    services.records_import(
        actor=None, workspace=workspace, kind="accounts", name=accounts.name,
        data=accounts.read_bytes(),
    )  # fmt: skip
    # A few contacts that exist before the big import, for the page views and the editor.
    services.records_import(
        actor=None, workspace=workspace, kind="contacts", name="first.csv",
        data=b"".join(files.salesforce_contacts.read_bytes().splitlines(True)[:51]),
    )  # fmt: skip
    big = folder / "contacts-big.csv"
    count = _contacts_file(files.salesforce_contacts, big, rows)
    contact_ids = list(Contact.objects.filter(workspace=workspace).values_list("pk", flat=True))
    return workspace, actor, big, count, contact_ids


def _child(workspace_id: int, path: str) -> None:
    """The import as a user makes it: the upload stored, the mapping confirmed (which queues
    the import job), then the job run here."""
    from django.core.files import File

    from greenroom.accounts.models import User
    from greenroom.customers import services
    from greenroom.customers.tasks import import_file
    from greenroom.jobs.registry import run_now

    actor = User.objects.get(email=ACTOR)
    started = time.perf_counter()
    with open(path, "rb") as handle:
        run = services.import_upload(
            actor=actor, workspace=actor.memberships.get(workspace_id=workspace_id).workspace,
            kind="contacts", format="auto", upload=File(handle, name=Path(path).name),
        )  # fmt: skip
    run = services.import_start(actor=actor, run=run, mapping=run.mapping)
    run_now(import_file, workspace_id=workspace_id, run_id=run.pk)
    elapsed = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    run.refresh_from_db()
    summary = run.report.get("summary", "")
    print(f"{elapsed:.3f} {used.ru_utime + used.ru_stime:.1f} {run.status} {summary}", flush=True)


class Others:
    """Threads acting as other users until stopped; each records its latencies and errors."""

    def __init__(self, workspace, actor, contact_ids: list[int]):
        self.workspace, self.actor, self.contact_ids = workspace, actor, contact_ids
        self.stop = threading.Event()
        self.latency: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}
        self.threads = [
            threading.Thread(target=self._loop, args=(name, action), daemon=True)
            for name, action in (
                ("audit_write", self._audit),
                ("page_view", self._page_view),
                ("contact_edit", self._edit),
                ("write_probe", self._probe),
            )
        ]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _loop(self, name: str, action) -> None:
        from django.db import connection

        self.latency[name], self.errors[name] = [], []
        state = {}
        try:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    action(state)
                except Exception as error:  # every failure counts, whatever raised it
                    self.errors[name].append(f"{type(error).__name__}: {error}")
                self.latency[name].append(time.perf_counter() - started)
                time.sleep(0.1)
        finally:
            connection.close()

    def _audit(self, state) -> None:
        from greenroom.accounts.services import audit_record

        audit_record(actor=self.actor, workspace=self.workspace, action="bench.write")

    def _page_view(self, state) -> None:
        from django.test import Client

        if "client" not in state:
            state["client"] = Client(SERVER_NAME="localhost")
            state["client"].force_login(self.actor)
        pk = self.contact_ids[len(self.latency["page_view"]) % len(self.contact_ids)]
        response = state["client"].get(f"/customers/contacts/{pk}/")
        if response.status_code != 200:
            raise RuntimeError(f"contact page answered {response.status_code}")

    def _edit(self, state) -> None:
        from greenroom.customers import services
        from greenroom.customers.models import Contact

        contact = Contact.objects.get(pk=self.contact_ids[0])
        services.contact_set_preferences(
            actor=self.actor, contact=contact, preferred_channel="email",
            max_per_30_days=1 + len(self.latency["contact_edit"]) % 2, max_per_90_days=3,
            do_not_contact=False,
        )  # fmt: skip

    def _probe(self, state) -> None:
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_workspace SET name = name WHERE id = %s", [0])


def _run(folder: Path, args) -> None:
    from django.conf import settings
    from django.db import connection

    from greenroom.customers.models import Contact

    # Pages render without collectstatic here.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    workspace, actor, big, rows, contact_ids = _build(folder, args.scale, args.rows)
    before = Contact.objects.filter(workspace=workspace).count()
    engine = connection.vendor
    connection.close()
    print(f"# {engine}: importing {rows} contacts ({big.stat().st_size / 1e6:.0f} MB)")
    others = Others(workspace, actor, contact_ids)
    with others if not args.alone else nullcontext():
        time.sleep(1)
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(workspace.pk), str(big)],
            capture_output=True, text=True, env=os.environ.copy(),
        )  # fmt: skip
        time.sleep(1)
    if child.returncode != 0:
        print(child.stdout, child.stderr, file=sys.stderr)
        raise SystemExit("the import failed")
    seconds, cpu, status, summary = child.stdout.strip().splitlines()[-1].split(" ", 3)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    imported = Contact.objects.filter(workspace=workspace).count() - before
    print(f"# import: {status}, {summary}")
    _report_import(engine, float(seconds), float(cpu), imported, peak_mb)
    if not args.alone:
        _report_others(engine, others)


def _report_import(engine: str, seconds: float, cpu: float, imported: int, peak_mb: float):
    print(f"import_seconds_{engine}: {seconds:.1f} s")
    print(f"import_rows_per_s_{engine}: {imported / seconds:.0f} rows/s (goal >= {MIN_ROWS_PER_S})")
    # CPU time is what the import itself costs; wall time also counts everyone else on the
    # machine, the threads of this benchmark included.
    print(f"import_cpu_seconds_{engine}: {cpu:.1f} s")
    print(f"import_rows_per_cpu_s_{engine}: {imported / cpu:.0f} rows/s")
    print(f"import_peak_memory_{engine}: {peak_mb:.0f} MB")


def _report_others(engine: str, others: "Others") -> None:
    for name, found in others.errors.items():
        if found:
            print(f"# {name}: {len(found)} errors, first: {found[0][:200]}")
    errors = sum(len(found) for found in others.errors.values())
    views = sorted(others.latency["page_view"])
    print(
        f"max_write_lock_wait_{engine}: {max(others.latency['write_probe']):.3f} s "
        f"(goal <= {GOALS['write_lock_s']} s)"
    )
    print(f"concurrent_writer_errors_{engine}: {errors} (goal <= {GOALS['writer_errors']})")
    print(f"concurrent_writes_{engine}: {sum(len(v) for v in others.latency.values())}")
    print(f"audit_write_max_{engine}: {max(others.latency['audit_write']):.3f} s")
    print(f"contact_edit_max_{engine}: {max(others.latency['contact_edit']):.3f} s")
    print(f"page_views_{engine}: {len(views)}, errors {len(others.errors['page_view'])}")
    print(f"page_view_p50_{engine}: {statistics.median(views) * 1000:.0f} ms")
    print(f"page_view_p95_{engine}: {views[int(0.95 * (len(views) - 1))] * 1000:.0f} ms")
    print(f"page_view_max_{engine}: {views[-1]:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="bench", choices=["small", "medium", "large", "bench"])
    parser.add_argument("--rows", type=int, default=600_000)
    parser.add_argument(
        "--alone", action="store_true", help="no other users: the import's own speed only"
    )
    parser.add_argument("--child", nargs=2, metavar=("WORKSPACE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _django()
        _child(int(args.child[0]), args.child[1])
        return
    with tempfile.TemporaryDirectory() as folder:
        os.environ["GREENROOM_DATA_DIR"] = folder
        url = os.environ.get("GREENROOM_DATABASE_URL", "")
        if url:
            os.environ["GREENROOM_DATABASE_URL"] = _database(url, create=True)
        _django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        try:
            _run(Path(folder), args)
        finally:
            if url:
                from django.db import connections

                connections.close_all()
                _database(url, create=False)


if __name__ == "__main__":
    sys.exit(main())
