"""Import accounts, contacts, research consent and past outreach from CRM exports.

Each import reads the whole file, checks every row against the workspace (organisation
names, owners, accounts, contacts) with batched lookups, and writes only if no row is
wrong: the report then lists every problem with its row and column, and nothing is saved.
Writes are bulk inserts and updates, so 100,000 contacts take seconds, and re-importing
the same file changes nothing.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from greenroom.accounts.models import Membership, User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers import parsing
from greenroom.customers.bulk import analyze, insert_many, update_many
from greenroom.customers.choices import (
    CONSENT_FIELD,
    Channel,
    ConsentMethod,
    ImportFormat,
    ImportKind,
    OutreachKind,
    OutreachOutcome,
    ResearchKind,
)
from greenroom.customers.formats import FIELDS, ID_FIELD, mapping_guess
from greenroom.customers.models import (
    EXTERNAL_IDS,
    Account,
    ArrSnapshot,
    ConsentRecord,
    Contact,
    ErasedIdentity,
    Outreach,
)
from greenroom.customers.tables import Table
from greenroom.organisation.models import Market, Person, Plan, Region, Segment

BATCH = 1000
ANALYZE_AFTER = 5000


@dataclass
class ImportReport:
    """What an import did, or every reason it did not."""

    file: str
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "summary": self.summary()}

    def summary(self) -> str:
        if self.errors:
            return f"{self.file}: {len(self.errors)} problems, nothing imported"
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        return (
            f"{self.file}: {self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged{skipped}"
        )


class ImportRejected(ValidationError):
    """An import with row errors; ``report`` lists them all."""

    def __init__(self, report: ImportReport):
        self.report = report
        report.errors.sort(key=lambda e: e["row"])
        lines = [
            f"{report.file} row {e['row']}, {e['column']}: {e['message']}" for e in report.errors
        ]
        super().__init__(lines[:200])


def records_import(
    *,
    actor: User | None,
    workspace: Workspace,
    kind: str,
    format: str,
    table: Table,
    mapping: dict[str, str] | None = None,
) -> ImportReport:
    """Import one table of ``kind`` (accounts, contacts, consent, outreach). All or nothing:
    raises ImportRejected with every row problem, else returns what changed."""
    mapping = mapping or mapping_guess(kind=kind, format=format, headers=table.headers)
    report = ImportReport(file=table.name, kind=kind)
    _check_mapping(kind, mapping, table, report)
    for line, problem in table.problems:
        report.error(line, "(row)", problem)
    if report.errors and not table.rows:
        raise ImportRejected(report)
    importer = IMPORTERS[kind]
    with transaction.atomic():
        importer(workspace, format, table, mapping, report)
        if report.errors:
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
            raise ImportRejected(report)
        if report.created + report.updated >= ANALYZE_AFTER:
            analyze(*ANALYZED[kind])
        audit_record(
            actor=actor,
            workspace=workspace,
            action=f"customers.import_{kind}",
            detail={"file": table.name, "format": format, "summary": report.summary()},
        )
    return report


def _check_mapping(kind: str, mapping: dict[str, str], table: Table, report: ImportReport):
    known = {target.name for target in FIELDS[kind]}
    for name, column in mapping.items():
        if name not in known:
            report.error(1, column, f"'{name}' is not a field of {kind}")
        elif column not in table.headers:
            report.error(1, column, "no such column in the file")
    for target in FIELDS[kind]:
        if target.required and target.name not in mapping:
            report.error(1, target.label, f"no column holds the {target.label.lower()}")
    if report.errors:
        raise ImportRejected(report)


class Reader:
    """One row's values by field name, collecting problems instead of stopping at one."""

    def __init__(self, line: int, values: dict[str, str], mapping: dict[str, str], report):
        self.line, self.values, self.mapping, self.report = line, values, mapping, report
        self.ok = True

    def has(self, name: str) -> bool:
        return name in self.mapping

    def text(self, name: str, limit: int = 255) -> str:
        value = self.values.get(self.mapping.get(name, ""), "")
        if len(value) > limit:
            self.fail(name, f"longer than {limit} characters")
        return value

    def parse(self, name: str, parser: Callable[[str], Any], default: Any = None) -> Any:
        try:
            return parser(self.text(name, 10_000))
        except parsing.BadValue as error:
            self.fail(name, str(error))
            return default

    def fail(self, name: str, message: str) -> None:
        self.ok = False
        self.report.error(self.line, self.mapping.get(name, name), message)


