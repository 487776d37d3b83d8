"""Import accounts, contacts, research consent and past outreach from CRM exports.

An import runs in two steps (see ``importing``). First every row is *checked* against the
workspace (organisation names, owners, accounts, contacts) with lookups loaded once, and
staged; nothing is written, so a file with any wrong row changes nothing and the report
lists every problem with its row and column. Then the staged rows are *applied* a chunk at
a time, each chunk in a short transaction that compares it with the rows it would change,
inserts and updates in bulk, and records in a ``Journal`` what it did so the whole import
can be undone. Re-importing the same file changes nothing.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.db.models import Max, QuerySet
from django.utils import timezone

from greenroom.accounts.models import Membership, User, Workspace
from greenroom.customers import parsing
from greenroom.customers.bulk import Statement, insert_statement
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
from greenroom.customers.formats import FIELDS, ID_FIELD
from greenroom.customers.journal import NO_JOURNAL, Journal
from greenroom.customers.models import (
    EXTERNAL_IDS,
    Account,
    ArrSnapshot,
    ConsentRecord,
    Contact,
    CrmRecord,
    ErasedIdentity,
    Outreach,
)
from greenroom.organisation.models import Market, Person, Plan, Region, Segment

# Problems kept word for word; beyond them a report only counts (a file wrong on every
# one of a million rows would otherwise fill the memory with messages).
MAX_ERRORS = 1000
# A row checked and waiting to be applied: (group, order, payload). Chunks never split a
# group, and rows are applied in (group, order) order.
Staged = tuple[int, str, Any]


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
    problems: int = 0

    def error(self, row: int, column: str, message: str) -> None:
        self.problems += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "summary": self.summary()}

    def summary(self) -> str:
        if self.problems:
            return f"{self.file}: {self.problems} problems, nothing imported"
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


def mapping_check(*, kind: str, mapping: dict[str, str], headers: list[str], report) -> None:
    """Raise ImportRejected when the mapping names unknown fields or columns, or leaves a
    required field without a column."""
    known = {target.name for target in FIELDS[kind]}
    for name, column in mapping.items():
        if name not in known:
            report.error(1, column, f"'{name}' is not a field of {kind}")
        elif column not in headers:
            report.error(1, column, "no such column in the file")
    for target in FIELDS[kind]:
        if target.required and target.name not in mapping:
            report.error(1, target.label, f"no column holds the {target.label.lower()}")
    if report.problems:
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


class Importer:
    """Checks rows of one kind (``check``: no writes) and saves checked rows a chunk at a
    time: ``plan`` prepares a chunk (reads and comparisons, outside any transaction), then
    ``write`` saves it inside a short transaction, counting what it did into ``tally``."""

    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        self.workspace, self.format, self.mapping, self.report = workspace, format, mapping, report

    def check(self, line: int, raw: dict[str, str]) -> Staged | None:
        raise NotImplementedError

    def plan(self, chunk: list, journal: Journal) -> Any:
        return chunk

    def write(self, plan: Any, journal: Journal, tally: ImportReport) -> None:
        raise NotImplementedError


@dataclass
class RecordPlan:
    """A chunk of accounts or contacts compared with the database: the INSERT of the new
    ones, ready to run, and the rows to update (pk, id in the source, values)."""

    fields: list[str]
    new: list[dict]
    insert: Statement
    changed: list[tuple[int, str, dict]]
    unchanged: int


class RecordImporter(Importer):
    """Accounts and contacts: one record per row, keyed by its id in the source system."""

    model: type[CrmRecord]

    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        super().__init__(workspace, format, mapping, report)
        self.id_field = ID_FIELD[format]
        self.seen: dict[str, int] = {}

    def check(self, line: int, raw: dict[str, str]) -> Staged | None:
        reader = Reader(line, raw, self.mapping, self.report)
        record_id = reader.text("id", 64)
        if not record_id:
            reader.fail("id", "is required")
        values = self.values(reader)
        values["custom"] = _custom(raw, self.mapping)
        if record_id in self.seen:
            reader.fail("id", f"'{record_id}' is also on row {self.seen[record_id]}")
        if not reader.ok or self.skip(line, record_id, values):
            return None
        self.seen[record_id] = line
        return line, "", (record_id, values)

    def values(self, reader: Reader) -> dict[str, Any]:
        raise NotImplementedError

    def skip(self, line: int, record_id: str, values: dict[str, Any]) -> bool:
        return False

    def live(self) -> QuerySet:
        """The rows of the workspace an import may update."""
        return self.model.objects.filter(workspace=self.workspace).order_by()

    def with_ids(self, ids: list[str]) -> QuerySet:
        """Rows of the workspace with these ids from this import's source system."""
        # "Not blank" repeats the condition of the unique index on the ids: without it,
        # SQLite cannot use that partial index and reads every row of the workspace.
        return self.live().filter(**{f"{self.id_field}__in": ids}).exclude(**{self.id_field: ""})

    def match(self, chunk: list[tuple[str, dict]], columns: list[str]) -> Iterable[tuple]:
        """(id, values, the row it updates or None) for each record of the chunk."""
        existing = {
            row[self.id_field]: row for row in self.with_ids([k for k, _ in chunk]).values(*columns)
        }
        return ((key, values, existing.get(key)) for key, values in chunk)

    def plan(self, chunk: list[tuple[str, dict]], journal: Journal) -> RecordPlan:
        fields = sorted({name for _, values in chunk for name in values})
        columns = ["pk", self.id_field, *fields]
        new, changed, unchanged = [], [], 0
        for record_id, values, before in self.match(chunk, columns):
            if before is None:
                new.append({"workspace_id": self.workspace.pk, self.id_field: record_id, **values})
            elif before[self.id_field] == record_id and all(
                before[name] == value for name, value in values.items()
            ):
                unchanged += 1
            else:
                changed.append((before["pk"], record_id, values))
        insert = insert_statement(self.model, journal.tag(new))
        return RecordPlan(fields, new, insert, changed, unchanged)

    def write(self, plan: RecordPlan, journal: Journal, tally: ImportReport) -> None:
        plan.insert.run()
        names = [*plan.fields, self.id_field]
        # Read again inside the transaction: the previous values must be the ones replaced.
        before = {
            row["pk"]: row
            for row in self.live()
            .filter(pk__in=[pk for pk, _, _ in plan.changed])
            .values("pk", *names)
        }
        rows = [
            {**before[pk], **values, self.id_field: record_id}
            for pk, record_id, values in plan.changed
            if pk in before
        ]
        journal.update(self.model, rows, names, before)
        tally.created += len(plan.new)
        tally.updated += len(rows)
        tally.unchanged += plan.unchanged
        self.written(plan, rows, before, journal)

    def written(self, plan: RecordPlan, rows: list[dict], before: dict, journal: Journal):
        """What follows from a chunk's new and updated rows, in the same transaction."""


