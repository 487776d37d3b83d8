"""Role checks shared by views and API handlers.

Roles are ranked (viewer < product manager < product ops < admin). Abilities name what a
handler needs rather than a role, so the mapping can change in one place.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from greenroom.accounts.choices import Role

# One ability per capability, each named for what it allows, so a company could later give
# one of them to another role without touching a view; several map to the same role today.
ABILITIES: dict[str, str] = {
    "view": Role.VIEWER,
    "write": Role.PRODUCT_MANAGER,
    "view_contact_details": Role.PRODUCT_MANAGER,
    # Teams, people, the portfolio, markets, segments, plans and the organisation document.
    "manage_organisation": Role.PRODUCT_OPS,
    # Adding, changing, uploading to and syncing data sources.
    "manage_sources": Role.PRODUCT_OPS,
    # CRM imports (files and the upsert API) and the list of past imports.
    "import_customers": Role.PRODUCT_OPS,
    # Finding and merging duplicate accounts and contacts.
    "merge_customers": Role.PRODUCT_OPS,
    # Per-account contact rules (tell the owner before anyone contacts its people).
    "set_contact_rules": Role.PRODUCT_OPS,
    # Privacy requests: erasing a contact's personal data and their subject access export.
    "handle_privacy_requests": Role.PRODUCT_OPS,
    # Registering, designing, starting and deciding experiments; viewers read them.
    "manage_experiments": Role.PRODUCT_MANAGER,
    "manage_users": Role.ADMIN,
    # The workspace's job runs and sync history: product ops connect the systems and must see
    # how their syncs ran. Install-wide runs stay with superusers (jobs/selectors.py).
    "view_jobs": Role.PRODUCT_OPS,
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
