"""Limits on what a request may send, answered with 413 and the limit, never with a 500.

A file upload may be up to ``MAX_UPLOAD_SIZE`` (GREENROOM_MAX_UPLOAD_SIZE) per file; any
other request body up to ``MAX_REQUEST_BODY`` (GREENROOM_MAX_REQUEST_BODY). The middleware
refuses a request by its declared length before anything reads it, so the refusal costs
nothing; only a multipart body that could hide one file over the limit is parsed here (files
stream to disk as they arrive, counted by ``LimitedUploadHandler``), because later, in the
CSRF check or the API, the same overflow could only be answered with a 400 or a 500. The API
answers in its one error shape; pages with a page that says what to do.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from greenroom.lib.apierrors import error_body
from greenroom.lib.env import size_text


class UploadTooLarge(Exception):
    """One uploaded file went past the upload limit while it was arriving."""


# What was refused, and the variable that sets the limit.
Refusal = tuple[str, str]


def upload_refusal(size: int = 0) -> Refusal:
    got = f" (this one is {size_text(size)})" if size else ""
    limit = size_text(settings.MAX_UPLOAD_SIZE)
    return f"Files up to {limit} can be uploaded{got}.", "GREENROOM_MAX_UPLOAD_SIZE"


def body_refusal(size: int = 0) -> Refusal:
    got = f" (this one is {size_text(size)})" if size else ""
    limit = size_text(settings.MAX_REQUEST_BODY)
    return f"Requests up to {limit} are accepted{got}.", "GREENROOM_MAX_REQUEST_BODY"


class LimitedUploadHandler(FileUploadHandler):
    """Counts each uploaded file's bytes as they arrive and stops past the upload limit."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_SIZE:
            raise UploadTooLarge(upload_refusal()[0])
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class RequestLimitMiddleware:
    """Answers 413 to a request that sends more than the limits allow."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = _refusal(request)
        if refusal:
            return too_large(request, refusal)
        return self.get_response(request)


def _refusal(request: HttpRequest) -> Refusal | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # as Django reads it: nothing
    if request.content_type != "multipart/form-data":
        return body_refusal(length) if length > settings.MAX_REQUEST_BODY else None
    if length > settings.MAX_UPLOAD_SIZE + settings.MAX_REQUEST_BODY:
        return upload_refusal(length)
    if length > min(settings.MAX_UPLOAD_SIZE, settings.MAX_REQUEST_BODY):
        try:
            request.FILES  # noqa: B018 - parsed here, where a refusal can still be a 413
        except UploadTooLarge:
            return upload_refusal(length)
        except RequestDataTooBig:
            return body_refusal()
    return None


def too_large(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The 413 answer: the API's error shape, or a page saying what to do."""
    message, variable = refusal
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("too_large", message, _limits()), status=413)
    # Rendered without the request: this runs before sessions and sign-in are read.
    page = render_to_string(
        "413.html", {"message": message, "variable": variable, "back": request.get_full_path()}
    )
    return HttpResponse(page, status=413)


def _limits() -> dict[str, int]:
    return {
        "max_upload_bytes": settings.MAX_UPLOAD_SIZE,
        "max_request_body_bytes": settings.MAX_REQUEST_BODY,
    }
