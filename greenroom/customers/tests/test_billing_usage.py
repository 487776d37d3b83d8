"""Billing ARR and product usage from the Business data engine, when it has them."""

from datetime import date
from decimal import Decimal

import pytest

from greenroom.customers import selectors
from greenroom.customers.finder import Criteria, participants_find
from greenroom.customers.tests.factories import AccountFactory, ContactFactory
from greenroom.metrics.tests.test_account_figures import load_store
from greenroom.testing.factories import ProductFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db
BASE = "/api/v1/customers"


@pytest.fixture
def accounts(personas):
    """Acme is billed and active (Salesforce id), Beta billed but idle lately (HubSpot id),
    Gamma is only in the CRM; each with one contact."""
    ws = personas.workspace
    ProductFactory(workspace=ws, name="Harbor Insights", key="insights")
    ProductFactory(workspace=ws, name="Harbor Workspace", key="workspace")
    made = {
        "acme": AccountFactory(workspace=ws, name="Acme", salesforce_id="crm-acme", crm_arr=1000),
        "beta": AccountFactory(workspace=ws, name="Beta", hubspot_id="crm-beta", crm_arr=900),
        "gamma": AccountFactory(workspace=ws, name="Gamma", crm_arr=5000),
    }
    for account in made.values():
        ContactFactory(account=account, last_name=account.name)
    return made


@pytest.fixture
def engine(settings, tmp_path, personas, accounts):
    load_store(settings, tmp_path, personas.workspace)
    return accounts


def test_it_uses_billing_arr_and_usage_when_the_engine_has_the_account(engine):
    figures = selectors.account_figures(account=engine["acme"])
    # Acme's May MRR in the metrics fixture is 200.
    assert (figures.arr, figures.arr_source) == (Decimal("2400.0"), "billing")
    assert figures.currency == "USD"
    assert figures.mrr_trend[-1] == (date(2026, 5, 1), 200.0)
    assert figures.usage["active_users"] == 2
    assert set(figures.usage["by_product"]) == {"workspace", "insights"}


def test_it_keeps_the_crm_arr_for_accounts_billing_does_not_know(engine):
    figures = selectors.account_figures(account=engine["gamma"])
    assert (figures.arr, figures.arr_source, figures.usage) == (Decimal("5000"), "crm", None)


def test_it_keeps_the_crm_arr_and_no_usage_without_the_engine(personas, accounts):
    figures = selectors.account_figures(account=accounts["acme"])
    assert (figures.arr, figures.arr_source, figures.usage) == (Decimal("1000"), "crm", None)
    assert figures.mrr_trend == []


def test_it_shows_billing_arr_trend_and_usage_on_the_account_page(personas, engine):
    page = personas.client(personas.viewer).get(f"/customers/accounts/{engine['acme'].pk}/")
    html = page.content.decode()
    assert "ARR at May 2026 (from billing, USD)" in html
    assert "2,400" in html
    assert "MRR trend (from billing)" in html and "2026-05" in html
    assert "<strong>2</strong> active users" in html
    assert "once product usage data is connected" not in html


def test_it_says_where_arr_comes_from_and_keeps_the_placeholder_without_usage(personas, engine):
    html = (
        personas.client(personas.viewer)
        .get(f"/customers/accounts/{engine['gamma'].pk}/")
        .content.decode()
    )
    assert "ARR (from the CRM)" in html
    assert "once product usage data is connected" in html


def test_it_lists_billing_arr_in_the_api_with_a_constant_number_of_queries(personas, engine):
    client = personas.client(personas.pm)
    with max_queries(10):
        items = client.get(f"{BASE}/accounts").json()["items"]
    found = {item["name"]: (item["arr"], item["arr_source"]) for item in items}
    assert found["Acme"] == ("2400.0", "billing")
    assert found["Beta"] == ("2400.0", "billing")
    assert found["Gamma"] == ("5000.00", "crm")


def test_it_finds_accounts_active_in_a_product_in_the_last_30_days(personas, engine):
    found = participants_find(
        workspace=personas.workspace, criteria=Criteria(active_in_product="insights")
    )
    assert {row["account__name"] for row in found.eligible} == {"Acme"}


def test_it_finds_accounts_with_a_minimum_of_active_users(personas, engine):
    def names(**usage):
        criteria = Criteria(**usage)
        return {
            r["account__name"]
            for r in participants_find(workspace=personas.workspace, criteria=criteria).eligible
        }

    assert names(min_active_users=2) == {"Acme"}
    assert names(min_active_users=3) == set()
    assert names(active_in_product="workspace", min_active_users=2) == set()


def test_it_filters_the_arr_band_on_billing_arr_where_billing_knows_the_account(personas, engine):
    criteria = Criteria(arr_min=Decimal(2000))
    found = participants_find(workspace=personas.workspace, criteria=criteria)
    # Acme and Beta bill 2,400 (their CRM says 1,000 and 900); Gamma's CRM says 5,000.
    assert {row["account__name"] for row in found.eligible} == {"Acme", "Beta", "Gamma"}
    criteria = Criteria(arr_max=Decimal(1000))
    assert participants_find(workspace=personas.workspace, criteria=criteria).eligible == []


def test_it_offers_usage_criteria_only_when_there_is_usage_data(personas, accounts):
    client = personas.client(personas.viewer)
    html = client.get("/customers/find/").content.decode()
    assert 'name="active_in_product"' not in html
    assert "No product usage data yet" in html
    response = client.post(
        f"{BASE}/finder", {"active_in_product": "insights"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "No product usage data" in response.json()["error"]["details"][0]


def test_it_offers_the_usage_criteria_on_the_finder_page_with_data(personas, engine):
    client = personas.client(personas.viewer)
    html = client.get("/customers/find/").content.decode()
    assert 'name="active_in_product"' in html and "Harbor Insights" in html
    html = client.get("/customers/find/?limit=20&per_account=2&active_in_product=insights")
    assert "Acme" in html.content.decode() and "Beta</a>" not in html.content.decode()


def test_it_rejects_an_unknown_product_or_too_few_users_in_the_api(personas, engine):
    client = personas.client(personas.viewer)
    response = client.post(
        f"{BASE}/finder", {"active_in_product": "nope"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "active_in_product" in response.json()["error"]["details"]
    response = client.post(
        f"{BASE}/finder", {"min_active_users": 0}, content_type="application/json"
    )
    assert response.status_code == 422


def test_it_finds_by_usage_through_the_api(personas, engine):
    response = personas.client(personas.viewer).post(
        f"{BASE}/finder", {"min_active_users": 1}, content_type="application/json"
    )
    assert response.status_code == 200
    assert {row["account"] for row in response.json()["eligible"]} == {"Acme"}


def test_an_outsider_sees_neither_billing_nor_usage_of_this_workspace(personas, engine):
    outsider = personas.client(personas.outsider)
    assert outsider.get(f"/customers/accounts/{engine['acme'].pk}/").status_code == 404
    assert outsider.get(f"{BASE}/accounts/{engine['acme'].pk}").status_code == 404
    # The outsider's own workspace has no business data: no usage criterion there.
    response = outsider.post(
        f"{BASE}/finder", {"min_active_users": 1}, content_type="application/json"
    )
    assert response.status_code == 422
    assert 'name="min_active_users"' not in outsider.get("/customers/find/").content.decode()
