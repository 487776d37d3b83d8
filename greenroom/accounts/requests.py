"""The request as views and API handlers see it, for the type checker.

``WorkspaceMiddleware`` puts ``workspace`` and ``membership`` on every request, django-htmx
puts ``htmx``; behind ``login_required`` and an ability check both are set and the user is a
``User``. Annotating ``request: MemberRequest`` says so once instead of in every handler.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from greenroom.accounts.models import Membership, User, Workspace


def membership_attach(request: HttpRequest, membership: Membership | None) -> None:
    """Put the member's membership and workspace on ``request`` (None for no member)."""
    # The one place these attributes are set; MemberRequest describes them to readers.
    request.membership = membership  # type: ignore[attr-defined]
    request.workspace = membership.workspace if membership else None  # type: ignore[attr-defined]


class MemberRequest(HttpRequest):
    """A request from a signed-in member of a workspace."""

    user: User
    workspace: Workspace
    membership: Membership
    htmx: HtmxDetails
