"""Writes to the customer database: consent, preferences, outreach, reservations, privacy.

Every write takes the acting user, runs in a transaction and leaves an audit event; every
view or export of contact details is audited too (``contact_details_shown``).
"""

import json
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.move import file_move_safe
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import AuditEvent, User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers import finder, importing
from greenroom.customers.choices import (
    CONSENT_FIELD,
    KIND_CONSENT,
    Channel,
    ConsentMethod,
    ImportFormat,
    ImportKind,
    OutreachKind,
    OutreachOutcome,
    ResearchKind,
)
from greenroom.customers.formats import format_detect, mapping_guess
from greenroom.customers.importers import ImportRejected, ImportReport, consent_append
from greenroom.customers.importing import run_import
from greenroom.customers.models import (
    EXTERNAL_IDS,
    Account,
    ConsentRecord,
    Contact,
    ErasedIdentity,
    ImportRun,
    Outreach,
    QuietPeriod,
)
from greenroom.customers.tables import Table, table_open, table_read
from greenroom.jobs.registry import enqueue

logger = logging.getLogger(__name__)


def _by_label(user: User | None) -> str:
    return (user.get_full_name() or user.email) if user else "system"


# --- imports ------------------------------------------------------------------------------

# Files up to this size are imported in the request that confirms them (well under a second
# of work); larger ones by a background job while the page shows their progress.
INLINE_IMPORT_MAX = 1_000_000
# How long an import made in a request waits for another import of the workspace to finish
# saving before it gives up.
INLINE_WAIT = 10.0
Status = ImportRun.Status


def records_import(
    *,
    actor: User | None,
    workspace: Workspace,
    kind: str,
    name: str,
    data: bytes,
    format: str = "auto",
    mapping: dict[str, str] | None = None,
) -> ImportReport:
    """Import one CSV or XLSX file of ``kind`` held in memory, here and now; ``format``
    'auto' recognises Salesforce and HubSpot exports by their columns. Raises
    ImportRejected (nothing saved) on any bad row."""
    table = table_read(name=name, data=data)
    format = _format(format, table.headers)
    run = _run_create(
        actor, workspace, kind, format, name, size=len(data),
        mapping=mapping or mapping_guess(kind=kind, format=format, headers=table.headers),
    )  # fmt: skip
    return run_import(run=run, table=table, actor=actor, wait=INLINE_WAIT)


def records_upsert(
    *, actor: User | None, workspace: Workspace, kind: str, source: str, records: list[dict]
) -> ImportReport:
    """Create or update records sent through the API, keyed by their id in ``source``
    (salesforce, hubspot or generic); validated exactly like an imported file."""
    headers = sorted({name for record in records for name in record})
    rows = [
        (index, {name: _text(record.get(name)) for name in headers})
        for index, record in enumerate(records, start=1)
    ]
    table = Table(name="request", headers=headers, rows=rows)
    mapping = {name: name for name in headers}
    run = _run_create(actor, workspace, kind, source, "request", size=0, mapping=mapping)
    return run_import(run=run, table=table, actor=actor, wait=INLINE_WAIT)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def _format(format: str, headers: list[str]) -> str:
    if format == "auto":
        format = format_detect(headers)
    if format not in ImportFormat.values:
        raise ValidationError({"format": f"Unknown format {format!r}."})
    return format


def _run_create(actor, workspace, kind, format, name, *, size: int, mapping) -> ImportRun:
    if kind not in ImportKind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    return ImportRun.objects.create(
        workspace=workspace,
        kind=kind,
        format=format,
        filename=name[:255],
        size=size,
        mapping=mapping,
        status=Status.CHECKING,
        attempts=1,
        heartbeat_at=timezone.now(),
        created_by=actor,
    )


