import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from greenroom.accounts.models import AuditEvent
from greenroom.customers.models import Account, Contact, ErasedIdentity, Outreach
from greenroom.customers.services import imports
from greenroom.customers.tasks import import_file
from greenroom.customers.tests.factories import AccountFactory, ContactFactory, make_org
from greenroom.customers.tests.services.test_imports import SF_ACCOUNTS, SF_CONTACTS
from greenroom.jobs.models import JobRun

pytestmark = pytest.mark.django_db
BASE = "/api/v1/customers"


@pytest.fixture
def contact(personas):
    make_org(personas.workspace)
    account = AccountFactory(workspace=personas.workspace, name="Globex")
    return ContactFactory(
        account=account, email="greta@globex.example", consent_prototype_test=True
    )


def test_it_masks_contact_details_for_viewers_and_audits_those_who_see_them(personas, contact):
    viewer = personas.client(personas.viewer).get(f"{BASE}/contacts/{contact.pk}").json()
    assert viewer["email"] == "•••@globex.example" and viewer["phone"] == "hidden"
    assert viewer["details_visible"] is False
    assert not AuditEvent.objects.filter(action="contact.view_details").exists()
    pm = personas.client(personas.pm).get(f"{BASE}/contacts/{contact.pk}").json()
    assert pm["email"] == "greta@globex.example"
    event = AuditEvent.objects.get(action="contact.view_details")
    assert (event.actor, event.object_id) == (personas.pm, str(contact.pk))
    listed = personas.client(personas.ops).get(f"{BASE}/contacts").json()
    assert listed[0]["email"] == "greta@globex.example"
    assert AuditEvent.objects.filter(action="contact.view_details", actor=personas.ops).exists()


