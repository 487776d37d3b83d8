"""Writes to contacts: importing them from CRM exports, how and how often each may be
reached, and quiet periods."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers import parsing
from greenroom.customers.choices import AuditAction, Channel, ImportFormat
from greenroom.customers.formats import ID_FIELD
from greenroom.customers.models import EXTERNAL_IDS, Account, Contact, ErasedIdentity, QuietPeriod
from greenroom.customers.services.base import RecordImporter
from greenroom.lib.imports import values as parse
from greenroom.lib.imports.columns import RowReader
from greenroom.lib.imports.report import ImportReport


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
        action=AuditAction.CONTACT_CHANGE_PREFERENCES,
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
        actor=actor, workspace=workspace, action=AuditAction.QUIET_PERIOD_ADD, target=period
    )
    return period


# --- importing ----------------------------------------------------------------------------


class AccountIndex:
    """Accounts of the workspace by each CRM id and by name."""

    def __init__(self, workspace: Workspace):
        self.by_id: dict[str, dict[str, int]] = {name: {} for name in EXTERNAL_IDS}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        for pk, name, *ids in Account.objects.for_workspace(workspace).values_list(
            "pk", "name", *EXTERNAL_IDS
        ):
            self.by_name[name.lower()].append(pk)
            for id_name, value in zip(EXTERNAL_IDS, ids, strict=True):
                if value:
                    self.by_id[id_name][value] = pk

    def find(self, reader: RowReader, format: str) -> int | None:
        if reader.has("account_id") and reader.text("account_id"):
            value = reader.text("account_id")
            names = (
                EXTERNAL_IDS
                if format == ImportFormat.GENERIC
                else (ID_FIELD[ImportFormat(format)],)
            )
            for name in names:
                if value in self.by_id[name]:
                    return self.by_id[name][value]
            reader.fail("account_id", f"no account with the id '{value}'; import accounts first")
            return None
        name = reader.text("account_name") if reader.has("account_name") else ""
        matches = self.by_name.get(name.lower(), [])
        if len(matches) == 1:
            return matches[0]
        problem = "more than one account has the name" if matches else "no account named"
        reader.fail("account_name" if name else "account_id", f"{problem} '{name}'")
        return None


def _contact_values(reader: RowReader, accounts: AccountIndex, format: str) -> dict[str, Any]:
    values: dict[str, Any] = {"account_id": accounts.find(reader, format)}
    for name, limit in (("first_name", 120), ("last_name", 120), ("phone", 64), ("title", 200)):
        if reader.has(name):
            values[name] = reader.text(name, limit)
    if not values.get("last_name") and not values.get("first_name"):
        reader.fail("last_name", "a contact needs a name")
    if reader.has("role"):
        values["role"] = reader.text("role", 64).lower()
    if reader.has("email"):
        values["email"] = reader.parse("email", parse.as_email, "")
    if reader.has("lifecycle_stage"):
        values["lifecycle_stage"] = parsing.as_lifecycle(reader.text("lifecycle_stage"))
    if reader.has("preferred_channel") and reader.text("preferred_channel"):
        values["preferred_channel"] = reader.parse(
            "preferred_channel", lambda v: parse.as_choice(v, Channel), Channel.ANY
        )
    for name in ("max_per_30_days", "max_per_90_days"):
        if reader.has(name) and reader.text(name):
            values[name] = reader.parse(name, parse.as_int)
    if reader.has("do_not_contact"):
        values["do_not_contact"] = reader.parse("do_not_contact", parse.as_bool, False)
        reason = (
            reader.text("do_not_contact_reason", 300) if reader.has("do_not_contact_reason") else ""
        )
        if values["do_not_contact"] and not reason:
            reason = f"'{reader.mapping['do_not_contact']}' set in the {format} export"
        values["do_not_contact_reason"] = reason if values["do_not_contact"] else ""
    return values


class ContactImporter(RecordImporter):
    model = Contact

    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        super().__init__(workspace, format, mapping, report)
        self.accounts = AccountIndex(workspace)
        self.unmatched: bool | None = None
        self.erased = set(
            ErasedIdentity.objects.for_workspace(workspace).values_list("digest", flat=True)
        )

    def values(self, reader: RowReader) -> dict[str, Any]:
        return _contact_values(reader, self.accounts, self.format)

    def skip(self, line: int, record_id: str, values: dict[str, Any]) -> bool:
        keys = {record_id, values.get("email", "")} - {""}
        if self.erased and any(ErasedIdentity.digest_of(key) in self.erased for key in keys):
            self.report.skip(line, "this person was erased; not re-imported")
            return True
        return False

    def live(self) -> QuerySet:
        return super().live().filter(erased_at__isnull=True)

    def _others_without_id(self) -> bool:
        """Whether any contact lacks an id from this source (a first import of a CRM finds
        none, and skips looking emails up). Asked once, when saving starts: imports of a
        workspace save one at a time, and only imports create contacts."""
        if self.unmatched is None:
            self.unmatched = self.live().filter(**{self.id_field: ""}).exists()
        return self.unmatched

    def match(self, chunk: list[tuple[str, dict]], columns: list[str]) -> Iterable[tuple]:
        # A person already known from another CRM (same email, no id from this one) is the
        # same contact: it gains this id instead of becoming a duplicate.
        columns = [*columns, "email"]
        by_id = {
            row[self.id_field]: row
            for row in self.with_ids([key for key, _ in chunk]).values(*columns)
        }
        emails = [values["email"] for _, values in chunk if values.get("email")]
        by_email = {}
        if emails and self._others_without_id():
            others = self.live().filter(email__in=emails, **{self.id_field: ""})
            # Sorted here: ORDER BY in SQL makes SQLite walk the workspace in id order
            # instead of looking the emails up.
            found = sorted(others.values(*columns), key=lambda row: row["pk"])
            by_email = {row["email"]: row for row in found}
        for record_id, values in chunk:
            email = values.get("email") or "\0"
            yield record_id, values, by_id.get(record_id) or by_email.pop(email, None)


class ContactIndex:
    """Live contacts of the workspace by email and by every CRM id."""

    def __init__(self, workspace: Workspace):
        self.pk: dict[str, int] = {}
        self.account: dict[int, int] = {}
        ambiguous: set[str] = set()
        for pk, account_id, email, *ids in Contact.objects.filter(
            workspace=workspace, erased_at__isnull=True
        ).values_list("pk", "account_id", "email", *EXTERNAL_IDS):
            self.account[pk] = account_id
            for key in (email, *ids):
                if key:
                    if key in self.pk and self.pk[key] != pk:
                        ambiguous.add(key)
                    self.pk[key] = pk
        self.ambiguous = ambiguous

    def find(self, reader: RowReader) -> int | None:
        key = reader.text("contact")
        if not key:
            reader.fail("contact", "is required")
            return None
        lookup = key.lower() if "@" in key else key
        if lookup in self.ambiguous:
            reader.fail("contact", f"'{key}' matches more than one contact; use the CRM id")
            return None
        pk = self.pk.get(lookup)
        if pk is None:
            reader.fail("contact", f"no contact with the email or id '{key}'")
        return pk