def import_upload(
    *, actor: User, workspace: Workspace, kind: str, format: str, upload: File
) -> ImportRun:
    """Keep an uploaded file for the mapping step, after checking that it can be read; the
    file is moved or copied in chunks to the data folder, never read whole into memory."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    name = Path(upload.name or "upload").name
    path = _store(upload, suffix=Path(name).suffix.lower()[:6])
    try:
        with path.open("rb") as stream:
            headers = table_open(name=name, stream=stream).headers
        format = _format(format, headers)
    except ValidationError:
        path.unlink(missing_ok=True)
        raise
    return ImportRun.objects.create(
        workspace=workspace,
        kind=kind,
        format=format,
        filename=name[:255],
        stored_path=str(path),
        size=path.stat().st_size,
        mapping=mapping_guess(kind=kind, format=format, headers=headers),
        created_by=actor,
    )


def _store(upload: File, *, suffix: str) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "customer-imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    if hasattr(upload, "temporary_file_path"):
        # Already on disk in the data folder's tmp/: moved, not copied.
        file_move_safe(upload.temporary_file_path(), str(path))
        return path
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def import_start(*, actor: User, run: ImportRun, mapping: dict[str, str]) -> ImportRun:
    """Import an uploaded file with the confirmed mapping: a small file at once (raising
    ImportRejected if a row is wrong), a larger one as a background job. The run keeps the
    progress and the report."""
    mapping = {name: column for name, column in mapping.items() if column}
    queued = run.size > INLINE_IMPORT_MAX
    started = ImportRun.objects.filter(pk=run.pk, status=Status.MAPPING).update(
        mapping=mapping,
        status=Status.QUEUED if queued else Status.CHECKING,
        attempts=0 if queued else 1,
        heartbeat_at=timezone.now(),
    )
    if not started:
        raise ValidationError("This file was already imported; upload it again to re-import.")
    run.refresh_from_db()
    if queued:
        # Imported here: the tasks module imports this one.
        from greenroom.customers.tasks import import_file

        enqueue(import_file, workspace_id=run.workspace_id, run_id=run.pk)
        return run
    _import_stored(run, actor, wait=INLINE_WAIT)
    return run


def import_execute(*, run: ImportRun) -> ImportReport | None:
    """Run a queued import (the import job's work); None when another process already
    started it. A rejected file is a finished run, not a failure of the job."""
    if not importing.run_start(run=run):
        logger.info("Import %s was already started elsewhere.", run.pk)
        return None
    run.refresh_from_db()
    try:
        return _import_stored(run, run.created_by, wait=None)
    except ImportRejected as rejected:
        return rejected.report


def _import_stored(run: ImportRun, actor: User | None, *, wait: float | None) -> ImportReport:
    try:
        with open(run.stored_path, "rb") as stream:
            table = table_open(name=run.filename, stream=stream)
            return run_import(run=run, table=table, actor=actor, wait=wait)
    finally:
        # The upload holds personal data the database now has (or refused): keeping a copy
        # would escape erasure requests. An interrupted run keeps it to be imported again.
        if run.status in (Status.DONE, Status.FAILED):
            Path(run.stored_path).unlink(missing_ok=True)


def import_recover() -> int:
    """Undo what interrupted imports saved and queue them again from their files (see
    ``importing``); returns how many runs were recovered."""
    recovered = sum(importing.import_recover_one(run=run) for run in importing.stale_runs())
    importing.forget_finished_changes()
    return recovered


# --- consent, preferences, quiet periods --------------------------------------------------


@transaction.atomic
def consent_set(
    *,
    actor: User,
    contact: Contact,
    kind: str,
    granted: bool,
    method: str,
    source: str,
    given_at: datetime | None = None,
) -> ConsentRecord | None:
    """Record a new version of a contact's consent to one kind of research."""
    if contact.erased_at:
        raise ValidationError("This contact was erased.")
    if kind not in ResearchKind.values:
        raise ValidationError({"kind": f"Unknown research kind {kind!r}."})
    if method not in ConsentMethod.values:
        raise ValidationError({"method": f"Unknown consent method {method!r}."})
    if not source.strip():
        raise ValidationError({"source": "Say where the consent came from."})
    record = (contact.pk, kind, granted, given_at or timezone.now(), method, source.strip())
    created = consent_append(records=[record], actor=actor)
    contact.refresh_from_db(fields=list(CONSENT_FIELD.values()))
    latest = contact.consent_history.filter(kind=kind).order_by("-version").first()
    audit_record(
        actor=actor,
        workspace=contact.workspace,
        action="contact.consent_change",
        target=contact,
        detail={"kind": kind, "granted": granted, "method": method},
    )
    return latest if created else None


@transaction.atomic
def contact_set_preferences(
    *,
    actor: User,
    contact: Contact,
    preferred_channel: str,
    max_per_30_days: int,
    max_per_90_days: int,
    do_not_contact: bool,
    do_not_contact_reason: str = "",
) -> Contact:
    """Change how and how often a contact may be reached; do-not-contact needs a reason."""
    if preferred_channel not in Channel.values:
        raise ValidationError({"preferred_channel": "Unknown channel."})
    if max_per_30_days > max_per_90_days:
        raise ValidationError({"max_per_30_days": "Cannot be above the 90-day limit."})
    if do_not_contact and not do_not_contact_reason.strip():
        raise ValidationError({"do_not_contact_reason": "Say why they must not be contacted."})
    contact.preferred_channel = preferred_channel
    contact.max_per_30_days, contact.max_per_90_days = max_per_30_days, max_per_90_days
    contact.do_not_contact = do_not_contact
    contact.do_not_contact_reason = do_not_contact_reason.strip() if do_not_contact else ""
    contact.save()
    audit_record(
        actor=actor,
        workspace=contact.workspace,
        action="contact.preferences_change",
        target=contact,
        detail={"do_not_contact": do_not_contact, "max_30": max_per_30_days},
    )
    return contact


@transaction.atomic
def quiet_period_add(
    *,
    actor: User,
    workspace: Workspace,
    starts_on: date,
    ends_on: date,
    reason: str,
    account: Account | None = None,
    contact: Contact | None = None,
) -> QuietPeriod:
    """Stop all research contact with one contact or one account between two dates."""
    if (account is None) == (contact is None):
        raise ValidationError("A quiet period is for one account or one contact.")
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "Must not be before the start."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why."})
    period = QuietPeriod.objects.create(
        workspace=workspace,
        account=account,
        contact=contact,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor, workspace=workspace, action="customers.quiet_period_add", target=period
    )
    return period


@transaction.atomic
def account_set_rules(*, actor: User, account: Account, notify_owner_before_contact: bool):
    """Say whether the owner must be told before anyone contacts this account's people."""
    account.notify_owner_before_contact = notify_owner_before_contact
    account.save(update_fields=["notify_owner_before_contact", "updated_at"])
    audit_record(
        actor=actor,
        workspace=account.workspace,
        action="account.rules_change",
        target=account,
        detail={"notify_owner_before_contact": notify_owner_before_contact},
    )
    return account


# --- outreach and reservations -------------------------------------------------------------


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
    audit_record(actor=actor, workspace=contact.workspace, action="outreach.log", target=outreach)
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
        action="outreach.outcome_change",
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
            action="customers.reserve",
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
        Contact.objects.select_for_update(of=("self",))
        .filter(workspace=workspace, pk__in=ids)
        .select_related("account__owner")
        .order_by("pk")
    )
    if len(contacts) != len(ids):
        raise ValidationError("Some contacts are not in this workspace.")
    now = timezone.now()
    criteria = finder.Criteria(opted_in=[KIND_CONSENT[kind]], per_account=len(ids) + 1)
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
        names = ", ".join(str(o.contact) for o in outreach_rows)
        body = (
            f"{_by_label(actor)} reserved {names} at {account.name} for the study "
            f"'{study}'. Reply to them if now is not a good time for this account."
        )
        subject = f"Research contact planned at {account.name}"
        transaction.on_commit(
            partial(send_mail, subject, body, None, [account.owner.email], fail_silently=True)
        )
        Outreach.objects.filter(pk__in=[o.pk for o in outreach_rows]).update(owner_notified_at=now)
        result.owners_notified.append(account.owner.name)


