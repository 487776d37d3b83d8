"""The single API object: one router per app under /api/v1/, one error format for all.

Errors always look like ``{"error": {"code": ..., "message": ..., "details": ...}}`` with the
matching HTTP status, whatever raised them, and the OpenAPI description lists each 4xx an
operation can answer: routes declare their own with ``greenroom.lib.apierrors.errors``; those
the API answers on behalf of every route are added here.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation
from ninja.params.models import BodyModel, FileModel, FormModel
from ninja.security import HttpBearer, SessionAuth

from greenroom.accounts import selectors as account_selectors
from greenroom.accounts import services as account_services
from greenroom.accounts.requests import membership_attach
from greenroom.lib.apierrors import ErrorOut, error_body
from greenroom.web.limits import UploadTooLarge, body_refusal, too_large, upload_refusal

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer grt_…`` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str):
        user = account_services.token_authenticate(secret=token)
        if user is None:
            return None
        request.user = user
        membership = account_selectors.membership_for(user=user)
        membership_attach(request, membership)
        return user if membership else None


class MemberSessionAuth(SessionAuth):
    """The browser session, for signed-in members (CSRF enforced on writes)."""

    def __call__(self, request: HttpRequest):
        # Without a signed-in member there is no session to forge a request with: answer 401,
        # not the 403 of a CSRF check that could never pass.
        if getattr(request, "membership", None) is None:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        return user if user and getattr(request, "membership", None) else None


api = NinjaAPI(
    title="Greenroom API",
    version="1",
    description=(
        "The Greenroom HTTP API. Authenticate with a personal token "
        "(`Authorization: Bearer grt_…`, create one under Profile → API tokens) or a browser "
        "session. Lists are paginated with `limit` and `offset`. Errors have one shape: "
        '`{"error": {"code", "message", "details"}}`.'
    ),
    urls_namespace="api",
    # "accounts" is both Greenroom's own sign-ins and the companies you sell to: the tags say
    # which is which (ARCHITECTURE.md says why the app keeps its name).
    openapi_extra={
        "tags": [
            {
                "name": "accounts",
                "description": "Greenroom's own users, workspaces, roles and API tokens. "
                "The companies you sell to are customer accounts: `/api/v1/customers/accounts`.",
            },
            {
                "name": "customers",
                "description": "The customer database: accounts (companies), contacts, "
                "consent, outreach, the participant finder, imports and privacy requests.",
            },
        ]
    },
    auth=[TokenAuth(), MemberSessionAuth()],
    # Deep links nest a link inside each operation's button, which screen readers can't use.
    docs=Swagger(settings={"deepLinking": False}),
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, details=None
) -> HttpResponse:
    """The one error shape every endpoint answers with."""
    return api.create_response(request, error_body(code, message, details), status=status)


@api.exception_handler(NinjaValidationError)
def _invalid_request(request, exc: NinjaValidationError):
    return error_response(request, 422, "invalid_request", "The request is not valid.", exc.errors)


@csrf_exempt  # It changes nothing, and API clients send no CSRF token.
def not_found(request: HttpRequest, unmatched: str = "") -> HttpResponse:
    """Addresses under /api/v1/ that match no route (an unknown path, an id that is not a
    number) answer in the error shape too, not with the HTML page for people."""
    return error_response(
        request, 404, "not_found", "Nothing at this address: check the path and the ids in it."
    )


@api.exception_handler(ValidationError)
def _invalid_data(request, exc: ValidationError):
    details = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return error_response(request, 422, "invalid_data", "The data is not valid.", details)


@api.exception_handler(OverflowError)
def _number_out_of_range(request, exc: OverflowError):
    # Ids and counts beyond what the database stores (SQLite: 64-bit) can never match a row.
    return error_response(request, 422, "invalid_request", "A number in the request is too large.")


@api.exception_handler(RequestDataTooBig)
@api.exception_handler(UploadTooLarge)
def _too_large(request, exc: Exception):
    # Most are refused by greenroom.web.limits before the API reads anything; this is the
    # same answer for any that get this far.
    refusal = upload_refusal() if isinstance(exc, UploadTooLarge) else body_refusal()
    return too_large(request, refusal)


@api.exception_handler(DataError)
def _unstorable(request, exc: DataError):
    # The database refused a value the schema allowed, e.g. a NUL byte in text on PostgreSQL.
    return error_response(
        request, 422, "invalid_data", "A value in the request cannot be stored.", str(exc)[:200]
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = error_response(
        request, 401, "unauthenticated", "Sign in or send a valid API token (Bearer grt_…)."
    )
    response["WWW-Authenticate"] = 'Bearer realm="Greenroom API"'
    return response


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return error_response(request, 403, "forbidden", str(exc) or "Your role does not allow this.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", "No such object in this workspace.")


@api.exception_handler(Exception)
def _unexpected(request, exc: Exception):
    logger.exception("API request failed: %s %s", request.method, request.path)
    return error_response(request, 500, "internal_error", "Something went wrong on our side.")


# Codes for the HttpErrors django-ninja raises itself: an unparseable body, a failed CSRF check.
_HTTP_ERROR_CODES = {400: "invalid_body", 403: "forbidden"}


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    code = _HTTP_ERROR_CODES.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc))


def _mount_routers() -> None:
    from greenroom.accounts.api import router as accounts_router
    from greenroom.cadences.api import router as cadences_router
    from greenroom.customers.api import router as customers_router
    from greenroom.dashboards.api import router as dashboards_router
    from greenroom.experiments.api import router as experiments_router
    from greenroom.feedback.api import router as feedback_router
    from greenroom.health.api import router as health_router
    from greenroom.jobs.api import router as jobs_router
    from greenroom.metrics.api import router as metrics_router
    from greenroom.organisation.api import router as organisation_router
    from greenroom.research.api import router as research_router
    from greenroom.sources.api import router as sources_router
    from greenroom.strategy.api import router as strategy_router

    routers = {
        "/accounts/": accounts_router,
        "/organisation/": organisation_router,
        "/jobs/": jobs_router,
        "/sources/": sources_router,
        "/metrics/": metrics_router,
        "/customers/": customers_router,
        "/cadences/": cadences_router,
        "/feedback/": feedback_router,
        "/research/": research_router,
        "/strategy/": strategy_router,
        "/experiments/": experiments_router,
        "/dashboards/": dashboards_router,
        "/health/": health_router,
    }
    for prefix, router in routers.items():
        _declare_common_errors(router)
        api.add_router(prefix, router)


_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _declare_common_errors(router: Router) -> None:
    """Add the error answers the API gives on behalf of a router's operations to their
    OpenAPI description; done before mounting, as mounting copies the operations."""
    for path_view in router.path_operations.values():
        for operation in path_view.operations:
            for status in _common_errors(operation):
                operation.response_models.setdefault(
                    status, operation._create_response_model(ErrorOut)
                )


def _common_errors(operation: Operation) -> set[int]:
    statuses = set()
    if operation.auth_param is not None:
        statuses.add(401)
    if operation.models:
        statuses.add(422)
    if any(issubclass(model, BodyModel | FormModel | FileModel) for model in operation.models):
        # A malformed body, and one over the size limits (greenroom.web.limits).
        statuses |= {400, 413}
    # A session write without its CSRF token.
    if _UNSAFE_METHODS & set(operation.methods):
        statuses.add(403)
    return statuses


_mount_routers()
