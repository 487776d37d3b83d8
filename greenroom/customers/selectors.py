"""Reads of the customer database, always scoped to one workspace.

Billing ARR and product usage come from the Business data engine (greenroom.metrics, read
only through ``greenroom.metrics.selectors``) when it has data for an account, matched by the
account's CRM ids; otherwise the CRM's ARR is shown and usage is absent. ``account_figures``,
``accounts_billing_arr`` and ``accounts_usage`` are the only places that decide this.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import islice

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from greenroom.accounts.models import AuditEvent, Workspace
from greenroom.customers.choices import ACTIVE_OUTCOMES
from greenroom.customers.models import (
    EXTERNAL_IDS,
    Account,
    ArrSnapshot,
    Contact,
    ImportRun,
    Outreach,
)
from greenroom.lib.imports.tables import table_open
from greenroom.metrics import selectors as metrics


@dataclass(frozen=True)
class AccountFigures:
    """An account's revenue and usage, and which system each came from."""

    arr: Decimal | None
    arr_source: str
    arr_trend: list[ArrSnapshot]
    usage: dict | None
    currency: str = ""
    mrr_trend: list[tuple[date, float]] = field(default_factory=list)
    mrr_running_month: date | None = None  # the trend's month still running: MRR to date
    arr_month: date | None = None  # billing ARR is the last complete month's


def arr_field() -> str:
    """The Account field the finder's ARR band filters on in the database: the CRM's ARR
    (billing ARR lives in the analytics store, not on accounts)."""
    return "crm_arr"


def account_keys(account: Account) -> list[str]:
    """The account's ids in other systems, which the data engine knows accounts by."""
    return [key for key in (getattr(account, name) for name in EXTERNAL_IDS) if key]


def _first(found: dict[str, dict], keys: list[str]) -> dict | None:
    return next((found[key] for key in keys if key in found), None)


def account_figures(*, account: Account, with_trend: bool = True) -> AccountFigures:
    """ARR from billing when the data engine has it (else the CRM's), its trend, and usage
    over the last 30 days (None without usage data: nothing is estimated here)."""
    keys = account_keys(account)
    workspace = account.workspace
    revenue = _first(metrics.account_revenue(workspace=workspace, account_ids=keys), keys)
    usage = None
    if with_trend:
        usage = _first(metrics.account_usage(workspace=workspace, account_ids=keys), keys)
    if revenue is not None:
        return AccountFigures(
            arr=Decimal(str(revenue["arr"])),
            arr_source="billing",
            arr_trend=[],
            usage=usage,
            currency=revenue["currency"],
            mrr_trend=revenue["trend"] if with_trend else [],
            mrr_running_month=revenue["running_month"],
            arr_month=revenue["arr_month"],
        )
    trend = list(account.arr_history.order_by("on")) if with_trend else []
    return AccountFigures(arr=account.crm_arr, arr_source="crm", arr_trend=trend, usage=usage)


def accounts_billing_arr(
    *, workspace: Workspace, accounts: Iterable[Account] | None = None
) -> dict[int, Decimal]:
    """Billing ARR per account pk, for ``accounts`` (default: every account of the
    workspace) that billing knows, read at once (empty without billing data, so callers keep
    the CRM's ARR)."""
    if not metrics.business_data_available(workspace=workspace):
        return {}
    if accounts is None:
        rows = Account.objects.for_workspace(workspace).values_list("pk", *EXTERNAL_IDS)
        keys = {pk: [key for key in ids if key] for pk, *ids in rows}
    else:
        keys = {account.pk: account_keys(account) for account in accounts}
    wanted = [key for ids in keys.values() for key in ids]
    found = metrics.account_revenue(workspace=workspace, account_ids=wanted, months=1)
    arr = {pk: _first(found, ids) for pk, ids in keys.items()}
    return {pk: Decimal(str(value["arr"])) for pk, value in arr.items() if value is not None}


