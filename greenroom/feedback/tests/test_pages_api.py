"""The pages and the API: who may do what, logging feedback, triage, the loop."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from greenroom.customers.models import Account, Contact, Outreach
from greenroom.feedback import services
from greenroom.feedback.choices import OpportunityStatus, SourceKind
from greenroom.feedback.models import FeedbackItem, LoopClosure


@pytest.fixture
def acme(personas):
    return Account.objects.create(
        workspace=personas.workspace, name="Acme", domain="acme.com", crm_arr=Decimal("120000")
    )


PAGES = ["feedback:inbox", "feedback:opportunities", "feedback:tags"]


@pytest.mark.parametrize("name", PAGES)
def test_it_shows_its_pages_to_members_and_sends_strangers_to_sign_in(personas, name):
    assert personas.client(personas.viewer).get(reverse(name)).status_code == 200
    assert personas.client(None).get(reverse(name)).status_code == 302


def test_it_keeps_another_workspaces_feedback_from_the_outsider(personas, acme):
    item = services.feedback_create(
        actor=personas.pm, workspace=personas.workspace, text="x", account=acme
    )
    response = personas.client(personas.outsider).get(reverse("feedback:item", args=[item.pk]))
    assert response.status_code == 404


def test_it_lets_a_pm_log_feedback_for_an_account_and_not_a_viewer(personas, acme):
    data = {"account": acme.pk, "text": "<b>Need</b> SSO", "title": "SSO"}
    assert personas.client(personas.viewer).post(reverse("feedback:log"), data).status_code == 403
    response = personas.client(personas.pm).post(reverse("feedback:log"), data)
    item = FeedbackItem.objects.get()
    assert response.status_code == 302 and item.account == acme and item.submitted_by == personas.pm
    page = personas.client(personas.pm).get(reverse("feedback:item", args=[item.pk])).content
    assert b"&lt;b&gt;Need&lt;/b&gt; SSO" in page and b"<b>Need</b>" not in page


def test_it_looks_accounts_up_as_the_rep_types(personas, acme):
    response = personas.client(personas.pm).get(
        reverse("feedback:account_lookup"), {"account_query": "acm"}
    )
    assert b"Acme" in response.content


def test_it_triages_in_bulk_for_pms_only(personas, acme):
    item = services.feedback_create(actor=personas.pm, workspace=personas.workspace, text="x")
    data = {"action": "archive", "ids": str(item.pk)}
    assert personas.client(personas.viewer).post(reverse("feedback:bulk"), data).status_code == 403
    personas.client(personas.pm).post(reverse("feedback:bulk"), data)
    item.refresh_from_db()
    assert item.status == "archived"


def test_it_links_a_passage_to_a_new_opportunity_whose_page_shows_the_arr(personas, acme):
    item = services.feedback_create(
        actor=personas.pm,
        workspace=personas.workspace,
        text="We need SSO before renewal",
        account=acme,
    )
    client = personas.client(personas.ops)
    client.post(
        reverse("feedback:highlight", args=[item.pk]),
        {"start": 8, "end": 11, "new_opportunity": "SSO", "importance": 3},
    )
    opportunity = item.highlights.get().opportunity
    assert item.highlights.get().passage() == "SSO"
    page = client.get(reverse("feedback:opportunity", args=[opportunity.pk])).content.decode()
    assert "120,000" in page
    listing = client.get(reverse("feedback:opportunities")).content.decode()
    assert "SSO" in listing and "120,000" in listing


def test_it_closes_the_loop_with_who_may_be_told(personas, acme):
    ws = personas.workspace
    ok = Contact.objects.create(workspace=ws, account=acme, first_name="Ok", email="ok@acme.com")
    no = Contact.objects.create(
        workspace=ws, account=acme, first_name="No", email="no@acme.com", do_not_contact=True
    )
    opportunity = services.opportunity_create(actor=personas.ops, workspace=ws, title="SSO")
    for contact in (ok, no):
        item = services.feedback_create(
            actor=personas.pm, workspace=ws, text="SSO please", contact=contact
        )
        services.highlight_create(
            actor=personas.ops, item=item, opportunity=opportunity, start=0, end=3
        )
    services.opportunity_update(
        actor=personas.ops, opportunity=opportunity, status=OpportunityStatus.SHIPPED
    )
    client = personas.client(personas.pm)
    page = client.get(reverse("feedback:opportunity", args=[opportunity.pk])).content.decode()
    assert "do not contact" in page
    client.post(
        reverse("feedback:notify", args=[opportunity.pk]),
        {"contact": [ok.pk, no.pk], "message": "It shipped"},
    )
    assert list(LoopClosure.objects.values_list("contact_id", flat=True)) == [ok.pk]
    assert Outreach.objects.get().contact == ok


def test_the_api_creates_one_item_idempotently(personas, acme):
    client = personas.client(personas.pm)
    body = {
        "source_kind": "api",
        "source_id": "x-1",
        "text": "Dark mode",
        "author_email": "jo@acme.com",
    }
    first = client.post("/api/v1/feedback/items", body, content_type="application/json")
    again = client.post("/api/v1/feedback/items", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["account_id"] == acme.pk and first.json()["match_method"] == "email_domain"


def test_the_api_bulk_is_all_or_nothing_with_per_item_errors(personas, acme):
    client = personas.client(personas.ops)
    items = [{"source_id": "1", "text": "ok"}, {"source_id": "2", "text": "  "}]
    response = client.post(
        "/api/v1/feedback/items/bulk", {"items": items}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "items[1].text: is empty" in str(response.json()["error"]["details"])
    assert not FeedbackItem.objects.exists()
    items[1]["text"] = "also ok"
    response = client.post(
        "/api/v1/feedback/items/bulk", {"items": items}, content_type="application/json"
    )
    assert response.json()["created"] == 2
    pm = personas.client(personas.pm).post(
        "/api/v1/feedback/items/bulk", {"items": items}, content_type="application/json"
    )
    assert pm.status_code == 403


def test_the_api_lists_only_the_workspaces_items(personas, acme):
    services.feedback_create(actor=personas.pm, workspace=personas.workspace, text="x")
    mine = personas.client(personas.viewer).get("/api/v1/feedback/items").json()
    theirs = personas.client(personas.outsider).get("/api/v1/feedback/items").json()
    assert len(mine["items"]) == 1 and theirs["items"] == []


def test_the_inbox_keeps_its_queries_flat(personas, acme, django_assert_max_num_queries):
    for n in range(30):
        FeedbackItem.objects.create(
            workspace=personas.workspace,
            source_kind=SourceKind.API,
            source_id=str(n),
            text="t",
            account=acme,
            received_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    client = personas.client(personas.pm)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("feedback:inbox")).status_code == 200


def test_it_ties_an_item_to_an_account_only_when_one_is_chosen(personas, acme):
    item = services.feedback_create(actor=personas.pm, workspace=personas.workspace, text="x")
    client = personas.client(personas.pm)
    url = reverse("feedback:customer", args=[item.pk])
    client.post(url, {"account": ""})
    item.refresh_from_db()
    assert item.account is None
    client.post(url, {"account": acme.pk})
    item.refresh_from_db()
    assert (item.account, item.match_method) == (acme, "chosen")
