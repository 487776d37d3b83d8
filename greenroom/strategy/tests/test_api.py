import pytest

from greenroom.accounts import services as account_services
from greenroom.strategy.models import CheckIn
from greenroom.strategy.tests.conftest import TODAY
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_it_lists_key_results_with_their_status(personas, goals, client):
    headers = _bearer(personas.viewer)
    with max_queries(8):
        response = client.get("/api/v1/strategy/key-results", **headers)
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["title"] == "Accounts on annual plans" and item["status"] == "no_data"
    filtered = client.get("/api/v1/strategy/key-results?status=off_track", **headers)
    assert filtered.json()["items"] == []


def test_it_gives_the_rolled_up_tree(personas, goals, client):
    response = client.get("/api/v1/strategy/tree", **_bearer(personas.viewer))
    body = response.json()
    assert body["intents"][0]["title"] == "Win mid-market"
    objectives = body["intents"][0]["initiatives"][0]["objectives"]
    assert goals["kr"].pk in [i for o in objectives for i in o["key_result_ids"]]


def test_it_takes_a_check_in_from_the_teams_pm_only(personas, goals, client):
    url = f"/api/v1/strategy/key-results/{goals['kr'].pk}/check-ins"
    payload = {"value": 150, "checked_on": TODAY.isoformat(), "comment": "API"}
    refused = client.post(url, payload, content_type="application/json", **_bearer(personas.viewer))
    assert refused.status_code == 403
    done = client.post(url, payload, content_type="application/json", **_bearer(personas.pm))
    assert done.status_code == 201, done.content
    assert CheckIn.objects.get().author == personas.pm
    got = client.get(f"/api/v1/strategy/key-results/{goals['kr'].pk}", **_bearer(personas.pm))
    assert got.json()["progress"] == pytest.approx(0.5)


def test_it_answers_404_to_an_outsider(personas, goals, client):
    headers = _bearer(personas.outsider)
    assert (
        client.get(f"/api/v1/strategy/key-results/{goals['kr'].pk}", **headers).status_code == 404
    )
    assert client.get("/api/v1/strategy/key-results", **headers).json()["items"] == []
    assert client.get("/api/v1/strategy/tree", **headers).json()["intents"] == []


def test_it_refuses_a_future_check_in_with_a_clear_message(personas, goals, client):
    url = f"/api/v1/strategy/key-results/{goals['kr'].pk}/check-ins"
    payload = {"value": 1, "checked_on": "2099-01-01"}
    response = client.post(url, payload, content_type="application/json", **_bearer(personas.ops))
    assert response.status_code == 422
    assert "future" in str(response.json()["error"])
