import pytest

from greenroom.customers.duplicates import duplicate_accounts, duplicate_contacts
from greenroom.customers.models import Contact
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
