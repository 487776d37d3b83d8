"""The API as a whole: one error format, authentication, and a schema that only changes on
purpose (regenerate the snapshot with `make api-schema` when a change is deliberate)."""

import json
from pathlib import Path

import pytest
from django.test import Client

from greenroom.api import api

pytestmark = pytest.mark.django_db

SNAPSHOT = Path(__file__).parent / "openapi.json"


def current_schema() -> dict:
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), sort_keys=True))


def test_it_keeps_the_openapi_schema_as_snapshotted():
    assert SNAPSHOT.exists(), "Run `make api-schema` to write the first snapshot."
    assert current_schema() == json.loads(SNAPSHOT.read_text()), (
        "The API schema changed. If that is deliberate, run `make api-schema` and commit "
        "greenroom/tests/openapi.json."
    )


def test_it_serves_the_schema_and_interactive_docs(personas):
    client = personas.client(personas.viewer)
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200


def test_it_answers_401_in_the_error_format_without_credentials():
    response = Client().get("/api/v1/organisation/teams")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_it_answers_401_to_a_made_up_token():
    response = Client().get("/api/v1/accounts/me", HTTP_AUTHORIZATION="Bearer grt_not-a-real-token")
    assert response.status_code == 401


def test_it_answers_422_to_malformed_json(personas):
    response = personas.client(personas.ops).post(
        "/api/v1/organisation/teams", "{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert "error" in response.json()


def test_it_answers_422_to_wrong_types(personas):
    client = personas.client(personas.ops)
    response = client.post(
        "/api/v1/organisation/teams",
        {"name": "X", "headcount_plan": "lots"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_it_answers_422_to_a_bad_pagination_parameter(personas):
    response = personas.client(personas.viewer).get("/api/v1/organisation/teams?limit=-5")
    assert response.status_code == 422


def test_it_requires_csrf_for_session_writes(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.ops)
    response = client.post(
        "/api/v1/organisation/teams", {"name": "X"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
