"""Who may see contact details, and what everyone else sees instead."""

from typing import Any

from greenroom.accounts.permissions import can
from greenroom.accounts.requests import MemberRequest
from greenroom.customers.choices import AuditAction
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


def contacts_export_audited(
    *, actor, workspace, contact_ids: list[int], with_details: bool, where: str
) -> None:
    """Record that ``actor`` downloaded these contacts (with their email and phone when
    ``with_details``): every export of contacts is in the audit log, as the study export's."""
    from greenroom.accounts.services import audit_record

    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.CONTACT_EXPORT,
        detail={"where": where, "contacts": contact_ids, "with_details": with_details},
    )
