"""Merging duplicate accounts and contacts (found by ``customers.duplicates``)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from greenroom.accounts.models import User
from greenroom.accounts.services import audit_record
from greenroom.customers.choices import AuditAction
from greenroom.customers.duplicates import ACCOUNT_FIELDS, CONTACT_FIELDS, merged_values
from greenroom.customers.models import (
    EXTERNAL_IDS,
    Account,
    ArrSnapshot,
    Contact,
    Outreach,
    QuietPeriod,
)
from greenroom.customers.services.consent import refresh_consent_flags


@transaction.atomic
def contacts_merge(*, actor: User, keep: Contact, other: Contact) -> Contact:
    """Fold ``other`` into ``keep``: its blanks filled, CRM ids, consent history, outreach
    and quiet periods moved; the stricter contact limits win. Refused when both carry
    different ids from the same CRM."""
    _check_mergeable(keep, other)
    rows, conflicts = merged_values(keep, other, CONTACT_FIELDS)
    if conflicts:
        raise ValidationError(conflicts)
    _take_ids(keep, other)
    for row in rows:
        setattr(keep, row["field"], row["result"])
    keep.do_not_contact = keep.do_not_contact or other.do_not_contact
    keep.do_not_contact_reason = keep.do_not_contact_reason or other.do_not_contact_reason
    keep.max_per_30_days = min(keep.max_per_30_days, other.max_per_30_days)
    keep.max_per_90_days = min(keep.max_per_90_days, other.max_per_90_days)
    keep.custom = {**other.custom, **keep.custom}
    dates = [d for d in (keep.last_contacted_at, other.last_contacted_at) if d]
    keep.last_contacted_at = max(dates) if dates else None
    keep.save()
    _move_consent(keep, other)
    Outreach.objects.filter(contact=other).update(contact=keep)
    QuietPeriod.objects.filter(contact=other).update(contact=keep)
    label = str(other)
    other.delete()
    refresh_consent_flags({keep.pk})
    audit_record(
        actor=actor,
        workspace=keep.workspace,
        action=AuditAction.CONTACT_MERGE,
        target=keep,
        detail={"merged": label},
    )
    keep.refresh_from_db()
    return keep


def _check_mergeable(keep, other) -> None:
    if keep.pk == other.pk:
        raise ValidationError("A record cannot be merged with itself.")
    if keep.workspace_id != other.workspace_id:
        raise ValidationError("Both records must be in the same workspace.")
    if getattr(keep, "erased_at", None) or getattr(other, "erased_at", None):
        raise ValidationError("An erased contact cannot be merged.")


def _take_ids(keep, other) -> None:
    # The other row gives up its CRM ids first: they are unique per workspace.
    moved = {name: getattr(other, name) for name in EXTERNAL_IDS}
    type(other).objects.filter(pk=other.pk).update(**{name: "" for name in EXTERNAL_IDS})
    for name, value in moved.items():
        if value and not getattr(keep, name):
            setattr(keep, name, value)
        setattr(other, name, "")


def _move_consent(keep: Contact, other: Contact) -> None:
    """Append the other's consent versions after the kept contact's, kind by kind."""
    latest = {
        kind: version
        for kind, version in keep.consent_history.values_list("kind", "version").order_by("version")
    }
    for record in other.consent_history.order_by("kind", "version"):
        latest[record.kind] = latest.get(record.kind, 0) + 1
        record.contact, record.version = keep, latest[record.kind]
        record.save(update_fields=["contact", "version"])


@transaction.atomic
def accounts_merge(*, actor: User, keep: Account, other: Account) -> Account:
    """Fold ``other`` into ``keep``: its blanks filled, CRM ids, contacts, outreach, ARR
    history and quiet periods moved; refused when both carry different ids from one CRM."""
    _check_mergeable(keep, other)
    rows, conflicts = merged_values(keep, other, ACCOUNT_FIELDS)
    if conflicts:
        raise ValidationError(conflicts)
    _take_ids(keep, other)
    for row in rows:
        setattr(keep, row["field"], row["result"])
    keep.notify_owner_before_contact |= other.notify_owner_before_contact
    keep.custom = {**other.custom, **keep.custom}
    keep.save()
    Contact.objects.filter(account=other).update(account=keep)
    Outreach.objects.filter(account=other).update(account=keep)
    QuietPeriod.objects.filter(account=other).update(account=keep)
    days = set(keep.arr_history.values_list("on", "source"))
    for snapshot in ArrSnapshot.objects.filter(account=other):
        if (snapshot.on, snapshot.source) not in days:
            snapshot.account = keep
            snapshot.save(update_fields=["account"])
    label = str(other)
    other.delete()
    audit_record(
        actor=actor,
        workspace=keep.workspace,
        action=AuditAction.ACCOUNT_MERGE,
        target=keep,
        detail={"merged": label},
    )
    return keep
