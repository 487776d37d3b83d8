"""Who may see contact details, and what everyone else sees instead."""

from typing import Any

from greenroom.accounts.permissions import can
from greenroom.accounts.requests import MemberRequest
from greenroom.customers.models import Contact

HIDDEN = "hidden"


def mask_email(email: str) -> str:
    """The domain only (it names the company, which the viewer already sees)."""
    if not email:
        return ""
    return "•••@" + email.rsplit("@", 1)[-1]


def details_for(request: MemberRequest, contact: Contact) -> dict[str, Any]:
    """A contact's email and phone as this member may see them."""
    if can(request, "view_contact_details") and not contact.erased_at:
        return {"email": contact.email, "phone": contact.phone, "visible": True}
    return {
        "email": mask_email(contact.email),
        "phone": HIDDEN if contact.phone else "",
        "visible": False,
    }