class AccountImporter(RecordImporter):
    model = Account

    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        super().__init__(workspace, format, mapping, report)
        self.org = OrgLookups(workspace)

    def values(self, reader: Reader) -> dict[str, Any]:
        return _account_values(reader, self.org)

    def written(self, plan: RecordPlan, rows: list[dict], before: dict, journal: Journal):
        if "crm_arr" not in plan.fields:
            return
        ids = [account[self.id_field] for account in plan.new]
        pks = dict(self.with_ids(ids).values_list(self.id_field, "pk"))
        arr = {pks[a[self.id_field]]: a.get("crm_arr") for a in plan.new}
        arr |= {a["pk"]: a["crm_arr"] for a in rows if a["crm_arr"] != before[a["pk"]]["crm_arr"]}
        _snapshot_arr({pk: value for pk, value in arr.items() if value is not None}, journal)


def _snapshot_arr(arr: dict[int, Any], journal: Journal) -> None:
    """A point of each account's CRM ARR trend, for today, where the import set it."""
    today = timezone.localdate()
    existing = {
        row["account_id"]: row
        for row in ArrSnapshot.objects.filter(account_id__in=list(arr), on=today, source="crm")
        .order_by()
        .values("pk", "account_id", "arr")
    }
    journal.insert(
        ArrSnapshot,
        [
            {"account_id": pk, "on": today, "arr": value, "source": "crm"}
            for pk, value in arr.items()
            if pk not in existing
        ],
    )
    updated = [
        {"pk": existing[pk]["pk"], "arr": value}
        for pk, value in arr.items()
        if pk in existing and existing[pk]["arr"] != value
    ]
    journal.update(ArrSnapshot, updated, ["arr"], {row["pk"]: row for row in existing.values()})


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


