import pytest
from django.utils import timezone

from greenroom.customers import services
from greenroom.customers.duplicates import duplicate_accounts, duplicate_contacts
from greenroom.customers.models import Account, Contact, Outreach
from greenroom.customers.services.consent import consent_append
from greenroom.customers.tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_it_pairs_contacts_by_email_id_and_similar_names(personas):
    account = AccountFactory(workspace=personas.workspace)
    a = ContactFactory(account=account, first_name="Greta", last_name="Gruber", email="g@x.example")
    b = ContactFactory(account=account, first_name="Hans", last_name="Huber", email="g@x.example")
    c = ContactFactory(account=account, first_name="Jonathan", last_name="Keller", email="")
    d = ContactFactory(account=account, first_name="Jonathon", last_name="Keller", email="")
    e = ContactFactory(account=account, salesforce_id="003Z", external_id="", email="e@x.example")
    f = ContactFactory(account=account, external_id="003Z", email="f@x.example")
    ContactFactory(account=account, first_name="Unrelated", last_name="Person")
    pairs = {
        (p.keep.pk, p.other.pk): p.reasons for p in duplicate_contacts(workspace=personas.workspace)
    }
    assert pairs[(a.pk, b.pk)] == ["same email g@x.example"]
    assert "similar names at the same account" in pairs[(c.pk, d.pk)][0]
    assert pairs[(e.pk, f.pk)] == ["the id 003Z is on both"]
    assert len(pairs) == 3


def test_it_pairs_accounts_by_domain_and_similar_names(personas):
    ws = personas.workspace
    a = AccountFactory(workspace=ws, name="Globex GmbH", domain="globex.example", country="DE")
    b = AccountFactory(workspace=ws, name="Globex", domain="", country="DE")
    c = AccountFactory(workspace=ws, name="Initech", domain="initech.example", country="US")
    d = AccountFactory(
        workspace=ws, name="Initech Holdings", domain="initech.example", country="US"
    )
    pairs = {(p.keep.pk, p.other.pk): p for p in duplicate_accounts(workspace=ws)}
    assert "similar names (100%)" in pairs[(a.pk, b.pk)].reasons
    assert pairs[(c.pk, d.pk)].reasons == ["same domain initech.example"]
    result = {row["field"]: row["result"] for row in pairs[(a.pk, b.pk)].rows}
    assert result["domain"] == "globex.example" and result["name"] == "Globex GmbH"


def test_it_merges_contacts_keeping_history_and_the_stricter_limits(personas):
    account = AccountFactory(workspace=personas.workspace)
    keep = ContactFactory(account=account, phone="", salesforce_id="003A", max_per_30_days=2)
    other = ContactFactory(
        account=account, phone="+1 555", hubspot_id="901", max_per_30_days=1, external_id=""
    )
    now = timezone.now()
    consent_append(
        records=[
            (keep.pk, "survey", True, now, "web_form", "form"),
            (other.pk, "survey", False, now + timezone.timedelta(days=1), "email", "stop"),
            (other.pk, "beta", True, now, "call", "call"),
        ],
        actor=None,
    )
    Outreach.objects.create(
        workspace=personas.workspace, contact=other, account=account, by_label="x",
        kind="survey", outcome="completed", at=now,
    )  # fmt: skip
    merged = services.contacts_merge(actor=personas.ops, keep=keep, other=other)
    assert (merged.phone, merged.salesforce_id, merged.hubspot_id) == ("+1 555", "003A", "901")
    assert merged.max_per_30_days == 1
    assert merged.consent_survey is False and merged.consent_beta is True
    assert [r.version for r in merged.consent_history.filter(kind="survey")] == [2, 1]
    assert merged.outreach.count() == 1
    assert not Contact.objects.filter(pk=other.pk).exists()


def test_it_refuses_a_conflicting_merge(personas):
    account = AccountFactory(workspace=personas.workspace)
    keep = ContactFactory(account=account, salesforce_id="003A")
    other = ContactFactory(account=account, salesforce_id="003B")
    with pytest.raises(Exception, match="both have a salesforce id"):
        services.contacts_merge(actor=personas.ops, keep=keep, other=other)
    assert Contact.objects.filter(pk=other.pk).exists()


def test_it_merges_accounts_moving_their_contacts(personas):
    keep = AccountFactory(workspace=personas.workspace, domain="", salesforce_id="001A")
    other = AccountFactory(workspace=personas.workspace, domain="acme.example", external_id="")
    contact = ContactFactory(account=other)
    services.accounts_merge(actor=personas.ops, keep=keep, other=other)
    contact.refresh_from_db()
    assert contact.account == keep
    keep.refresh_from_db()
    assert keep.domain == "acme.example"
    assert not Account.objects.filter(pk=other.pk).exists()


def test_it_shows_the_review_screen_to_product_ops_only(personas):
    account = AccountFactory(workspace=personas.workspace)
    a = ContactFactory(account=account, email="same@x.example")
    b = ContactFactory(account=account, email="same@x.example", external_id="")
    ops = personas.client(personas.ops)
    page = ops.get("/customers/duplicates/").content.decode()
    assert "same email same@x.example" in page and "After the merge" in page
    assert personas.client(personas.pm).get("/customers/duplicates/").status_code == 403
    outsider = personas.client(personas.outsider)
    assert "same@x.example" not in outsider.get("/customers/duplicates/").content.decode()
    refused = outsider.post(
        "/customers/duplicates/merge/", {"kind": "contacts", "keep": a.pk, "other": b.pk}
    )
    assert refused.status_code == 404
    ops.post("/customers/duplicates/merge/", {"kind": "contacts", "keep": a.pk, "other": b.pk})
    assert not Contact.objects.filter(pk=b.pk).exists()
