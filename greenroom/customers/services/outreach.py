"""Writes to outreach: contact logged by hand or imported, and reservations of participants
for a study (checked again and logged in one transaction, owners of strategic accounts told)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from greenroom.accounts.models import Membership, User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers import finder, parsing
from greenroom.customers.choices import KIND_CONSENT, AuditAction, OutreachKind, OutreachOutcome
from greenroom.customers.journal import Journal
from greenroom.customers.models import Contact, Outreach
from greenroom.customers.services.base import Importer, Staged, chunks, utc_order
from greenroom.customers.services.contacts import ContactIndex
from greenroom.lib.imports import values as parse
from greenroom.lib.imports.columns import RowReader
from greenroom.lib.imports.report import ImportReport


def _by_label(user: User | None) -> str:
    return (user.get_full_name() or user.email) if user else "system"


@transaction.atomic
def outreach_log(
    *,
    actor: User,
    contact: Contact,
    kind: str,
    outcome: str,
    at: datetime,
    study: str = "",
    reason: str = "",
) -> Outreach:
    """Record that someone contacted a contact (outside a reservation)."""
    if contact.erased_at:
        raise ValidationError("This contact was erased.")
    if kind not in OutreachKind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    if outcome not in OutreachOutcome.values:
        raise ValidationError({"outcome": f"Unknown outcome {outcome!r}."})
    outreach = Outreach.objects.create(
        workspace=contact.workspace,
        contact=contact,
        account_id=contact.account_id,
        by=actor,
        by_label=_by_label(actor),
        kind=kind,
        study=study.strip(),
        reason=reason.strip(),
        outcome=outcome,
        at=at,
    )
    if contact.last_contacted_at is None or at > contact.last_contacted_at:
        Contact.objects.filter(pk=contact.pk).update(last_contacted_at=at)
    audit_record(
        actor=actor, workspace=contact.workspace, action=AuditAction.OUTREACH_LOG, target=outreach
    )
    return outreach


@transaction.atomic
def outreach_set_outcome(*, actor: User, outreach: Outreach, outcome: str) -> Outreach:
    """Record what came of an outreach (completed, declined...)."""
    if outcome not in OutreachOutcome.values:
        raise ValidationError({"outcome": f"Unknown outcome {outcome!r}."})
    previous, outreach.outcome = outreach.outcome, outcome
    outreach.save(update_fields=["outcome"])
    audit_record(
        actor=actor,
        workspace=outreach.workspace,
        action=AuditAction.OUTREACH_CHANGE_OUTCOME,
        target=outreach,
        detail={"from": previous, "to": outcome},
    )
    return outreach


@dataclass
class Reservation:
    """What a reservation did: who was reserved, who was refused and why, who was told."""

    reserved: list[Outreach] = field(default_factory=list)
    refused: list[tuple[Contact, str]] = field(default_factory=list)
    owners_notified: list[str] = field(default_factory=list)


def participants_reserve(
    *,
    actor: User,
    workspace: Workspace,
    contact_ids: list[int],
    kind: str,
    study: str,
    reason: str = "",
) -> Reservation:
    """Reserve contacts for a study: each is checked again and logged as outreach in one
    transaction that holds the contacts, so concurrent reservations cannot pass a cap."""
    if kind not in KIND_CONSENT:
        raise ValidationError({"kind": f"Reservations are for research kinds, not {kind!r}."})
    if not study.strip():
        raise ValidationError({"study": "Name the study the contacts are reserved for."})
    with transaction.atomic():
        result = _reserve_locked(actor, workspace, sorted(set(contact_ids)), kind, study.strip())
        if reason:
            Outreach.objects.filter(pk__in=[o.pk for o in result.reserved]).update(reason=reason)
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.CONTACT_RESERVE,
            detail={
                "study": study,
                "kind": kind,
                "reserved": [o.contact_id for o in result.reserved],
                "refused": {c.pk: why for c, why in result.refused},
            },
        )
    return result


def _reserve_locked(actor, workspace, ids: list[int], kind: str, study: str) -> Reservation:
    # PostgreSQL: row locks taken in id order (no deadlock between overlapping
    # reservations); the recount below then sees any reservation committed meanwhile.
    # SQLite: transactions are IMMEDIATE (settings), so writers already run one at a time.
    contacts = list(
        Contact.objects.for_workspace(workspace)
        .select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("account__owner")
        .order_by("pk")
    )
    if len(contacts) != len(ids):
        raise ValidationError("Some contacts are not in this workspace.")
    now = timezone.now()
    criteria = finder.Criteria(
        opted_in=[KIND_CONSENT[OutreachKind(kind)]], per_account=len(ids) + 1
    )
    rows = {row["pk"]: row for row in Contact.objects.filter(pk__in=ids).values(*finder.ROW_FIELDS)}
    quiet = finder.quiet_today(workspace, now)
    facts = finder.facts_for(ids=ids, now=now, quiet=quiet)
    result = Reservation()
    for contact in contacts:
        why = finder.exclusion_reason(rows[contact.pk], criteria, facts, Counter(), None)
        if why:
            result.refused.append((contact, why))
            continue
        result.reserved.append(_reserve_one(actor, contact, kind, study, now))
    Contact.objects.filter(pk__in=[o.contact_id for o in result.reserved]).update(
        last_contacted_at=now
    )
    _notify_owners(actor, result, study, now)
    return result


def _reserve_one(actor, contact: Contact, kind: str, study: str, now: datetime) -> Outreach:
    return Outreach.objects.create(
        workspace_id=contact.workspace_id,
        contact=contact,
        account_id=contact.account_id,
        by=actor,
        by_label=_by_label(actor),
        kind=kind,
        study=study,
        outcome=OutreachOutcome.RESERVED,
        at=now,
    )


def _notify_owners(actor: User, result: Reservation, study: str, now: datetime) -> None:
    """Tell the owners of strategic accounts who is about to be contacted, after commit."""
    by_account: dict[int, list[Outreach]] = {}
    for outreach in result.reserved:
        account = outreach.contact.account
        if account.notify_owner_before_contact and account.owner and account.owner.email:
            by_account.setdefault(account.pk, []).append(outreach)
    for outreach_rows in by_account.values():
        account = outreach_rows[0].contact.account
        owner = account.owner
        assert owner is not None  # only accounts with an owner to tell were kept above
        names = ", ".join(str(o.contact) for o in outreach_rows)
        body = (
            f"{_by_label(actor)} reserved {names} at {account.name} for the study "
            f"'{study}'. Reply to them if now is not a good time for this account."
        )
        subject = f"Research contact planned at {account.name}"
        transaction.on_commit(
            partial(send_mail, subject, body, None, [owner.email], fail_silently=True)
        )
        Outreach.objects.filter(pk__in=[o.pk for o in outreach_rows]).update(owner_notified_at=now)
        result.owners_notified.append(owner.name)


def reserved_export(
    *, actor: User, workspace: Workspace, study: str, with_details: bool
) -> list[list[str]]:
    """The contacts reserved for a study as rows for an export (header first; written by
    greenroom.lib.exports); details only for roles allowed to see them, and every export is
    audited."""
    outreach_rows = (
        Outreach.objects.for_workspace(workspace)
        .filter(study=study)
        .select_related("contact", "account")
        .order_by("account__name", "contact__last_name")
    )
    rows = [
        ["First name", "Last name", "Email", "Phone", "Title", "Account", "Kind", "Status", "At"]
    ]
    contact_ids = []
    for outreach in outreach_rows:
        contact = outreach.contact
        contact_ids.append(contact.pk)
        email, phone = (contact.email, contact.phone) if with_details else ("hidden", "hidden")
        rows.append(
            [
                contact.first_name,
                contact.last_name,
                email,
                phone,
                contact.title,
                outreach.account.name,
                outreach.get_kind_display(),
                outreach.get_outcome_display(),
                outreach.at.isoformat(timespec="seconds"),
            ]
        )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.CONTACT_EXPORT,
        detail={"study": study, "contacts": contact_ids, "with_details": with_details},
    )
    return rows


# --- importing ----------------------------------------------------------------------------


class OutreachImporter(Importer):
    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        super().__init__(workspace, format, mapping, report)
        self.contacts = ContactIndex(workspace)
        self.users = {
            m.user.email.lower(): m.user_id
            for m in Membership.objects.for_workspace(workspace).select_related("user")
        }

    def check(self, line: int, raw: dict[str, str]) -> Staged | None:
        reader = RowReader(line, raw, self.mapping, self.report)
        contact_id = self.contacts.find(reader)
        kind = reader.parse(
            "kind", lambda v: parse.as_choice(v, OutreachKind, parsing.OUTREACH_KIND_ALIASES)
        )
        at = reader.parse("at", parse.as_datetime)
        outcome = OutreachOutcome.COMPLETED
        if reader.has("outcome") and reader.text("outcome"):
            outcome = reader.parse(
                "outcome",
                lambda v: parse.as_choice(v, OutreachOutcome, parsing.OUTCOME_ALIASES),
            )
        by_label = reader.text("by", 200) if reader.has("by") else ""
        if not reader.ok:
            return None
        assert contact_id is not None  # find() fails the row when it finds no contact
        outreach = {
            "workspace_id": self.workspace.pk,
            "contact_id": contact_id,
            "account_id": self.contacts.account[contact_id],
            "by_id": self.users.get(by_label.lower()),
            "by_label": by_label or "imported",
            "kind": kind,
            "study": reader.text("study", 200) if reader.has("study") else "",
            "reason": reader.text("reason", 500) if reader.has("reason") else "",
            "outcome": outcome,
            "at": at,
        }
        return contact_id, utc_order(at), outreach

    def write(self, plan: list[dict], journal: Journal, tally: ImportReport) -> None:
        existing = set(
            Outreach.objects.filter(contact_id__in=sorted({o["contact_id"] for o in plan}))
            .order_by()
            .values_list("contact_id", "kind", "at", "study")
        )
        new = []
        for outreach in plan:
            key = (outreach["contact_id"], outreach["kind"], outreach["at"], outreach["study"])
            if key in existing:
                tally.count("unchanged")
                continue
            existing.add(key)
            new.append(outreach)
        journal.insert(Outreach, new)
        tally.count("created", len(new))
        _refresh_last_contacted({o["contact_id"] for o in new}, journal)


def _refresh_last_contacted(contact_ids: set[int], journal: Journal) -> None:
    for chunk in chunks(sorted(contact_ids)):
        latest = dict(
            Outreach.objects.filter(contact_id__in=chunk)
            .values("contact_id")
            .annotate(last=Max("at"))
            .values_list("contact_id", "last")
        )
        before = {
            row["pk"]: row
            for row in Contact.objects.filter(pk__in=chunk).values("pk", "last_contacted_at")
        }
        changed = [
            {"pk": pk, "last_contacted_at": at}
            for pk, at in latest.items()
            if before[pk]["last_contacted_at"] != at
        ]
        journal.update(Contact, changed, ["last_contacted_at"], before)
