"""The API's one error shape, for routers to declare the error answers they give."""

from typing import Any

from ninja import Schema


class ErrorDetail(Schema):
    """What went wrong: a stable code, a message for people, and details (e.g. per field)."""

    code: str
    message: str
    details: Any


class ErrorOut(Schema):
    """The one error shape of every 4xx and 5xx answer."""

    error: ErrorDetail


def error_body(code: str, message: str, details: Any = None) -> dict:
    """The one error shape as plain data, for answers given outside the API's handlers."""
    return {"error": {"code": code, "message": message, "details": details}}


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers a route gives itself, for its ``response``, e.g.
    ``response={200: TeamOut, **errors(403, 404)}`` for an ability above viewer and a lookup.

    The API adds those it gives for every route (greenroom/api.py): 401, and 400, 403 and 422
    where a body, a session write or parameters are involved.
    """
    return dict.fromkeys(statuses, ErrorOut)
