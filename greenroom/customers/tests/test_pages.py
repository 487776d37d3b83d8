import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from greenroom.accounts.models import AuditEvent
from greenroom.customers import services
from greenroom.customers.models import Account, Contact, ImportRun, Outreach
from greenroom.customers.services import imports
from greenroom.customers.tasks import import_file
from greenroom.customers.tests.factories import AccountFactory, ContactFactory, make_org
from greenroom.customers.tests.services.test_imports import SF_ACCOUNTS, SF_CONTACTS
from greenroom.jobs.models import JobRun
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(personas):
    return make_org(personas.workspace)


@pytest.fixture
def contact(personas, org):
    account = AccountFactory(
        workspace=personas.workspace, name="Globex", segment=org.mid, region=org.emea
    )
    return ContactFactory(
        account=account, email="greta@globex.example", consent_prototype_test=True
    )


def test_it_shows_viewers_names_with_details_masked(personas, contact):
    page = personas.client(personas.viewer).get(f"/customers/accounts/{contact.account_id}/")
    body = page.content.decode()
    assert contact.last_name in body and "greta@globex.example" not in body
    assert "•••@globex.example" in body
    detail = personas.client(personas.viewer).get(f"/customers/contacts/{contact.pk}/")
    assert "greta@globex.example" not in detail.content.decode()
    assert not AuditEvent.objects.filter(action="contact.view_details").exists()


def test_it_audits_every_view_of_contact_details(personas, contact):
    client = personas.client(personas.pm)
    assert (
        "greta@globex.example" in client.get(f"/customers/contacts/{contact.pk}/").content.decode()
    )
    client.get(f"/customers/accounts/{contact.account_id}/")
    events = AuditEvent.objects.filter(action="contact.view_details", actor=personas.pm)
    assert events.count() == 2


def test_it_shows_an_outsider_none_of_the_customers(personas, contact):
    outsider = personas.client(personas.outsider)
    assert outsider.get(f"/customers/contacts/{contact.pk}/").status_code == 404
    assert outsider.get(f"/customers/accounts/{contact.account_id}/").status_code == 404
    assert "Globex" not in outsider.get("/customers/accounts/").content.decode()
    assert personas.client(None).get("/customers/accounts/").status_code == 302


def test_it_lists_accounts_with_a_constant_number_of_queries(personas, org):
    for _ in range(30):
        ContactFactory(account=AccountFactory(workspace=personas.workspace, segment=org.mid))
    client = personas.client(personas.viewer)
    # Session, user and membership; count and page; one per filter's choices (segment,
    # market, plan, owner): none grows with the rows.
    with max_queries(9):
        assert client.get("/customers/accounts/").status_code == 200
    with max_queries(9):
        assert client.get("/customers/contacts/").status_code == 200


def test_it_imports_through_upload_mapping_and_report(personas, org):
    client = personas.client(personas.ops)
    upload = SimpleUploadedFile("accounts.csv", SF_ACCOUNTS.encode(), "text/csv")
    response = client.post(
        "/customers/imports/", {"kind": "accounts", "format": "auto", "file": upload}
    )
    run = ImportRun.objects.get()
    assert response.url == f"/customers/imports/{run.pk}/"
    page = client.get(response.url).content.decode()
    assert "Globex GmbH" in page and "Salesforce export" in page
    mapping = {"id": "Account ID", "name": "Account Name", "country": "Billing Country"}
    client.post(response.url, mapping)
    run.refresh_from_db()
    assert run.status == "done" and run.report["created"] == 2
    assert personas.client(personas.pm).get("/customers/imports/").status_code == 403