def accounts_usage(*, workspace: Workspace, accounts: list[Account], days: int = 30) -> dict:
    """Usage over the last ``days`` per account pk (accounts active then only), read for all
    ``accounts`` at once."""
    keys = {account.pk: account_keys(account) for account in accounts}
    wanted = [key for ids in keys.values() for key in ids]
    found = metrics.account_usage(
        workspace=workspace, account_ids=wanted, days=days, last_active=False
    )
    usage = {pk: _first(found, ids) for pk, ids in keys.items()}
    return {pk: value for pk, value in usage.items() if value is not None}


# The account filters of the list pages (customers/filters.py) and the lookups they become.
ACCOUNT_FILTERS = {
    "segment": "segment",
    "market": "market",
    "plan": "plan",
    "owner": "owner",
    "lifecycle_stage": "lifecycle_stage",
    "arr_min": "crm_arr__gte",
    "arr_max": "crm_arr__lte",
}


def account_filter(filters: dict, *, prefix: str = "") -> Q:
    """The accounts (or, with ``prefix="account__"``, the contacts of accounts) matching the
    list filters given; unknown keys (the search words) are left to the caller."""
    lookups = {
        prefix + lookup: filters[name]
        for name, lookup in ACCOUNT_FILTERS.items()
        if name in filters
    }
    return Q(**lookups)


def account_list(
    *, workspace: Workspace, search: str = "", filters: dict | None = None
) -> QuerySet[Account]:
    """Accounts with their place in the organisation and owners, by name, narrowed by the
    list filters (``ACCOUNT_FILTERS``) when given."""
    rows = Account.objects.for_workspace(workspace).select_related(
        "segment", "market", "region", "plan", "owner"
    )
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(domain__icontains=search))
    if filters:
        rows = rows.filter(account_filter(filters))
    # A count per shown row, not a GROUP BY over every account: the page stays an index scan.
    contacts = (
        Contact.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(count=Count("*"))
        .values("count")
    )
    return rows.annotate(contact_count=Coalesce(Subquery(contacts), 0)).order_by("name")


def account_get(*, workspace: Workspace, pk: int) -> Account:
    """One account of the workspace, or 404."""
    account = (
        Account.objects.for_workspace(workspace)
        .filter(pk=pk)
        .select_related("segment", "market", "region", "plan", "owner", "success_manager")
        .first()
    )
    if account is None:
        raise Http404("No such account in this workspace.")
    return account


def contact_list(
    *,
    workspace: Workspace,
    search: str = "",
    account: Account | None = None,
    filters: dict | None = None,
) -> QuerySet[Contact]:
    """Contacts (erased ones included, anonymised) with their account, narrowed to accounts
    matching the list filters (``ACCOUNT_FILTERS``) when given."""
    rows = Contact.objects.for_workspace(workspace).select_related("account")
    if account is not None:
        rows = rows.filter(account=account)
    if filters:
        rows = rows.filter(account_filter(filters, prefix="account__"))
    if search:
        words = Q(first_name__icontains=search) | Q(last_name__icontains=search)
        rows = rows.filter(words | Q(title__icontains=search) | Q(account__name__icontains=search))
    return rows.order_by("last_name", "first_name", "pk")


def _contact_words(query: str) -> Q:
    # Every word somewhere in the name, title or account, so "jane acme" finds Jane at Acme.
    match = Q()
    for word in query.split():
        match &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(title__icontains=word)
            | Q(account__name__icontains=word)
        )
    return match


def account_search(*, workspace: Workspace, query: str, limit: int) -> list[Account]:
    """Up to ``limit`` accounts whose name or domain contains ``query``, by name."""
    rows = Account.objects.for_workspace(workspace).filter(
        Q(name__icontains=query) | Q(domain__icontains=query)
    )
    return list(rows.order_by("name", "pk")[:limit])


def contact_search(*, workspace: Workspace, query: str, limit: int) -> list[Contact]:
    """Up to ``limit`` contacts (erased ones left out) with every word of ``query`` in their
    name, title or account, by name."""
    rows = Contact.objects.for_workspace(workspace).filter(erased_at__isnull=True)
    rows = rows.filter(_contact_words(query)).select_related("account")
    return list(rows.order_by("last_name", "first_name", "pk")[:limit])


