"""Imports save in short transactions while other people keep writing, and stay all or
nothing: a failure in a late chunk, or a process stopped halfway, leaves nothing behind.

These tests commit for real (``transaction=True``): the point is what other connections see
and wait for. ``benchmarks/imports.py`` runs the same at 600,000 rows.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from greenroom.accounts.models import AuditEvent
from greenroom.accounts.services import audit_record
from greenroom.customers import services
from greenroom.customers.models import (
    Account,
    ArrSnapshot,
    ConsentRecord,
    Contact,
    ImportChange,
    ImportRun,
    Outreach,
)
from greenroom.customers.services import importing, imports
from greenroom.customers.services.accounts import AccountImporter
from greenroom.customers.services.consent import ConsentImporter
from greenroom.customers.services.contacts import ContactImporter
from greenroom.customers.tasks import import_file
from greenroom.customers.tests import interrupted
from greenroom.customers.tests.factories import make_org
from greenroom.customers.tests.services.test_imports import SF_ACCOUNTS, SF_CONTACTS
from greenroom.jobs.models import JobRun

pytestmark = pytest.mark.django_db(transaction=True)
HEADER = SF_CONTACTS.split("\r\n", 1)[0]


@pytest.fixture
def crm(personas):
    """The organisation, two accounts and three contacts, as imported from Salesforce."""
    make_org(personas.workspace)
    for kind, text in (("accounts", SF_ACCOUNTS), ("contacts", SF_CONTACTS)):
        services.records_import(
            actor=personas.ops, workspace=personas.workspace, kind=kind, name=f"{kind}.csv",
            data=text.encode(),
        )  # fmt: skip
    return personas


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(importing, "CHUNK", 50)


def _contacts_file(rows: int, *, greta_title: str = "Head of IT") -> bytes:
    """Greta and Hans changed, then ``rows`` new contacts at Globex."""
    lines = [
        HEADER,
        f"003A,001A,Greta,Gruber,{greta_title},greta@globex.example,+49 30 1234,Admin,1",
        "003B,001A,Hans,Huber,CEO,hans@globex.example,,Executive,1",
    ]
    lines += [
        f"N{n:05},001A,New,Person {n},Engineer,new{n}@globex.example,,User,0" for n in range(rows)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def _state() -> dict:
    """Everything an import could change, to compare before and after."""
    return {
        "contacts": sorted(
            Contact.objects.values_list(
                "salesforce_id", "title", "role", "do_not_contact", "do_not_contact_reason",
                *[f"consent_{kind}" for kind in ("interview", "survey", "prototype_test")],
                "last_contacted_at",
            )
        ),
        "accounts": sorted(Account.objects.values_list("salesforce_id", "name", "crm_arr")),
        "arr": sorted(ArrSnapshot.objects.values_list("account__salesforce_id", "arr")),
        "consent": ConsentRecord.objects.count(),
        "outreach": Outreach.objects.count(),
    }  # fmt: skip


class OtherUsers:
    """Threads writing as other people would while an import runs: audit events, contact
    pages (each view of a contact's details is audited) and edits of a contact's
    preferences. Each records how long its writes took and whatever went wrong."""

    def __init__(self, personas, contact: Contact):
        self.personas, self.contact = personas, contact
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.waits: dict[str, list[float]] = {"audit": [], "page": [], "edit": []}
        self.threads = [
            threading.Thread(target=self._loop, args=(name, getattr(self, f"_{name}")))
            for name in self.waits
        ]
        self.ready = threading.Barrier(len(self.threads) + 1, timeout=60)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        self.ready.wait()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _loop(self, name: str, act) -> None:
        try:
            client = Client()
            client.force_login(self.personas.pm)
            act(client)  # the first page view compiles templates: not a wait
            self.ready.wait()
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    act(client)
                except Exception as error:  # every failure counts, whatever raised it
                    self.errors.append(repr(error))
                self.waits[name].append(time.monotonic() - started)
                time.sleep(0.01)
        finally:
            connection.close()

    def _audit(self, client) -> None:
        audit_record(actor=self.personas.pm, workspace=self.personas.workspace, action="x.write")

    def _page(self, client) -> None:
        response = client.get(f"/customers/contacts/{self.contact.pk}/")
        if response.status_code != 200:
            self.errors.append(f"contact page answered {response.status_code}")

    def _edit(self, client) -> None:
        services.contact_set_preferences(
            actor=self.personas.pm, contact=Contact.objects.get(pk=self.contact.pk),
            preferred_channel="email", max_per_30_days=1, max_per_90_days=3,
            do_not_contact=False,
        )  # fmt: skip


def test_it_saves_in_short_transactions_while_other_people_keep_writing(crm, small_chunks):
    ivy = Contact.objects.get(salesforce_id="003C")
    with OtherUsers(crm, ivy) as others:
        started = timezone.now()
        report = services.records_import(
            actor=crm.ops, workspace=crm.workspace, kind="contacts", name="big.csv",
            data=_contacts_file(1500),
        )  # fmt: skip
        ended = timezone.now()
        time.sleep(0.2)
    assert (report.created, report.updated) == (1500, 2)
    assert others.errors == []
    # Other people's writes went through between the import's chunks, not after it: the
    # import wrote its rows over a stretch of time, and their audit events fall within it.
    created = Contact.objects.filter(salesforce_id__startswith="N").order_by("created_at")
    first, last = created.first().created_at, created.last().created_at
    between = AuditEvent.objects.filter(action="x.write", at__gt=first, at__lt=last).count()
    assert between > 0
    # A write waits for one chunk at most, never for the import (goal: 1-2 s at worst).
    assert max(others.waits["audit"] + others.waits["edit"]) < 2.0
    # Contact pages, which write an audit event, were served all along.
    views = AuditEvent.objects.filter(action="contact.view_details", at__range=(started, ended))
    assert views.exists()


def test_a_failure_in_a_late_chunk_undoes_the_whole_import(crm, small_chunks, monkeypatch):
    before = _state()
    _fail_on_write(monkeypatch, ContactImporter, call=5, error=RuntimeError("disk full"))
    with pytest.raises(RuntimeError, match="disk full"):
        services.records_import(
            actor=crm.ops, workspace=crm.workspace, kind="contacts", name="big.csv",
            data=_contacts_file(400),
        )  # fmt: skip
    assert _state() == before
    run = ImportRun.objects.get(filename="big.csv")
    assert run.status == "failed"
    assert "nothing was kept" in run.report["errors"][-1]["message"]
    assert run.report["undone"] == {"restored": 2, "deleted": 198, "kept": 0}
    assert not ImportChange.objects.exists()
    assert not Contact.objects.filter(import_run=run).exists()


def test_a_failed_account_import_puts_back_the_arr_and_its_trend(crm, small_chunks, monkeypatch):
    before = _state()
    accounts = SF_ACCOUNTS.replace("9000", "12000") + "".join(
        f"002{n:04},Extra {n},extra{n}.example,DE,10,,,Sam Seller,,,{n},,0\r\n" for n in range(120)
    )
    _fail_on_write(monkeypatch, AccountImporter, call=3, error=RuntimeError("stop"))
    with pytest.raises(RuntimeError):
        services.records_import(
            actor=crm.ops, workspace=crm.workspace, kind="accounts", name="accounts.csv",
            data=accounts.encode(),
        )  # fmt: skip
    assert _state() == before
    assert Account.objects.get(salesforce_id="001B").crm_arr == Decimal("9000.00")


def test_a_failed_consent_import_puts_back_each_contacts_current_consent(
    crm, small_chunks, monkeypatch
):
    before = _state()
    consent = "contact,kind,granted,given_at\n" + "".join(
        f"{email},{kind},yes,2026-0{month}-01\n"
        for month in range(1, 10)
        for kind in ("interview", "survey", "prototype_test")
        for email in ("greta@globex.example", "hans@globex.example", "ivy@initech.example")
    )
    _fail_on_write(monkeypatch, ConsentImporter, call=2, error=RuntimeError("stop"))
    monkeypatch.setattr(importing, "CHUNK", 1)  # one contact per chunk
    with pytest.raises(RuntimeError):
        services.records_import(
            actor=crm.ops, workspace=crm.workspace, kind="consent", name="consent.csv",
            data=consent.encode(), format="generic",
        )  # fmt: skip
    assert _state() == before


def test_undoing_keeps_what_someone_did_after_the_import_changed_a_row(
    crm, small_chunks, monkeypatch
):
    """Greta's do-not-contact came from the import, then someone recorded their own reason;
    and someone logged outreach with a contact the import created. Both stay."""
    original = ContactImporter.write
    calls = []

    def write_then_others_act(self, plan, journal, tally):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("stop")
        original(self, plan, journal, tally)
        if len(calls) == 1:
            greta = Contact.objects.get(salesforce_id="003A")
            services.contact_set_preferences(
                actor=crm.pm, contact=greta, preferred_channel="phone", max_per_30_days=1,
                max_per_90_days=3, do_not_contact=True, do_not_contact_reason="Asked by phone",
            )  # fmt: skip
            newcomer = Contact.objects.get(salesforce_id="N00000")
            services.outreach_log(
                actor=crm.pm, contact=newcomer, kind="interview", outcome="completed",
                at=newcomer.created_at,
            )  # fmt: skip

    monkeypatch.setattr(ContactImporter, "write", write_then_others_act)
    with pytest.raises(RuntimeError):
        services.records_import(
            actor=crm.ops, workspace=crm.workspace, kind="contacts", name="big.csv",
            data=_contacts_file(120),
        )  # fmt: skip
    greta = Contact.objects.get(salesforce_id="003A")
    assert (greta.do_not_contact_reason, greta.title) == ("Asked by phone", "Head of IT")
    assert Contact.objects.get(salesforce_id="003B").title == "CFO"  # put back
    assert Contact.objects.filter(salesforce_id="N00000").exists()
    assert Contact.objects.filter(salesforce_id__startswith="N").count() == 1
    assert ImportRun.objects.get(filename="big.csv").report["undone"]["kept"] == 2


def test_an_interrupted_import_is_undone_and_completed_by_the_next_run(
    crm, small_chunks, monkeypatch
):
    """The worker stops halfway (Ctrl-C, a deploy): the run's heartbeat stops, recovery
    undoes the chunks it saved and queues it again from its file, and the next run imports
    it whole."""
    before = _state()
    monkeypatch.setattr(imports, "INLINE_IMPORT_MAX", 0)
    run = _uploaded(crm, _contacts_file(300))
    run = services.import_start(actor=crm.ops, run=run, mapping=run.mapping)
    _fail_on_write(monkeypatch, ContactImporter, call=4, error=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        services.import_execute(run=run)
    run.refresh_from_db()
    assert (run.status, Contact.objects.filter(import_run=run).count()) == ("applying", 148)
    assert services.import_recover() == 0  # still beating a moment ago: left alone
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=run.heartbeat_at - timedelta(hours=1))
    monkeypatch.undo()
    assert services.import_recover() == 1
    run.refresh_from_db()
    assert run.status == "queued" and _state() == before
    assert JobRun.objects.filter(name="customers.import_file", status="queued").count() == 2
    import_file.func(workspace_id=crm.workspace.pk, run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "done" and run.report["created"] == 300
    assert Contact.objects.get(salesforce_id="003A").title == "Head of IT"


def test_a_second_import_waits_for_the_first_to_finish_saving(crm, monkeypatch):
    """Two imports of one workspace never save at the same time (undoing one could
    otherwise take back rows the other relies on)."""
    other = ImportRun.objects.create(
        workspace=crm.workspace, kind="contacts", format="salesforce", filename="other.csv",
        status="applying", heartbeat_at=timezone.now(),
    )  # fmt: skip
    monkeypatch.setattr(imports, "INLINE_WAIT", 0.5)
    with pytest.raises(importing.ImportBusy):
        services.records_import(
            actor=crm.ops, workspace=crm.workspace, kind="contacts", name="second.csv",
            data=_contacts_file(5),
        )  # fmt: skip
    assert not Contact.objects.filter(salesforce_id__startswith="N").exists()
    # A stale one (its process died) is undone instead of waited for.
    ImportRun.objects.filter(pk=other.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    report = services.records_import(
        actor=crm.ops, workspace=crm.workspace, kind="contacts", name="third.csv",
        data=_contacts_file(5),
    )  # fmt: skip
    assert report.created == 5
    other.refresh_from_db()
    assert other.status == "failed"


def _uploaded(personas, data: bytes) -> ImportRun:
    return services.import_upload(
        actor=personas.ops, workspace=personas.workspace, kind="contacts", format="auto",
        upload=SimpleUploadedFile("big.csv", data, "text/csv"),
    )  # fmt: skip


def _fail_on_write(monkeypatch, importer, *, call: int, error: BaseException) -> None:
    """Make the importer's ``call``-th chunk write raise ``error`` after writing its rows
    (so the transaction it is in has something to roll back)."""
    original = importer.write
    calls = []

    def write(self, plan, journal, tally):
        calls.append(1)
        original(self, plan, journal, tally)
        if len(calls) == call:
            raise error

    monkeypatch.setattr(importer, "write", write)


def test_an_import_killed_mid_save_is_undone_then_completed_from_its_file(tmp_path):
    """kill -9 inside a chunk's transaction, three chunks saved: SQLite drops the open
    chunk, recovery undoes the three others and queues the file again, the next run
    imports it whole. Nothing of it is left half done."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GREENROOM_DATABASE")}
    environment["GREENROOM_DATA_DIR"] = str(tmp_path)

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", *args]
        return subprocess.run(command, env=environment, check=check, capture_output=True, text=True)

    helper = "greenroom.customers.tests.interrupted"
    run("greenroom.cli", "migrate")
    big = tmp_path / "big.csv"
    before = json.loads(run(helper, "setup", str(big)).stdout.splitlines()[-1])
    killed = run(helper, "import", str(big), check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    state = json.loads(run(helper, "state").stdout.splitlines()[-1])
    chunks = interrupted.CHUNK * 3
    assert state == {**before, "run": "applying", "saved_by_run": chunks - 1,
                     "contacts": before["contacts"] + chunks - 1, "greta": "Head of IT",
                     "changes": 1}  # fmt: skip
    lines = run(helper, "recover").stdout.splitlines()
    assert json.loads(lines[-2])["after_recovery"] == {**before, "run": "queued"}
    assert json.loads(lines[-1]) == {
        "contacts": before["contacts"] + 300, "greta": "Head of IT", "run": "done",
        "saved_by_run": 300, "changes": 0,
    }  # fmt: skip
