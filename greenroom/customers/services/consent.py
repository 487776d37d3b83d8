"""Writes to research consent: versions recorded on a page or imported, and each contact's
current consent derived from them in one place."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers import parsing
from greenroom.customers.choices import CONSENT_FIELD, AuditAction, ConsentMethod, ResearchKind
from greenroom.customers.journal import NO_JOURNAL, Journal
from greenroom.customers.models import ConsentRecord, Contact
from greenroom.customers.services.base import Importer, Staged, chunks, utc_order
from greenroom.customers.services.contacts import ContactIndex
from greenroom.lib.imports import values as parse
from greenroom.lib.imports.columns import RowReader
from greenroom.lib.imports.report import ImportReport


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
        action=AuditAction.CONTACT_CHANGE_CONSENT,
        target=contact,
        detail={"kind": kind, "granted": granted, "method": method},
    )
    return latest if created else None


# --- importing ----------------------------------------------------------------------------


class ConsentImporter(Importer):
    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        super().__init__(workspace, format, mapping, report)
        self.contacts = ContactIndex(workspace)

    def check(self, line: int, raw: dict[str, str]) -> Staged | None:
        reader = RowReader(line, raw, self.mapping, self.report)
        contact_id = self.contacts.find(reader)
        kind = reader.parse(
            "kind", lambda v: parse.as_choice(v, ResearchKind, parsing.RESEARCH_KIND_ALIASES)
        )
        granted = reader.parse("granted", parse.as_bool)
        given_at = reader.parse("given_at", parse.as_datetime)
        method = ConsentMethod.CRM_IMPORT
        if reader.has("method") and reader.text("method"):
            method = reader.parse("method", lambda v: parse.as_choice(v, ConsentMethod))
        source = reader.text("source", 300) if reader.has("source") else ""
        if not reader.ok:
            return None
        assert contact_id is not None  # find() fails the row when it finds no contact
        record = (contact_id, kind, granted, given_at, method, source or self.report.file)
        return contact_id, f"{kind} {utc_order(given_at)}", record

    def write(self, plan: list[tuple], journal: Journal, tally: ImportReport) -> None:
        consent_append(records=plan, actor=None, report=tally, journal=journal)


def consent_append(
    *,
    records: Iterable[tuple],
    actor: User | None,
    report: ImportReport | None = None,
    journal: Journal = NO_JOURNAL,
) -> list[dict]:
    """Add consent versions (contact id, kind, granted, given_at, method, source) and set
    each contact's current consent to its latest; identical versions are not added twice."""
    records = sorted(records, key=lambda r: (r[0], r[1], r[3]))
    contact_ids = {r[0] for r in records}
    seen: set[tuple] = set()
    version: defaultdict[tuple[int, str], int] = defaultdict(int)
    for chunk in chunks(sorted(contact_ids)):
        for row in ConsentRecord.objects.filter(contact_id__in=chunk).values(
            "contact_id", "kind", "version", "granted", "given_at"
        ):
            seen.add((row["contact_id"], row["kind"], row["granted"], row["given_at"]))
            key = (row["contact_id"], row["kind"])
            version[key] = max(version[key], row["version"])
    new = []
    for contact_id, kind, granted, given_at, method, source in records:
        if (contact_id, kind, granted, given_at) in seen:
            if report:
                report.count("unchanged")
            continue
        seen.add((contact_id, kind, granted, given_at))
        version[(contact_id, kind)] += 1
        new.append(
            {
                "contact_id": contact_id,
                "kind": kind,
                "version": version[(contact_id, kind)],
                "granted": granted,
                "given_at": given_at,
                "method": method,
                "source": source[:300],
                "recorded_by_id": actor.pk if actor else None,
            }
        )
    journal.insert(ConsentRecord, new)
    if report:
        report.count("created", len(new))
    refresh_consent_flags({r["contact_id"] for r in new}, journal)
    return new


def refresh_consent_flags(contact_ids: set[int], journal: Journal = NO_JOURNAL) -> None:
    """Set each contact's consent flags from its latest version per kind (latest given_at,
    then latest recorded), the single place the current state is derived; kinds with no
    recorded version keep their flag."""
    names = list(CONSENT_FIELD.values())
    for chunk in chunks(sorted(contact_ids)):
        before = {
            row["pk"]: row for row in Contact.objects.filter(pk__in=chunk).values("pk", *names)
        }
        current = {pk: dict(row) for pk, row in before.items()}
        latest: dict[tuple[int, str], tuple] = {}
        for row in ConsentRecord.objects.filter(contact_id__in=chunk).values_list(
            "contact_id", "kind", "given_at", "version", "granted"
        ):
            key = (row[0], row[1])
            if key not in latest or row[2:4] > latest[key]:
                latest[key] = row[2:4]
                current[row[0]][CONSENT_FIELD[row[1]]] = row[4]
        changed = [row for pk, row in current.items() if row != before[pk]]
        journal.update(Contact, changed, names, before)
