"""The API as a whole: one error format, authentication, and a schema that only changes on
purpose (regenerate the snapshot with `make api-schema` when a change is deliberate)."""

import json
import typing
from pathlib import Path

import pytest
from django.test import Client
from ninja.params.models import BodyModel
from pydantic import BaseModel

from greenroom.accounts import services as account_services
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


def test_it_gives_every_schema_in_the_description_its_own_name():
    # OpenAPI components share one namespace: two shapes under one name leave one of them
    # described wrongly (the organisation and customer import reports once did).
    shapes: dict[str, set[str]] = {}
    for model in _schemas_of_every_operation():
        shape = json.dumps(model.model_json_schema(), sort_keys=True)
        shapes.setdefault(model.__name__, set()).add(shape)
    assert [name for name, found in shapes.items() if len(found) > 1] == []


def _schemas_of_every_operation() -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    for _, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for response in operation.response_models.values():
                    if isinstance(response, type):
                        _collect(response.model_fields["response"].annotation, found)
                for model in operation.models:
                    if issubclass(model, BodyModel):
                        for field in model.model_fields.values():
                            _collect(field.annotation, found)
    return found


def _collect(annotation, found: set) -> None:
    is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    if is_model and annotation not in found:
        found.add(annotation)
        for field in annotation.model_fields.values():
            _collect(field.annotation, found)
    for argument in typing.get_args(annotation):
        _collect(argument, found)


def test_it_answers_401_in_the_error_format_without_credentials():
    response = Client().get("/api/v1/organisation/teams")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_it_answers_401_not_403_to_an_unauthenticated_write():
    response = Client().post(
        "/api/v1/organisation/teams", {"name": "X"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_it_keeps_403_for_a_member_whose_role_does_not_allow_it(personas):
    _, secret = account_services.token_create(user=personas.viewer, name="cli")
    response = Client().post(
        "/api/v1/organisation/teams",
        {"name": "X"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/no-such-thing"), ("post", "/api/v1/customers/contacts/-1/consent")],
)
def test_it_answers_addresses_that_match_no_route_in_the_error_format(personas, method, path):
    response = getattr(personas.client(personas.admin), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["error"]["code"] == "not_found"


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
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "forbidden",
        "message": "CSRF check Failed",
        "details": None,
    }