def test_it_shows_every_problem_of_a_rejected_file(personas, org):
    client = personas.client(personas.ops)
    bad = SF_CONTACTS.replace("greta@globex.example", "greta-at-globex")
    upload = SimpleUploadedFile("contacts.csv", bad.encode(), "text/csv")
    response = client.post(
        "/customers/imports/", {"kind": "contacts", "format": "auto", "file": upload}
    )
    run = ImportRun.objects.get()
    client.post(
        response.url,
        {
            "id": "Contact ID",
            "account_id": "Account ID",
            "last_name": "Last Name",
            "email": "Email",
        },
    )
    page = client.get(response.url).content.decode()
    assert "Nothing was imported" in page
    assert "not a valid email" in page and "no account with the id" in page
    assert not Contact.objects.exists()
    run.refresh_from_db()
    assert run.status == "failed"


def test_it_refuses_a_file_that_cannot_be_read(personas, org):
    client = personas.client(personas.ops)
    upload = SimpleUploadedFile("accounts.xlsx", b"PK\x03\x04 not really", "application/zip")
    page = client.post(
        "/customers/imports/", {"kind": "accounts", "format": "auto", "file": upload}
    )
    assert "not a readable Excel file" in page.content.decode()


def test_it_finds_reserves_and_exports_a_study(personas, org, contact):
    client = personas.client(personas.pm)
    query = (
        f"?segments={org.mid.pk}&regions={org.emea.pk}&role=admin&opted_in=prototype_test"
        "&not_contacted_days=60&per_account=2&limit=20&exclude_active_study=on&explain=on"
    )
    page = client.get("/customers/find/" + query).content.decode()
    assert "1 eligible" in page and contact.last_name in page
    response = client.post(
        "/customers/find/reserve/",
        {"contact": [contact.pk], "study": "Editor prototype", "kind": "prototype_test"},
    )
    assert response.status_code == 302
    study = client.get(response.url).content.decode()
    assert "Editor prototype" in study and contact.last_name in study
    assert Outreach.objects.get().outcome == "reserved"
    account_page = client.get(f"/customers/accounts/{contact.account_id}/").content.decode()
    assert "Editor prototype" in account_page
    export = client.get("/customers/studies/export.csv?study=Editor+prototype")
    assert "greta@globex.example" in export.getvalue().decode()
    viewer_export = personas.client(personas.viewer).get(
        "/customers/studies/export.csv?study=Editor+prototype"
    )
    assert "greta@globex.example" not in viewer_export.getvalue().decode()
    assert AuditEvent.objects.filter(action="contact.export").count() == 2


def test_it_records_consent_and_erases_from_the_contact_page(personas, contact):
    pm = personas.client(personas.pm)
    pm.post(
        f"/customers/contacts/{contact.pk}/consent/",
        {"kind": "interview", "granted": "1", "method": "call", "source": "QBR call"},
    )
    contact.refresh_from_db()
    assert contact.consent_interview is True
    refused = pm.post(f"/customers/contacts/{contact.pk}/erase/", {"reason": "x", "confirm": "on"})
    assert refused.status_code == 403
    ops = personas.client(personas.ops)
    ops.post(f"/customers/contacts/{contact.pk}/erase/", {"reason": "DSR-1", "confirm": "on"})
    contact.refresh_from_db()
    assert contact.erased_at is not None and contact.email == ""
    access = ops.get(f"/customers/contacts/{contact.pk}/subject-access/")
    assert access["Content-Type"] == "application/json"


def test_it_keeps_no_copy_of_an_upload_once_imported_or_when_its_person_is_erased(personas, org):
    from pathlib import Path

    client = personas.client(personas.ops)
    upload = SimpleUploadedFile("accounts.csv", SF_ACCOUNTS.encode(), "text/csv")
    response = client.post(
        "/customers/imports/", {"kind": "accounts", "format": "auto", "file": upload}
    )
    client.post(response.url, {"id": "Account ID", "name": "Account Name"})
    done = ImportRun.objects.get(filename="accounts.csv")
    assert done.status == "done" and not Path(done.stored_path).exists()
    assert "Imported" in client.get(response.url).content.decode()
    upload = SimpleUploadedFile("contacts.csv", SF_CONTACTS.encode(), "text/csv")
    client.post("/customers/imports/", {"kind": "contacts", "format": "auto", "file": upload})
    waiting = ImportRun.objects.get(filename="contacts.csv")
    assert Path(waiting.stored_path).exists()
    services.records_import(
        actor=personas.ops, workspace=personas.workspace, kind="contacts", name="c.csv",
        data=SF_CONTACTS.encode(),
    )  # fmt: skip
    greta = Contact.objects.get(salesforce_id="003A")
    services.contact_erase(actor=personas.ops, contact=greta, reason="DSR-7")
    waiting.refresh_from_db()
    assert waiting.status == "failed" and not Path(waiting.stored_path).exists()


