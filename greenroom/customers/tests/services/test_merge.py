"""Merging duplicate accounts and contacts (customers/services/merge.py)."""

import pytest
from django.utils import timezone

from greenroom.customers import services
from greenroom.customers.models import Account, Contact, Outreach
from greenroom.customers.services.consent import consent_append
from greenroom.customers.tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


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
