import pytest

from greenroom.accounts import services as account_services
from greenroom.organisation.models import Product, Team
from greenroom.testing.factories import ProductLineFactory, TeamFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_it_creates_a_product_with_references_by_id(personas, client):
    line = ProductLineFactory(workspace=personas.workspace)
    team = TeamFactory(workspace=personas.workspace)
    response = client.post(
        "/api/v1/organisation/products",
        {"name": "Ledger", "key": "ledger", "product_line_id": line.pk, "owner_team_id": team.pk},
        content_type="application/json",
        **_bearer(personas.ops),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["product_line_id"] == line.pk and body["owner_team_id"] == team.pk
    assert Product.objects.get(pk=body["id"]).workspace == personas.workspace


def test_it_refuses_a_reference_to_another_workspace(personas, client):
    foreign_line = ProductLineFactory(workspace=personas.outsider.memberships.get().workspace)
    response = client.post(
        "/api/v1/organisation/products",
        {"name": "Ledger", "key": "ledger", "product_line_id": foreign_line.pk},
        content_type="application/json",
        **_bearer(personas.ops),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_data"
    assert "product_line" in response.json()["error"]["details"]


def test_it_paginates_and_filters_lists(personas, client):
    for name in ["Alpha", "Beta", "Gamma"]:
        TeamFactory(workspace=personas.workspace, name=name)
    auth = _bearer(personas.viewer)
    page = client.get("/api/v1/organisation/teams?limit=2&offset=0", **auth).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    found = client.get("/api/v1/organisation/teams?q=gam", **auth).json()
    assert [item["name"] for item in found["items"]] == ["Gamma"]


def test_it_lists_in_a_constant_number_of_queries(personas, client):
    for _ in range(30):
        TeamFactory(workspace=personas.workspace)
    auth = _bearer(personas.viewer)
    with max_queries(8):
        assert client.get("/api/v1/organisation/teams", **auth).status_code == 200


def test_it_forbids_viewers_from_writing(personas, client):
    response = client.post(
        "/api/v1/organisation/teams",
        {"name": "X"},
        content_type="application/json",
        **_bearer(personas.viewer),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not Team.objects.exists()


def test_it_answers_404_to_an_outsider_for_every_row_endpoint(personas, client):
    team = TeamFactory(workspace=personas.workspace)
    auth = _bearer(personas.outsider)
    url = f"/api/v1/organisation/teams/{team.pk}"
    assert client.get(url, **auth).status_code == 404
    patch = client.patch(url, {"name": "Mine"}, content_type="application/json", **auth)
    assert patch.status_code == 404
    assert client.delete(url, **auth).status_code == 404
    assert client.get("/api/v1/organisation/teams", **auth).json()["count"] == 0
    team.refresh_from_db()
    assert team.name != "Mine"


def test_it_updates_only_the_fields_sent(personas, client):
    team = TeamFactory(workspace=personas.workspace, name="Billing", headcount_plan=4)
    response = client.patch(
        f"/api/v1/organisation/teams/{team.pk}",
        {"headcount_plan": 7},
        content_type="application/json",
        **_bearer(personas.ops),
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Billing" and response.json()["headcount_plan"] == 7


def test_it_imports_an_organisation_document(personas, client):
    response = client.post(
        "/api/v1/organisation/import",
        {"teams": [{"name": "Billing"}]},
        content_type="application/json",
        **_bearer(personas.ops),
    )
    assert response.status_code == 200
    assert response.json()["created"] == {"teams": 1}
