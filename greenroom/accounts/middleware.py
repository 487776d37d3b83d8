from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from greenroom.accounts import selectors
from greenroom.accounts.requests import membership_attach


class WorkspaceMiddleware:
    """Attach the signed-in user's membership (and so workspace and role) to the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = None
        if request.user.is_authenticated:
            membership = selectors.membership_for(user=request.user)
        membership_attach(request, membership)
        return self.get_response(request)
