"""Response headers and request observations that every page and API call shares."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from greenroom.lib import proxyheaders


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


class ProxyHeadersObserver:
    """Note proxy headers that the configuration does not expect (greenroom.W003, W004).

    A proxy adds its headers to every request, so each is written once per process.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.noted: set[str] = set()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        new = proxyheaders.unexpected(request.META) - self.noted
        if new:
            self.noted |= new
            proxyheaders.note(new)
        return self.get_response(request)
