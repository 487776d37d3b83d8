"""Response headers that every page and API call shares."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreWhenSignedIn:
    """No cache may keep a response to a signed-in request (session or API token).

    Pages, API answers, exports and subject-access downloads for members can all hold
    personal data; one rule for all of them cannot be forgotten by a new view. Static files
    never get here (WhiteNoise answers them first) and stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read after the view: API token authentication sets request.user inside it.
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
