"""Role checks shared by views and API handlers.

Roles are ranked (viewer < product manager < product ops < admin). Abilities name what a
handler needs rather than a role, so the mapping can change in one place.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from greenroom.accounts.choices import Role

ABILITIES: dict[str, str] = {
    "view": Role.VIEWER,
    "write": Role.PRODUCT_MANAGER,
    "manage_organisation": Role.PRODUCT_OPS,
    "view_contact_details": Role.PRODUCT_MANAGER,
    "manage_users": Role.ADMIN,
    "view_jobs": Role.ADMIN,
    "view_audit_log": Role.ADMIN,
}


def can(request: HttpRequest, ability: str) -> bool:
    """Whether the signed-in member of the request's workspace has ``ability``."""
    membership = getattr(request, "membership", None)
    return membership is not None and membership.has_role(ABILITIES[ability])


def require(request: HttpRequest, ability: str) -> None:
    """Raise PermissionDenied unless the request may do ``ability``."""
    if not can(request, ability):
        raise PermissionDenied(f"Your role does not allow this ({ability.replace('_', ' ')}).")


def ability_required(ability: str) -> Callable:
    """View decorator: signed in, a member of the workspace, and allowed ``ability``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            require(request, ability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
