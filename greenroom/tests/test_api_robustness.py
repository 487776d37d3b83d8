"""Property-based requests against every API operation: whatever the input, never a 500.

Schemathesis generates requests from the OpenAPI schema (valid and invalid ones); each
operation gets a few deterministic examples so the run stays short and repeatable.
"""

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck

from greenroom.accounts import services as account_services
from greenroom.api import api
from greenroom.wsgi import application

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
SCHEMA.app = application
OPERATIONS = [
    (path, method.upper())
    for path, methods in SCHEMA.raw_schema["paths"].items()
    for method in methods
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_it_never_answers_a_server_error(personas, path, method):
    _, secret = account_services.token_create(user=personas.admin, name="fuzz")
    operation = SCHEMA[path][method]

    @hypothesis.settings(
        max_examples=12,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def check(case):
        response = case.call(headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code < 500, (
            f"{method} {case.formatted_path} {case.query} answered {response.status_code}: "
            f"{response.text[:300]}"
        )

    check()