def reserved_export(
    *, actor: User, workspace: Workspace, study: str, with_details: bool
) -> list[list[str]]:
    """The contacts reserved for a study as rows for an export (header first; written by
    greenroom.lib.exports); details only for roles allowed to see them, and every export is
    audited."""
    outreach_rows = (
        Outreach.objects.filter(workspace=workspace, study=study)
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
        action="contact.export",
        detail={"study": study, "contacts": contact_ids, "with_details": with_details},
    )
    return rows


# --- privacy ------------------------------------------------------------------------------


def contact_details_shown(
    *, actor: User, workspace: Workspace, contacts: list[Contact], where: str
) -> None:
    """Record that ``actor`` was shown these contacts' email and phone."""
    if len(contacts) == 1:
        audit_record(
            actor=actor,
            workspace=workspace,
            action="contact.view_details",
            target=contacts[0],
            detail={"where": where},
        )
    elif contacts:
        audit_record(
            actor=actor,
            workspace=workspace,
            action="contact.view_details",
            detail={"where": where, "contacts": [c.pk for c in contacts]},
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
        action="contact.erase",
        target=contact,
        detail={"reason": reason.strip()},
    )
    return contact


def _scrub_imports(workspace: Workspace, keys: list[str]) -> None:
    """Drop uploads still waiting for their mapping and erase the person's email or ids
    from import reports (a rejected row's message can quote them)."""
    keys = [key for key in keys if key]
    for run in ImportRun.objects.filter(workspace=workspace):
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
        actor=actor, workspace=contact.workspace, action="contact.subject_access", target=contact
    )
    return document


# --- duplicates ---------------------------------------------------------------------------


@transaction.atomic
def contacts_merge(*, actor: User, keep: Contact, other: Contact) -> Contact:
    """Fold ``other`` into ``keep``: its blanks filled, CRM ids, consent history, outreach
    and quiet periods moved; the stricter contact limits win. Refused when both carry
    different ids from the same CRM."""
    from greenroom.customers.duplicates import CONTACT_FIELDS, merged_values
    from greenroom.customers.importers import refresh_consent_flags

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
        action="contact.merge",
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
    from greenroom.customers.duplicates import ACCOUNT_FIELDS, merged_values
    from greenroom.customers.models import ArrSnapshot

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
        action="account.merge",
        target=keep,
        detail={"merged": label},
    )
    return keep
