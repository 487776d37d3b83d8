"""Accounts and contacts in the search box: every role finds them by name; only roles that
may see contact details find them by email or phone, and seeing those is audited."""

import pytest
from django.urls import reverse
from django.utils import timezone

from greenroom.accounts.models import AuditEvent
from greenroom.customers.tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

ROLES = ["admin", "ops", "pm", "viewer"]
DETAIL_ROLES = {"admin", "ops", "pm"}


def _search(personas, user, query: str) -> str:
    response = personas.client(user).get(reverse("search"), {"q": query})
    assert response.status_code == 200
    return response.text


@pytest.fixture
def jane(personas):
    account = AccountFactory(workspace=personas.workspace, name="Globex", domain="globex.example")
    return ContactFactory(
        account=account,
        first_name="Jane",
        last_name="Doe",
        title="Head of Data",
        email="j.doe@globex.example",
        phone="+44 20 7946 0123",
    )


@pytest.mark.parametrize("role", ROLES)
def test_it_finds_accounts_by_name_or_domain_for_every_role(personas, jane, role):
    user = getattr(personas, role)
    by_name = _search(personas, user, "globe")
    by_domain = _search(personas, user, "globex.example")

    url = reverse("customers:account", args=[jane.account.pk])
    assert f'href="{url}">Globex</a>' in by_name
    assert f'href="{url}">Globex</a>' in by_domain


@pytest.mark.parametrize("role", ROLES)
def test_it_finds_contacts_by_every_word_of_name_title_or_account(personas, jane, role):
    page = _search(personas, getattr(personas, role), "jane globex")

    assert f'href="{reverse("customers:contact", args=[jane.pk])}">Jane Doe</a>' in page
    assert "Head of Data · Globex" in page


@pytest.mark.parametrize("role", ROLES)
def test_it_finds_contacts_by_email_or_phone_only_for_roles_that_may_see_them(personas, jane, role):
    by_email = _search(personas, getattr(personas, role), "j.doe@")
    by_phone = _search(personas, getattr(personas, role), "7946 0123")

    allowed = role in DETAIL_ROLES
    assert ("Jane Doe" in by_email) is allowed
    assert ("j.doe@globex.example" in by_email) is allowed
    assert ("Jane Doe" in by_phone) is allowed


def test_it_never_shows_email_or_phone_to_a_viewer(personas, jane):
    page = _search(personas, personas.viewer, "jane")

    assert "Jane Doe" in page
    assert "j.doe@" not in page and "7946" not in page


def test_it_audits_contact_details_shown_in_search(personas, jane):
    _search(personas, personas.pm, "j.doe@")

    event = AuditEvent.objects.get(action="contact.view_details")
    assert (event.actor, event.workspace) == (personas.pm, personas.workspace)
    assert event.object_id == str(jane.pk) and event.detail == {"where": "search"}


def test_it_audits_nothing_when_no_contact_details_are_shown(personas, jane):
    _search(personas, personas.pm, "jane")
    _search(personas, personas.viewer, "j.doe@")

    assert not AuditEvent.objects.filter(action="contact.view_details").exists()


def test_it_lists_a_contact_found_by_name_and_email_once(personas, jane):
    jane.email = "jane@globex.example"
    jane.save()

    page = _search(personas, personas.pm, "jane")

    assert page.count(">Jane Doe</a>") == 1
    assert "Contacts by email or phone" not in page


def test_it_leaves_erased_contacts_out(personas, jane):
    jane.erased_at = timezone.now()
    jane.save()

    assert "Jane Doe" not in _search(personas, personas.admin, "jane")
    assert "Jane Doe" not in _search(personas, personas.admin, "j.doe@")


def test_it_shows_an_outsider_nothing_of_another_workspace(personas, jane):
    for query in ("globex", "jane", "j.doe@", "7946"):
        page = _search(personas, personas.outsider, query)
        # "Jane Doe", not "Jane": the outsider's own generated name (say, Janet) is on the page.
        assert "Globex" not in page and "Jane Doe" not in page

    assert not AuditEvent.objects.filter(action="contact.view_details").exists()
