"""Writes to accounts: importing them from CRM exports, and the rules for contacting their
people."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers import parsing
from greenroom.customers.choices import AuditAction
from greenroom.customers.journal import Journal
from greenroom.customers.models import Account, ArrSnapshot
from greenroom.customers.services.base import RecordImporter, RecordPlan
from greenroom.lib.imports import values as parse
from greenroom.lib.imports.columns import RowReader
from greenroom.lib.imports.report import ImportReport
from greenroom.organisation.models import Market, Person, Plan, Region, Segment


@transaction.atomic
def account_set_rules(*, actor: User, account: Account, notify_owner_before_contact: bool):
    """Say whether the owner must be told before anyone contacts this account's people."""
    account.notify_owner_before_contact = notify_owner_before_contact
    account.save(update_fields=["notify_owner_before_contact", "updated_at"])
    audit_record(
        actor=actor,
        workspace=account.workspace,
        action=AuditAction.ACCOUNT_CHANGE_RULES,
        target=account,
        detail={"notify_owner_before_contact": notify_owner_before_contact},
    )
    return account


# --- importing ----------------------------------------------------------------------------


class OrgLookups:
    """The organisation's segments, markets, regions, plans and people, looked up once."""

    def __init__(self, workspace: Workspace):
        self.segments = list(Segment.objects.for_workspace(workspace))
        self.segment = {s.name.lower(): s for s in self.segments}
        self.plan = {}
        for plan in Plan.objects.for_workspace(workspace):
            self.plan[plan.name.lower()] = self.plan[plan.code.lower()] = plan
        self.region = {}
        for region in Region.objects.for_workspace(workspace):
            self.region[region.name.lower()] = self.region[region.code.lower()] = region
        self.market, self.market_of_country = {}, {}
        for market in Market.objects.for_workspace(workspace):
            self.market[market.name.lower()] = market
            for code in market.country_codes():
                self.market_of_country[code] = market
        self.person = {}
        for person in Person.objects.for_workspace(workspace):
            self.person[person.name.lower()] = person
            if person.email:
                self.person[person.email.lower()] = person

    def segment_for_size(self, employees: int) -> Segment | None:
        for segment in self.segments:
            low, high = segment.min_employees, segment.max_employees
            if (low is None or employees >= low) and (high is None or employees <= high):
                return segment
        return None


def _account_values(reader: RowReader, org: OrgLookups) -> dict[str, Any]:
    values: dict[str, Any] = {"name": reader.text("name")}
    if not values["name"]:
        reader.fail("name", "is required")
    for name in ("industry",):
        if reader.has(name):
            values[name] = reader.text(name, 120)
    if reader.has("domain"):
        values["domain"] = parse.as_domain(reader.text("domain"))
    if reader.has("employees"):
        values["employees"] = reader.parse("employees", parse.as_int)
    if reader.has("arr"):
        values["crm_arr"] = reader.parse("arr", parse.as_money)
    if reader.has("lifecycle_stage"):
        values["lifecycle_stage"] = parsing.as_lifecycle(reader.text("lifecycle_stage"))
    if reader.has("notify_owner_before_contact"):
        values["notify_owner_before_contact"] = reader.parse(
            "notify_owner_before_contact", parse.as_bool, False
        )
    _place(reader, org, values)
    for name in ("owner", "success_manager"):
        if reader.has(name):
            values[f"{name}_id"] = _person(reader, org, name)
    return values


def _place(reader: RowReader, org: OrgLookups, values: dict[str, Any]) -> None:
    """Country, market, region, segment and plan, matched to the organisation's rows."""
    market = None
    if reader.has("country"):
        values["country"] = reader.parse("country", parse.as_country, "")
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


def _named(reader: RowReader, rows: dict, name: str):
    text = reader.text(name)
    if not text:
        return None
    found = rows.get(text.lower())
    if found is None:
        reader.fail(name, f"no {name} named '{text}' in the organisation")
    return found


def _person(reader: RowReader, org: OrgLookups, name: str) -> int | None:
    text = reader.text(name)
    if not text:
        return None
    person = org.person.get(text.lower())
    if person is None:
        reader.fail(name, f"'{text}' is not a person in the organisation; add them under People")
        return None
    return person.pk


class AccountImporter(RecordImporter):
    model = Account

    def __init__(self, workspace: Workspace, format: str, mapping: dict, report: ImportReport):
        super().__init__(workspace, format, mapping, report)
        self.org = OrgLookups(workspace)

    def values(self, reader: RowReader) -> dict[str, Any]:
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
