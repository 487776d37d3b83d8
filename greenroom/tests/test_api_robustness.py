"""Property-based requests against every API operation, checked against the OpenAPI
description: never a 500, and every answer's status, content type, headers and body as the
description says (so every 4xx a route gives is listed there, in the one error shape).

Schemathesis generates requests from the OpenAPI schema (valid and invalid ones), sent as an
admin or a viewer; each operation gets a few deterministic examples so the run stays short and
repeatable.
"""

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, strategies
from schemathesis.checks import positive_data_acceptance

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
# Schema-valid requests may still be refused with 422: the services check what a JSON schema
# cannot say (unique names, ids of other rows in the workspace, e-mail addresses).
NOT_CHECKED = [positive_data_acceptance]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_it_answers_as_the_openapi_description_says(personas, path, method):
    # An admin meets the 404s and 422s, a viewer the 403s: each example is sent as one of them.
    tokens = {
        role: account_services.token_create(user=getattr(personas, role), name="fuzz")[1]
        for role in ("admin", "viewer")
    }
    operation = SCHEMA[path][method]

    @hypothesis.settings(
        max_examples=12,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(), role=strategies.sampled_from(sorted(tokens)))
    def check(case, role):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {tokens[role]}"}, excluded_checks=NOT_CHECKED
        )

    check()