def test_study_exports_quote_formulas_in_csv_and_excel(personas, contact):
    contact.first_name = '=HYPERLINK("https://evil.example", "Click")'
    contact.last_name = "+cmd|' /C calc'!A0"
    contact.title = "@SUM(1+1)"
    contact.phone = "+44 20 7946 0000"
    contact.save()
    Outreach.objects.create(
        workspace=personas.workspace,
        contact=contact,
        account=contact.account,
        by_label="ops",
        kind="prototype_test",
        study="Beta",
        outcome="reserved",
        at=timezone.now(),
    )
    client = personas.client(personas.ops)

    csv_rows = list(
        csv.reader(
            io.StringIO(client.get("/customers/studies/export.csv?study=Beta").getvalue().decode())
        )
    )
    xlsx = client.get("/customers/studies/export.xlsx?study=Beta")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    xlsx_rows = [[cell.value for cell in row] for row in sheet.iter_rows()]

    for rows in (csv_rows, xlsx_rows):
        assert rows[1][:5] == [
            '\'=HYPERLINK("https://evil.example", "Click")',
            "'+cmd|' /C calc'!A0",
            "greta@globex.example",
            "'+44 20 7946 0000",
            "'@SUM(1+1)",
        ]
    assert xlsx["Content-Disposition"] == 'attachment; filename="participants.xlsx"'
    assert AuditEvent.objects.filter(action="contact.export").count() == 2


def test_a_large_file_imports_in_the_background_while_its_page_follows_it(
    personas, org, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "INLINE_IMPORT_MAX", 100)
    client = personas.client(personas.ops)
    upload = SimpleUploadedFile("accounts.csv", SF_ACCOUNTS.encode(), "text/csv")
    response = client.post(
        "/customers/imports/", {"kind": "accounts", "format": "auto", "file": upload}
    )
    with django_capture_on_commit_callbacks(execute=False):
        client.post(response.url, {"id": "Account ID", "name": "Account Name"})
    assert ImportRun.objects.get().status == "queued" and not Account.objects.exists()
    page = client.get(response.url).content.decode()
    assert "Waiting for a background worker" in page and 'hx-trigger="every 1s"' in page
    progress = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="import-progress"' in progress and "<html" not in progress
    job = JobRun.objects.get(name="customers.import_file", status="queued")
    import_file.func(**job.arguments)
    # The page polling for progress is told to reload once the import is over.
    assert client.get(response.url, HTTP_HX_REQUEST="true").headers["HX-Refresh"] == "true"
    page = client.get(response.url).content.decode()
    assert "accounts.csv: 2 new, 0 updated" in page and "import-progress" not in page
    assert Account.objects.count() == 2


def test_an_uploaded_file_goes_to_disk_and_is_moved_into_place_not_read(
    personas, org, settings, monkeypatch
):
    from pathlib import Path

    from django.core.files.uploadedfile import TemporaryUploadedFile

    def never(*args, **kwargs):
        raise AssertionError("the whole upload was read into memory")

    monkeypatch.setattr(TemporaryUploadedFile, "read", never)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # the Salesforce export is larger
    client = personas.client(personas.ops)
    upload = SimpleUploadedFile("accounts.csv", SF_ACCOUNTS.encode(), "text/csv")
    response = client.post(
        "/customers/imports/", {"kind": "accounts", "format": "auto", "file": upload}
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert Path(run.stored_path).read_bytes() == SF_ACCOUNTS.encode()
    assert run.size == len(SF_ACCOUNTS.encode())
    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []  # moved, not copied
