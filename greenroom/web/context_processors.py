from typing import cast

from django.http import HttpRequest

from greenroom.accounts.permissions import ABILITIES, can
from greenroom.accounts.requests import MemberRequest
from greenroom.web.shell import navigation_for


def shell(request: HttpRequest) -> dict:
    """What the layout needs on every page: navigation, workspace and the member's abilities."""
    if getattr(request, "membership", None) is None:
        return {}
    request = cast(MemberRequest, request)
    return {
        "navigation": navigation_for(request),
        "workspace": request.workspace,
        "membership": request.membership,
        "abilities": {name: can(request, name) for name in ABILITIES},
    }
