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
from django.core import signals
from django.db import close_old_connections
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


@pytest.fixture
def connection_kept_open():
    """Requests share the test's transaction (rolled back after, far cheaper than emptying
    every table on PostgreSQL), so the handler must not close the connection after each
    request: Django's own test client unhooks the same receivers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("connection_kept_open")
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