class ContactImporter(RecordImporter):
    model = Contact

    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        super().__init__(workspace, format, mapping, report)
        self.accounts = AccountIndex(workspace)
        self.unmatched: bool | None = None
        self.erased = set(
            ErasedIdentity.objects.filter(workspace=workspace).values_list("digest", flat=True)
        )

    def values(self, reader: Reader) -> dict[str, Any]:
        return _contact_values(reader, self.accounts, self.format)

    def skip(self, line: int, record_id: str, values: dict[str, Any]) -> bool:
        keys = {record_id, values.get("email", "")} - {""}
        if self.erased and any(ErasedIdentity.digest_of(key) in self.erased for key in keys):
            self.report.skipped.append(
                {"row": line, "message": "this person was erased; not re-imported"}
            )
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


def _utc(moment: datetime) -> str:
    # The staged order of rows: text that sorts as time does.
    return moment.astimezone(UTC).isoformat()


class ConsentImporter(Importer):
    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        super().__init__(workspace, format, mapping, report)
        self.contacts = ContactIndex(workspace)

    def check(self, line: int, raw: dict[str, str]) -> Staged | None:
        reader = Reader(line, raw, self.mapping, self.report)
        contact_id = self.contacts.find(reader)
        kind = reader.parse(
            "kind", lambda v: parsing.as_choice(v, ResearchKind, parsing.RESEARCH_KIND_ALIASES)
        )
        granted = reader.parse("granted", parsing.as_bool)
        given_at = reader.parse("given_at", parsing.as_datetime)
        method = ConsentMethod.CRM_IMPORT
        if reader.has("method") and reader.text("method"):
            method = reader.parse("method", lambda v: parsing.as_choice(v, ConsentMethod))
        source = reader.text("source", 300) if reader.has("source") else ""
        if not reader.ok:
            return None
        record = (contact_id, kind, granted, given_at, method, source or self.report.file)
        return contact_id, f"{kind} {_utc(given_at)}", record

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
    journal.insert(ConsentRecord, new)
    if report:
        report.created += len(new)
    refresh_consent_flags({r["contact_id"] for r in new}, journal)
    return new


def refresh_consent_flags(contact_ids: set[int], journal: Journal = NO_JOURNAL) -> None:
    """Set each contact's consent flags from its latest version per kind (latest given_at,
    then latest recorded), the single place the current state is derived; kinds with no
    recorded version keep their flag."""
    names = list(CONSENT_FIELD.values())
    for chunk in _chunks(sorted(contact_ids)):
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


def _chunks(items: list, size: int = 900) -> Iterable[list]:
    # SQLite limits the variables in one statement; 900 stays clear of every version's limit.
    for start in range(0, len(items), size):
        yield items[start : start + size]


class OutreachImporter(Importer):
    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        super().__init__(workspace, format, mapping, report)
        self.contacts = ContactIndex(workspace)
        self.users = {
            m.user.email.lower(): m.user_id
            for m in Membership.objects.filter(workspace=workspace).select_related("user")
        }

    def check(self, line: int, raw: dict[str, str]) -> Staged | None:
        reader = Reader(line, raw, self.mapping, self.report)
        contact_id = self.contacts.find(reader)
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
        if not reader.ok:
            return None
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
        return contact_id, _utc(at), outreach

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
                tally.unchanged += 1
                continue
            existing.add(key)
            new.append(outreach)
        journal.insert(Outreach, new)
        tally.created += len(new)
        _refresh_last_contacted({o["contact_id"] for o in new}, journal)


def _refresh_last_contacted(contact_ids: set[int], journal: Journal) -> None:
    for chunk in _chunks(sorted(contact_ids)):
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


IMPORTERS: dict[str, type[Importer]] = {
    ImportKind.ACCOUNTS: AccountImporter,
    ImportKind.CONTACTS: ContactImporter,
    ImportKind.CONSENT: ConsentImporter,
    ImportKind.OUTREACH: OutreachImporter,
}


# The tables whose statistics a large import of each kind changes.
ANALYZED = {
    ImportKind.ACCOUNTS: (Account,),
    ImportKind.CONTACTS: (Contact,),
    ImportKind.CONSENT: (ConsentRecord, Contact),
    ImportKind.OUTREACH: (Outreach, Contact),
}
