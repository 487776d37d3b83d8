"""Reads of the customer database, always scoped to one workspace.

Billing ARR and product usage come from the Business data engine (greenroom.metrics) once it
exists. Until then ``account_figures`` and ``arr_field`` are the only places that decide
where an account's ARR comes from, so the engine plugs in here and nowhere else.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from greenroom.accounts.models import AuditEvent, Workspace
from greenroom.customers.choices import ACTIVE_OUTCOMES
from greenroom.customers.models import Account, ArrSnapshot, Contact, ImportRun, Outreach


@dataclass(frozen=True)
class AccountFigures:
    """An account's revenue and usage, and which system each came from."""

    arr: Decimal | None
    arr_source: str
    arr_trend: list[ArrSnapshot]
    usage: dict | None


def arr_field() -> str:
    """The Account field the finder's ARR band filters on: the CRM's ARR today; billing ARR
    replaces it when the data engine writes it onto accounts."""
    return "crm_arr"


def account_figures(*, account: Account, with_trend: bool = True) -> AccountFigures:
    """ARR (CRM until billing data exists), its trend from imports, and usage (none until
    the data engine provides it: nothing is estimated here)."""
    trend = list(account.arr_history.order_by("on")) if with_trend else []
    return AccountFigures(arr=account.crm_arr, arr_source="crm", arr_trend=trend, usage=None)


def account_list(*, workspace: Workspace, search: str = "") -> QuerySet[Account]:
    """Accounts with their place in the organisation and owners, by name."""
    rows = Account.objects.filter(workspace=workspace).select_related(
        "segment", "market", "region", "plan", "owner"
    )
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(domain__icontains=search))
    return rows.annotate(contact_count=Count("contacts")).order_by("name")


def account_get(*, workspace: Workspace, pk: int) -> Account:
    """One account of the workspace, or 404."""
    account = (
        Account.objects.filter(workspace=workspace, pk=pk)
        .select_related("segment", "market", "region", "plan", "owner", "success_manager")
        .first()
    )
    if account is None:
        raise Http404("No such account in this workspace.")
    return account


def contact_list(
    *, workspace: Workspace, search: str = "", account: Account | None = None
) -> QuerySet[Contact]:
    """Contacts (erased ones included, anonymised) with their account."""
    rows = Contact.objects.filter(workspace=workspace).select_related("account")
    if account is not None:
        rows = rows.filter(account=account)
    if search:
        words = Q(first_name__icontains=search) | Q(last_name__icontains=search)
        rows = rows.filter(words | Q(title__icontains=search) | Q(account__name__icontains=search))
    return rows.order_by("last_name", "first_name", "pk")


def contact_get(*, workspace: Workspace, pk: int) -> Contact:
    """One contact of the workspace, or 404."""
    contact = (
        Contact.objects.filter(workspace=workspace, pk=pk)
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
    rows = Outreach.objects.filter(workspace=workspace).select_related("contact", "account")
    if account is not None:
        rows = rows.filter(account=account)
    if contact is not None:
        rows = rows.filter(contact=contact)
    if study:
        rows = rows.filter(study=study)
    return rows.order_by("-at", "-id")


def outreach_get(*, workspace: Workspace, pk: int) -> Outreach:
    """One outreach of the workspace, or 404."""
    outreach = Outreach.objects.filter(workspace=workspace, pk=pk).first()
    if outreach is None:
        raise Http404("No such outreach in this workspace.")
    return outreach


def study_names(*, workspace: Workspace) -> list[str]:
    """Studies with contacts currently reserved or in progress."""
    return list(
        Outreach.objects.filter(workspace=workspace, outcome__in=ACTIVE_OUTCOMES)
        .exclude(study="")
        .values_list("study", flat=True)
        .distinct()
        .order_by("study")
    )


def import_list(*, workspace: Workspace) -> QuerySet[ImportRun]:
    """Uploaded files, newest first."""
    return ImportRun.objects.filter(workspace=workspace).select_related("created_by")


def import_get(*, workspace: Workspace, pk: int) -> ImportRun:
    """One import of the workspace, or 404."""
    run = ImportRun.objects.filter(workspace=workspace, pk=pk).first()
    if run is None:
        raise Http404("No such import in this workspace.")
    return run


def contact_audit_trail(*, workspace: Workspace, contact: Contact) -> QuerySet[AuditEvent]:
    """Every audit event about one contact: views, exports, changes."""
    return AuditEvent.objects.filter(
        workspace=workspace, object_type="customers.contact", object_id=str(contact.pk)
    ).order_by("at")