def test_it_shows_an_outsider_nothing(personas, contact):
    outsider = personas.client(personas.outsider)
    assert outsider.get(f"{BASE}/contacts/{contact.pk}").status_code == 404
    assert outsider.get(f"{BASE}/contacts").json() == []
    assert outsider.get(f"{BASE}/accounts").json()["items"] == []
    response = outsider.post(
        f"{BASE}/reservations",
        {"contact_ids": [contact.pk], "kind": "prototype_test", "study": "S"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert personas.client(None).get(f"{BASE}/contacts").status_code == 401


def test_it_upserts_accounts_by_external_id_and_reports_bad_records(personas):
    make_org(personas.workspace)
    client = personas.client(personas.ops)
    payload = {
        "source": "salesforce",
        "records": [{"id": "001X", "name": "Acme Ltd", "country": "DE", "employees": 500}],
    }
    first = client.post(f"{BASE}/accounts/upsert", payload, content_type="application/json")
    assert first.json()["created"] == 1
    payload["records"][0]["name"] = "Acme GmbH"
    second = client.post(f"{BASE}/accounts/upsert", payload, content_type="application/json")
    assert second.json()["updated"] == 1
    assert Account.objects.get(salesforce_id="001X").segment.name == "Mid-market"
    bad = {"records": [{"id": "1", "name": "X", "owner": "Nobody"}]}
    rejected = client.post(f"{BASE}/accounts/upsert", bad, content_type="application/json")
    assert rejected.status_code == 422
    assert "request, row 1, owner" in rejected.json()["error"]["details"][0]
    viewer = personas.client(personas.viewer)
    assert (
        viewer.post(f"{BASE}/accounts/upsert", payload, content_type="application/json").status_code
        == 403
    )


def test_it_imports_an_uploaded_export(personas):
    make_org(personas.workspace)
    client = personas.client(personas.ops)
    upload = SimpleUploadedFile("accounts.csv", SF_ACCOUNTS.encode(), "text/csv")
    response = client.post(f"{BASE}/imports", {"file": upload, "kind": "accounts"})
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    upload = SimpleUploadedFile("contacts.csv", SF_CONTACTS.encode(), "text/csv")
    response = client.post(f"{BASE}/imports", {"file": upload, "kind": "contacts"})
    assert response.json()["created"] == 3


def test_it_finds_and_reserves_through_the_api(personas, contact):
    client = personas.client(personas.pm)
    found = client.post(
        f"{BASE}/finder",
        {"opted_in": ["prototype_test"], "not_contacted_days": 60, "explain": True},
        content_type="application/json",
    ).json()
    assert [c["contact_id"] for c in found["eligible"]] == [contact.pk]
    reserved = client.post(
        f"{BASE}/reservations",
        {"contact_ids": [contact.pk], "kind": "prototype_test", "study": "Editor"},
        content_type="application/json",
    )
    assert reserved.status_code == 201 and reserved.json()["reserved"] == [contact.pk]
    timeline = client.get(f"{BASE}/outreach?account={contact.account_id}").json()
    assert timeline["items"][0]["study"] == "Editor"
    viewer = personas.client(personas.viewer)
    assert (
        viewer.post(
            f"{BASE}/reservations",
            {"contact_ids": [contact.pk], "kind": "survey", "study": "S"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_it_records_consent_versions_through_the_api(personas, contact):
    client = personas.client(personas.pm)
    url = f"{BASE}/contacts/{contact.pk}/consent"
    body = {"kind": "interview", "granted": True, "method": "call", "source": "QBR"}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201
    assert set(response.json()["opted_in"]) == {"interview", "prototype_test"}
    body["granted"] = False
    assert client.post(url, body, content_type="application/json").json()["version"] == 2
    contact.refresh_from_db()
    assert contact.consent_interview is False


def test_it_erases_a_contact_and_keeps_anonymised_history(personas, contact):
    Outreach.objects.create(
        workspace=personas.workspace,
        contact=contact,
        account=contact.account,
        by_label="pm",
        kind="interview",
        outcome="completed",
        at=contact.created_at,
        reason=f"Follow up with {contact.first_name}",
    )
    client = personas.client(personas.ops)
    client.get(f"{BASE}/contacts/{contact.pk}")
    access = client.get(f"{BASE}/contacts/{contact.pk}/subject-access").json()
    assert access["contact"]["email"] == "greta@globex.example"
    assert access["outreach"][0]["kind"] == "interview"
    assert access["access_log"][0]["action"] == "contact.view_details"
    name = contact.last_name
    erased = client.post(
        f"{BASE}/contacts/{contact.pk}/erase", {"reason": "DSR-42"}, content_type="application/json"
    ).json()
    assert erased["erased"] is True and erased["email"] == ""
    contact.refresh_from_db()
    assert (contact.first_name, contact.email, contact.external_id) == ("", "", "")
    assert contact.outreach.get().reason == ""
    assert not AuditEvent.objects.filter(object_label__contains=name).exists()
    assert ErasedIdentity.objects.filter(workspace=personas.workspace).count() == 2
    assert (
        personas.client(personas.pm)
        .post(
            f"{BASE}/contacts/{contact.pk}/erase", {"reason": "x"}, content_type="application/json"
        )
        .status_code
        == 403
    )


def test_it_does_not_bring_back_an_erased_contact_on_the_next_import(personas):
    make_org(personas.workspace)
    client = personas.client(personas.ops)
    for name, text in (("accounts.csv", SF_ACCOUNTS), ("contacts.csv", SF_CONTACTS)):
        upload = SimpleUploadedFile(name, text.encode(), "text/csv")
        client.post(f"{BASE}/imports", {"file": upload, "kind": name.split(".")[0]})
    greta = Contact.objects.get(salesforce_id="003A")
    client.post(
        f"{BASE}/contacts/{greta.pk}/erase", {"reason": "DSR"}, content_type="application/json"
    )
    upload = SimpleUploadedFile("contacts.csv", SF_CONTACTS.encode(), "text/csv")
    report = client.post(f"{BASE}/imports", {"file": upload, "kind": "contacts"}).json()
    assert report["skipped"] == [{"row": 2, "message": "this person was erased; not re-imported"}]
    assert Contact.objects.filter(first_name="Greta").count() == 0


def test_it_lists_accounts_and_contacts_with_a_constant_number_of_queries(personas):
    from greenroom.testing.queries import max_queries

    org = make_org(personas.workspace)
    for _ in range(20):
        account = AccountFactory(workspace=personas.workspace, segment=org.mid, owner=org.rep)
        ContactFactory(account=account)
    client = personas.client(personas.pm)
    with max_queries(8):
        assert len(client.get(f"{BASE}/accounts").json()["items"]) == 20
    with max_queries(10):
        assert len(client.get(f"{BASE}/contacts").json()) == 20


def test_it_records_an_outcome_which_ends_the_active_study(personas, contact):
    client = personas.client(personas.pm)
    client.post(
        f"{BASE}/reservations",
        {"contact_ids": [contact.pk], "kind": "prototype_test", "study": "Editor"},
        content_type="application/json",
    )
    outreach = Outreach.objects.get()
    url = f"{BASE}/outreach/{outreach.pk}"
    response = client.patch(url, {"outcome": "completed"}, content_type="application/json")
    assert response.json()["outcome"] == "completed"
    assert AuditEvent.objects.filter(action="outreach.change_outcome").exists()
    outsider = personas.client(personas.outsider)
    assert (
        outsider.patch(url, {"outcome": "declined"}, content_type="application/json").status_code
        == 404
    )
    viewer = personas.client(personas.viewer)
    assert (
        viewer.patch(url, {"outcome": "declined"}, content_type="application/json").status_code
        == 403
    )


def test_it_imports_a_large_upload_in_the_background_and_reports_how_far_it_is(
    personas, monkeypatch, django_capture_on_commit_callbacks
):
    make_org(personas.workspace)
    monkeypatch.setattr(imports, "INLINE_IMPORT_MAX", 100)
    client = personas.client(personas.ops)
    upload = SimpleUploadedFile("accounts.csv", SF_ACCOUNTS.encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"{BASE}/imports", {"file": upload, "kind": "accounts"})
    assert response.status_code == 202, response.content
    run = response.json()
    assert (run["status"], run["report"], run["filename"]) == ("queued", None, "accounts.csv")
    job = JobRun.objects.get(name="customers.import_file")
    assert job.arguments == {"workspace_id": personas.workspace.pk, "run_id": run["id"]}
    import_file.func(**job.arguments)
    followed = client.get(f"{BASE}/imports/{run['id']}").json()
    assert followed["status"] == "done" and followed["report"]["created"] == 2
    assert personas.client(personas.outsider).get(f"{BASE}/imports/{run['id']}").status_code == 404
    assert personas.client(personas.pm).get(f"{BASE}/imports/{run['id']}").status_code == 403
