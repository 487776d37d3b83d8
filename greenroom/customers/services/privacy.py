"""Privacy writes: recording who was shown contact details, erasure, and subject access."""

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import AuditEvent, User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers.choices import AuditAction
from greenroom.customers.models import EXTERNAL_IDS, Contact, ErasedIdentity, ImportRun, QuietPeriod


def contact_details_shown(
    *, actor: User, workspace: Workspace, contacts: list[Contact], where: str
) -> None:
    """Record that ``actor`` was shown these contacts' email and phone."""
    if len(contacts) == 1:
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.CONTACT_VIEW_DETAILS,
            target=contacts[0],
            detail={"where": where},
        )
    elif contacts:
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.CONTACT_VIEW_DETAILS,
            detail={"where": where, "contacts": [c.pk for c in contacts]},
        )


def contacts_exported(
    *, actor: User, workspace: Workspace, contact_ids: list[int], with_details: bool, where: str
) -> None:
    """Record that ``actor`` downloaded these contacts (with their email and phone when
    ``with_details``): every export of contacts is in the audit log, as the study export's."""
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.CONTACT_EXPORT,
        detail={"where": where, "contacts": contact_ids, "with_details": with_details},
    )


@transaction.atomic
def contact_erase(*, actor: User, contact: Contact, reason: str) -> Contact:
    """Remove a contact's personal data everywhere Greenroom holds it, keeping anonymised
    history (outreach counts, consent versions without their source) and a digest of their
    email and CRM ids so a later import does not bring them back."""
    if contact.erased_at:
        raise ValidationError("This contact was already erased.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why (e.g. the request's reference)."})
    now = timezone.now()
    keys = [contact.email] + [getattr(contact, name) for name in EXTERNAL_IDS]
    ErasedIdentity.objects.bulk_create(
        [
            ErasedIdentity(
                workspace=contact.workspace, digest=ErasedIdentity.digest_of(k), erased_at=now
            )
            for k in keys
            if k
        ],
        ignore_conflicts=True,
    )
    for name in ("first_name", "last_name", "email", "phone", "title", "do_not_contact_reason"):
        setattr(contact, name, "")
    for name in EXTERNAL_IDS:
        setattr(contact, name, "")
    contact.custom, contact.erased_at, contact.do_not_contact = {}, now, True
    contact.save()
    contact.consent_history.update(source="")
    contact.outreach.update(reason="")
    QuietPeriod.objects.filter(contact=contact).update(reason="erased")
    _scrub_imports(contact.workspace, keys)
    # Audit events name the contact in their label; the events stay, the name goes.
    AuditEvent.objects.filter(object_type="customers.contact", object_id=str(contact.pk)).update(
        object_label=str(contact)
    )
    audit_record(
        actor=actor,
        workspace=contact.workspace,
        action=AuditAction.CONTACT_ERASE,
        target=contact,
        detail={"reason": reason.strip()},
    )
    return contact


def _scrub_imports(workspace: Workspace, keys: list[str]) -> None:
    """Drop uploads still waiting for their mapping and erase the person's email or ids
    from import reports (a rejected row's message can quote them)."""
    keys = [key for key in keys if key]
    for run in ImportRun.objects.for_workspace(workspace):
        if run.status == ImportRun.Status.MAPPING:
            Path(run.stored_path).unlink(missing_ok=True)
            run.status, run.report = ImportRun.Status.FAILED, {"summary": "discarded (erasure)"}
            run.save(update_fields=["status", "report"])
            continue
        text = json.dumps(run.report)
        if any(key in text for key in keys):
            for key in keys:
                text = text.replace(key, "(erased)")
            run.report = json.loads(text)
            run.save(update_fields=["report"])


def contact_subject_access(*, actor: User, contact: Contact) -> dict[str, Any]:
    """Everything held about one contact, for a subject access request; audited."""
    from greenroom.customers.selectors import contact_audit_trail

    fields = [
        "first_name", "last_name", "email", "phone", "title", "role", "lifecycle_stage",
        "preferred_channel", "max_per_30_days", "max_per_90_days", "do_not_contact",
        "do_not_contact_reason", "salesforce_id", "hubspot_id", "external_id", "custom",
    ]  # fmt: skip
    document = {
        "format": "greenroom.subject-access/1",
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "contact": {name: getattr(contact, name) for name in fields},
        "account": contact.account.name,
        "consent": [
            {
                "kind": r.kind,
                "version": r.version,
                "granted": r.granted,
                "given_at": r.given_at.isoformat(),
                "method": r.method,
                "source": r.source,
            }
            for r in contact.consent_history.order_by("kind", "version")
        ],
        "outreach": [
            {
                "at": o.at.isoformat(),
                "kind": o.kind,
                "study": o.study,
                "reason": o.reason,
                "outcome": o.outcome,
                "by": o.by_label,
            }
            for o in contact.outreach.order_by("at")
        ],
        "quiet_periods": [
            {"from": str(q.starts_on), "to": str(q.ends_on), "reason": q.reason}
            for q in contact.quiet_periods.all()
        ],
        "access_log": [
            {"at": e.at.isoformat(), "who": e.actor_label, "action": e.action}
            for e in contact_audit_trail(workspace=contact.workspace, contact=contact)
        ],
    }
    audit_record(
        actor=actor,
        workspace=contact.workspace,
        action=AuditAction.CONTACT_ANSWER_SUBJECT_ACCESS,
        target=contact,
    )
    return document