def contact_detail_search(*, workspace: Workspace, query: str, limit: int) -> list[Contact]:
    """Up to ``limit`` contacts found by their email or phone only: those ``contact_search``
    already finds by name are left out, so nobody is listed twice."""
    details = Q(email__icontains=query) | Q(phone__icontains=query)
    rows = Contact.objects.for_workspace(workspace).filter(details, erased_at__isnull=True)
    rows = rows.exclude(_contact_words(query)).select_related("account")
    return list(rows.order_by("last_name", "first_name", "pk")[:limit])


def contact_get(*, workspace: Workspace, pk: int) -> Contact:
    """One contact of the workspace, or 404."""
    contact = (
        Contact.objects.for_workspace(workspace)
        .filter(pk=pk)
        .select_related("account", "account__owner")
        .first()
    )
    if contact is None:
        raise Http404("No such contact in this workspace.")
    return contact


def outreach_list(
    *,
    workspace: Workspace,
    account: Account | None = None,
    contact: Contact | None = None,
    study: str = "",
) -> QuerySet[Outreach]:
    """Outreach, newest first, for an account, a contact or a study."""
    rows = Outreach.objects.for_workspace(workspace).select_related("contact", "account")
    if account is not None:
        rows = rows.filter(account=account)
    if contact is not None:
        rows = rows.filter(contact=contact)
    if study:
        rows = rows.filter(study=study)
    return rows.order_by("-at", "-id")


def outreach_get(*, workspace: Workspace, pk: int) -> Outreach:
    """One outreach of the workspace, or 404."""
    outreach = Outreach.objects.for_workspace(workspace).filter(pk=pk).first()
    if outreach is None:
        raise Http404("No such outreach in this workspace.")
    return outreach


def study_names(*, workspace: Workspace) -> list[str]:
    """Studies with contacts currently reserved or in progress."""
    return list(
        Outreach.objects.for_workspace(workspace)
        .filter(outcome__in=ACTIVE_OUTCOMES)
        .exclude(study="")
        .values_list("study", flat=True)
        .distinct()
        .order_by("study")
    )


def import_list(*, workspace: Workspace) -> QuerySet[ImportRun]:
    """Uploaded files, newest first."""
    return ImportRun.objects.for_workspace(workspace).select_related("created_by")


def import_get(*, workspace: Workspace, pk: int) -> ImportRun:
    """One import of the workspace, or 404."""
    run = ImportRun.objects.for_workspace(workspace).filter(pk=pk).first()
    if run is None:
        raise Http404("No such import in this workspace.")
    return run


def import_preview(*, run: ImportRun, rows: int = 8) -> tuple[list[str], list[dict[str, str]]]:
    """The columns and first rows of a file waiting for its mapping (read as a stream: the
    rest of the file is never loaded)."""
    with open(run.stored_path, "rb") as stream:
        table = table_open(name=run.filename, stream=stream)
        return table.headers, [values for _, values in islice(table.rows, rows)]


def contact_audit_trail(*, workspace: Workspace, contact: Contact) -> QuerySet[AuditEvent]:
    """Every audit event about one contact: views, exports, changes."""
    return AuditEvent.objects.filter(
        workspace=workspace, object_type="customers.contact", object_id=str(contact.pk)
    ).order_by("at")


def accounts_by_keys(*, workspace: Workspace, keys: Iterable[str]) -> dict[str, Account]:
    """The workspace's accounts known by any of ``keys`` (their Salesforce, HubSpot or other
    system's id, as the analytics store names accounts), keyed by each key that matched."""
    wanted = sorted({str(key) for key in keys if key})
    if not wanted:
        return {}
    match = Q()
    for name in EXTERNAL_IDS:
        match |= Q(**{f"{name}__in": wanted})
    found: dict[str, Account] = {}
    for account in (
        Account.objects.for_workspace(workspace).filter(match).only("name", *EXTERNAL_IDS)
    ):
        for key in account_keys(account):
            if key in wanted:
                found[key] = account
    return found