def _custom(values: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    # Columns nobody mapped are kept as custom attributes rather than silently dropped.
    used = set(mapping.values())
    return {column: value for column, value in values.items() if column not in used and value}


class OrgLookups:
    """The organisation's segments, markets, regions, plans and people, looked up once."""

    def __init__(self, workspace: Workspace):
        self.segments = list(Segment.objects.filter(workspace=workspace))
        self.segment = {s.name.lower(): s for s in self.segments}
        self.plan = {}
        for plan in Plan.objects.filter(workspace=workspace):
            self.plan[plan.name.lower()] = self.plan[plan.code.lower()] = plan
        self.region = {}
        for region in Region.objects.filter(workspace=workspace):
            self.region[region.name.lower()] = self.region[region.code.lower()] = region
        self.market, self.market_of_country = {}, {}
        for market in Market.objects.filter(workspace=workspace):
            self.market[market.name.lower()] = market
            for code in market.country_codes():
                self.market_of_country[code] = market
        self.person = {}
        for person in Person.objects.filter(workspace=workspace):
            self.person[person.name.lower()] = person
            if person.email:
                self.person[person.email.lower()] = person

    def segment_for_size(self, employees: int) -> Segment | None:
        for segment in self.segments:
            low, high = segment.min_employees, segment.max_employees
            if (low is None or employees >= low) and (high is None or employees <= high):
                return segment
        return None


def country_code(value: str) -> str:
    """An ISO alpha-2 code from a code or an English country name."""
    text = value.strip()
    if not text:
        return ""
    if len(text) == 2 and pycountry.countries.get(alpha_2=text.upper()):
        return text.upper()
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        raise parsing.BadValue(f"'{value}' is not a country name or ISO code") from None


# --- accounts -----------------------------------------------------------------------------


def _account_values(reader: Reader, org: OrgLookups) -> dict[str, Any]:
    values: dict[str, Any] = {"name": reader.text("name")}
    if not values["name"]:
        reader.fail("name", "is required")
    for name in ("industry",):
        if reader.has(name):
            values[name] = reader.text(name, 120)
    if reader.has("domain"):
        values["domain"] = parsing.as_domain(reader.text("domain"))
    if reader.has("employees"):
        values["employees"] = reader.parse("employees", parsing.as_int)
    if reader.has("arr"):
        values["crm_arr"] = reader.parse("arr", parsing.as_money)
    if reader.has("lifecycle_stage"):
        values["lifecycle_stage"] = parsing.as_lifecycle(reader.text("lifecycle_stage"))
    if reader.has("notify_owner_before_contact"):
        values["notify_owner_before_contact"] = reader.parse(
            "notify_owner_before_contact", parsing.as_bool, False
        )
    _place(reader, org, values)
    for name in ("owner", "success_manager"):
        if reader.has(name):
            values[f"{name}_id"] = _person(reader, org, name)
    return values


def _place(reader: Reader, org: OrgLookups, values: dict[str, Any]) -> None:
    """Country, market, region, segment and plan, matched to the organisation's rows."""
    market = None
    if reader.has("country"):
        values["country"] = reader.parse("country", country_code, "")
    if reader.has("market") and reader.text("market"):
        market = _named(reader, org.market, "market")
    elif values.get("country"):
        market = org.market_of_country.get(values["country"])
        if market is None:
            reader.fail("country", f"no market includes the country {values['country']}")
    if reader.has("market") or reader.has("country"):
        values["market_id"] = market.pk if market else None
    region = _named(reader, org.region, "region") if reader.has("region") else None
    if region is None and market is not None:
        region = market.region
    elif region is not None and market is not None and market.region_id != region.pk:
        reader.fail("region", f"the market {market.name} is in {market.region.name}")
    if reader.has("region") or market is not None:
        values["region_id"] = region.pk if region else None
    if reader.has("segment") and reader.text("segment"):
        values["segment_id"] = getattr(_named(reader, org.segment, "segment"), "pk", None)
    elif values.get("employees") is not None:
        segment = org.segment_for_size(values["employees"])
        values["segment_id"] = segment.pk if segment else None
    if reader.has("plan"):
        values["plan_id"] = getattr(_named(reader, org.plan, "plan"), "pk", None)


def _named(reader: Reader, rows: dict, name: str):
    text = reader.text(name)
    if not text:
        return None
    found = rows.get(text.lower())
    if found is None:
        reader.fail(name, f"no {name} named '{text}' in the organisation")
    return found


def _person(reader: Reader, org: OrgLookups, name: str) -> int | None:
    text = reader.text(name)
    if not text:
        return None
    person = org.person.get(text.lower())
    if person is None:
        reader.fail(name, f"'{text}' is not a person in the organisation; add them under People")
        return None
    return person.pk


def _import_accounts(workspace, format, table: Table, mapping, report: ImportReport) -> None:
    org = OrgLookups(workspace)
    id_field = ID_FIELD[format]
    rows: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, raw in table.rows:
        reader = Reader(line, raw, mapping, report)
        record_id = reader.text("id", 64)
        if not record_id:
            reader.fail("id", "is required")
        values = _account_values(reader, org)
        values["custom"] = _custom(raw, mapping)
        if record_id in rows:
            reader.fail("id", f"'{record_id}' is also on row {rows[record_id][0]}")
        if reader.ok:
            rows[record_id] = (line, values)
    if report.errors:
        return
    fields = sorted({name for _, values in rows.values() for name in values})
    existing = {
        row[id_field]: row
        for row in Account.objects.filter(workspace=workspace)
        .exclude(**{id_field: ""})
        .values("pk", id_field, *fields)
    }
    new, changed, arr_seen = [], [], []
    for record_id, (_, values) in rows.items():
        before = existing.get(record_id)
        if before is None:
            new.append({"workspace_id": workspace.pk, id_field: record_id, **values})
            continue
        if all(before[name] == value for name, value in values.items()):
            report.unchanged += 1
            continue
        merged = {name: before[name] for name in fields} | values
        changed.append({"pk": before["pk"], **merged})
        if before.get("crm_arr") != values.get("crm_arr", before.get("crm_arr")):
            arr_seen.append(changed[-1])
    insert_many(Account, new)
    if changed:
        update_many(Account, changed, fields)
    report.created, report.updated = len(new), len(changed)
    if "crm_arr" in fields:
        pks = dict(
            Account.objects.filter(workspace=workspace).values_list(id_field, "pk").iterator()
        )
        seen = [(pks[a[id_field]], a.get("crm_arr")) for a in new]
        seen += [(a["pk"], a.get("crm_arr")) for a in arr_seen]
        _snapshot_arr([(pk, arr) for pk, arr in seen if arr is not None])


def _snapshot_arr(accounts: list[tuple[int, Any]]) -> None:
    today = timezone.localdate()
    ArrSnapshot.objects.bulk_create(
        [ArrSnapshot(account_id=pk, on=today, arr=arr, source="crm") for pk, arr in accounts],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["account", "on", "source"],
        update_fields=["arr"],
    )


# --- contacts -----------------------------------------------------------------------------


class AccountIndex:
    """Accounts of the workspace by each CRM id and by name."""

    def __init__(self, workspace: Workspace):
        self.by_id: dict[str, dict[str, int]] = {name: {} for name in EXTERNAL_IDS}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        for pk, name, *ids in Account.objects.filter(workspace=workspace).values_list(
            "pk", "name", *EXTERNAL_IDS
        ):
            self.by_name[name.lower()].append(pk)
            for id_name, value in zip(EXTERNAL_IDS, ids, strict=True):
                if value:
                    self.by_id[id_name][value] = pk

    def find(self, reader: Reader, format: str) -> int | None:
        if reader.has("account_id") and reader.text("account_id"):
            value = reader.text("account_id")
            names = EXTERNAL_IDS if format == ImportFormat.GENERIC else (ID_FIELD[format],)
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


def _contact_values(reader: Reader, accounts: AccountIndex, format: str) -> dict[str, Any]:
    values: dict[str, Any] = {"account_id": accounts.find(reader, format)}
    for name, limit in (("first_name", 120), ("last_name", 120), ("phone", 64), ("title", 200)):
        if reader.has(name):
            values[name] = reader.text(name, limit)
    if not values.get("last_name") and not values.get("first_name"):
        reader.fail("last_name", "a contact needs a name")
    if reader.has("role"):
        values["role"] = reader.text("role", 64).lower()
    if reader.has("email"):
        values["email"] = reader.parse("email", parsing.as_email, "")
    if reader.has("lifecycle_stage"):
        values["lifecycle_stage"] = parsing.as_lifecycle(reader.text("lifecycle_stage"))
    if reader.has("preferred_channel") and reader.text("preferred_channel"):
        values["preferred_channel"] = reader.parse(
            "preferred_channel", lambda v: parsing.as_choice(v, Channel), Channel.ANY
        )
    for name in ("max_per_30_days", "max_per_90_days"):
        if reader.has(name) and reader.text(name):
            values[name] = reader.parse(name, parsing.as_int)
    if reader.has("do_not_contact"):
        values["do_not_contact"] = reader.parse("do_not_contact", parsing.as_bool, False)
        reason = (
            reader.text("do_not_contact_reason", 300) if reader.has("do_not_contact_reason") else ""
        )
        if values["do_not_contact"] and not reason:
            reason = f"'{reader.mapping['do_not_contact']}' set in the {format} export"
        values["do_not_contact_reason"] = reason if values["do_not_contact"] else ""
    return values


def _erased_digests(workspace: Workspace) -> set[str]:
    return set(ErasedIdentity.objects.filter(workspace=workspace).values_list("digest", flat=True))


def _import_contacts(workspace, format, table: Table, mapping, report: ImportReport) -> None:
    accounts = AccountIndex(workspace)
    id_field = ID_FIELD[format]
    erased = _erased_digests(workspace)
    rows: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, raw in table.rows:
        reader = Reader(line, raw, mapping, report)
        record_id = reader.text("id", 64)
        if not record_id:
            reader.fail("id", "is required")
        values = _contact_values(reader, accounts, format)
        values["custom"] = _custom(raw, mapping)
        if record_id in rows:
            reader.fail("id", f"'{record_id}' is also on row {rows[record_id][0]}")
        keys = {record_id, values.get("email", "")} - {""}
        if erased and any(ErasedIdentity.digest_of(key) in erased for key in keys):
            report.skipped.append(
                {"row": line, "message": "this person was erased; not re-imported"}
            )
            continue
        if reader.ok:
            rows[record_id] = (line, values)
    if not report.errors:
        _write_contacts(workspace, id_field, rows, report)


def _write_contacts(workspace, id_field: str, rows: dict, report: ImportReport) -> None:
    fields = sorted({name for _, values in rows.values() for name in values})
    known = list(
        Contact.objects.filter(workspace=workspace, erased_at__isnull=True).values(
            "pk", id_field, "email", *fields
        )
    )
    by_id = {row[id_field]: row for row in known if row[id_field]}
    # A person already known from another CRM (same email, no id from this one) is the
    # same contact: it gains this id instead of becoming a duplicate.
    by_email = {row["email"]: row for row in known if row["email"] and not row[id_field]}
    new, changed = [], []
    for record_id, (_, values) in rows.items():
        before = by_id.get(record_id) or by_email.pop(values.get("email") or "\0", None)
        if before is None:
            new.append({"workspace_id": workspace.pk, id_field: record_id, **values})
            continue
        if before[id_field] == record_id and all(before[k] == v for k, v in values.items()):
            report.unchanged += 1
            continue
        merged = {name: before[name] for name in fields} | values
        changed.append({"pk": before["pk"], id_field: record_id, **merged})
    insert_many(Contact, new)
    if changed:
        update_many(Contact, changed, [*fields, id_field])
    report.created, report.updated = len(new), len(changed)


# --- consent and outreach: rows that refer to contacts ------------------------------------


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

    def find(self, reader: Reader) -> int | None:
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


def _import_consent(workspace, format, table: Table, mapping, report: ImportReport) -> None:
    contacts = ContactIndex(workspace)
    wanted = []
    for line, raw in table.rows:
        reader = Reader(line, raw, mapping, report)
        contact_id = contacts.find(reader)
        kind = reader.parse(
            "kind", lambda v: parsing.as_choice(v, ResearchKind, parsing.RESEARCH_KIND_ALIASES)
        )
        granted = reader.parse("granted", parsing.as_bool)
        given_at = reader.parse("given_at", parsing.as_datetime)
        method = ConsentMethod.CRM_IMPORT
        if reader.has("method") and reader.text("method"):
            method = reader.parse("method", lambda v: parsing.as_choice(v, ConsentMethod))
        source = reader.text("source", 300) if reader.has("source") else ""
        if reader.ok:
            wanted.append((contact_id, kind, granted, given_at, method, source or table.name))
    if not report.errors:
        consent_append(records=wanted, actor=None, report=report)


def consent_append(
    *, records: Iterable[tuple], actor: User | None, report: ImportReport | None = None
) -> list[dict]:
    """Add consent versions (contact id, kind, granted, given_at, method, source) and set
    each contact's current consent to its latest; identical versions are not added twice."""
    records = sorted(records, key=lambda r: (r[0], r[1], r[3]))
    contact_ids = {r[0] for r in records}
    seen, version = set(), defaultdict(int)
    for chunk in _chunks(sorted(contact_ids)):
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
                report.unchanged += 1
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
    insert_many(ConsentRecord, new)
    if report:
        report.created = len(new)
    refresh_consent_flags({r["contact_id"] for r in new})
    return new


def refresh_consent_flags(contact_ids: set[int]) -> None:
    """Set each contact's consent flags from its latest version per kind (latest given_at,
    then latest recorded), the single place the current state is derived; kinds with no
    recorded version keep their flag."""
    names = list(CONSENT_FIELD.values())
    for chunk in _chunks(sorted(contact_ids)):
        current = {
            row["pk"]: row for row in Contact.objects.filter(pk__in=chunk).values("pk", *names)
        }
        latest: dict[tuple[int, str], tuple] = {}
        for row in ConsentRecord.objects.filter(contact_id__in=chunk).values_list(
            "contact_id", "kind", "given_at", "version", "granted"
        ):
            key = (row[0], row[1])
            if key not in latest or row[2:4] > latest[key]:
                latest[key] = row[2:4]
                current[row[0]][CONSENT_FIELD[row[1]]] = row[4]
        contacts = list(current.values())
        update_many(Contact, contacts, names)


def _chunks(items: list, size: int = 900) -> Iterable[list]:
    # SQLite limits the variables in one statement; 900 stays clear of every version's limit.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _import_outreach(workspace, format, table: Table, mapping, report: ImportReport) -> None:
    contacts = ContactIndex(workspace)
    users = {
        m.user.email.lower(): m.user_id
        for m in Membership.objects.filter(workspace=workspace).select_related("user")
    }
    wanted: list[dict] = []
    for line, raw in table.rows:
        reader = Reader(line, raw, mapping, report)
        contact_id = contacts.find(reader)
        kind = reader.parse(
            "kind", lambda v: parsing.as_choice(v, OutreachKind, parsing.OUTREACH_KIND_ALIASES)
        )
        at = reader.parse("at", parsing.as_datetime)
        outcome = OutreachOutcome.COMPLETED
        if reader.has("outcome") and reader.text("outcome"):
            outcome = reader.parse(
                "outcome",
                lambda v: parsing.as_choice(v, OutreachOutcome, parsing.OUTCOME_ALIASES),
            )
        by_label = reader.text("by", 200) if reader.has("by") else ""
        if reader.ok:
            wanted.append(
                {
                    "workspace_id": workspace.pk,
                    "contact_id": contact_id,
                    "account_id": contacts.account[contact_id],
                    "by_id": users.get(by_label.lower()),
                    "by_label": by_label or "imported",
                    "kind": kind,
                    "study": reader.text("study", 200) if reader.has("study") else "",
                    "reason": reader.text("reason", 500) if reader.has("reason") else "",
                    "outcome": outcome,
                    "at": at,
                }
            )
    if not report.errors:
        _write_outreach(workspace, wanted, report)


def _write_outreach(workspace, wanted: list[dict], report: ImportReport) -> None:
    existing = set(
        Outreach.objects.filter(workspace=workspace).values_list(
            "contact_id", "kind", "at", "study"
        )
    )
    new = []
    for outreach in wanted:
        key = (outreach["contact_id"], outreach["kind"], outreach["at"], outreach["study"])
        if key in existing:
            report.unchanged += 1
            continue
        existing.add(key)
        new.append(outreach)
    insert_many(Outreach, new)
    report.created = len(new)
    _refresh_last_contacted({o["contact_id"] for o in new})


def _refresh_last_contacted(contact_ids: set[int]) -> None:
    for chunk in _chunks(sorted(contact_ids)):
        latest = dict(
            Outreach.objects.filter(contact_id__in=chunk)
            .values("contact_id")
            .annotate(last=Max("at"))
            .values_list("contact_id", "last")
        )
        update_many(
            Contact,
            [{"pk": pk, "last_contacted_at": at} for pk, at in latest.items()],
            ["last_contacted_at"],
        )


IMPORTERS: dict[str, Callable[[Workspace, str, Table, dict, ImportReport], None]] = {
    ImportKind.ACCOUNTS: _import_accounts,
    ImportKind.CONTACTS: _import_contacts,
    ImportKind.CONSENT: _import_consent,
    ImportKind.OUTREACH: _import_outreach,
}


# The tables whose statistics a large import of each kind changes.
ANALYZED = {
    ImportKind.ACCOUNTS: (Account,),
    ImportKind.CONTACTS: (Contact,),
    ImportKind.CONSENT: (ConsentRecord, Contact),
    ImportKind.OUTREACH: (Outreach, Contact),
}
