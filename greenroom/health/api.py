"""Data health and notable changes over the API: each source's freshness, failed syncs, the
discrepancy checks between sources, and the insights feed (followed and dismissed)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Router, Schema
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.health import selectors, services
from greenroom.health.models import Finding
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination

router = Router(tags=["health"])


class SourceFreshnessOut(Schema):
    source_id: int
    name: str
    kind: str
    schedule: str
    last_synced_at: datetime | None
    state: str  # fresh, late, manual, never, failing, invalid
    age_seconds: float | None
    allowed_seconds: float | None


class FailedSyncOut(Schema):
    id: int
    source_id: int
    source: str
    status: str
    started_at: datetime
    rows_rejected: int
    message: str
    errors: list  # the first few row-level problems: file, row, field, message
    errors_total: int


class MismatchOut(Schema):
    subject: str
    account_id: int | None  # the customer account, for the CRM checks
    crm: Decimal | float | None
    billing: Decimal | float | None
    gap: Decimal | float
    detail: str


class CrmBillingOut(Schema):
    available: bool
    churned_paying: list[MismatchOut] = []
    churned_paying_count: int = 0
    customer_unbilled: list[MismatchOut] = []
    customer_unbilled_count: int = 0
    arr: list[MismatchOut] = []
    arr_count: int = 0


class PayrollOut(Schema):
    available: bool
    month: date | None = None
    rows: list[MismatchOut] = []
    count: int = 0
    other_currency: bool = False


class DiscrepanciesOut(Schema):
    crm_billing: CrmBillingOut
    payroll: PayrollOut


class NotableChangeOut(Schema):
    id: int
    kind: str
    subject: str
    period: date
    title: str
    summary: str
    metric: str
    value: float
    baseline_median: float
    z: float
    unit: str
    series: list[dict]
    found_at: datetime
    dismissed_at: datetime | None
    followed: bool

    @staticmethod
    def resolve_followed(finding: Finding) -> bool:
        return bool(getattr(finding, "followed", 0))


class FollowIn(Schema):
    follow: bool = True


class DismissIn(Schema):
    dismiss: bool = True


def _seconds(value) -> float | None:
    return None if value is None else value.total_seconds()


@router.get(
    "/sources",
    response={200: list[SourceFreshnessOut], **errors(403)},
    summary="Sources' freshness",
    operation_id="health_sources",
)
def health_sources(request: MemberRequest):
    """Each source's freshness against its schedule, worst first (docs/health.md)."""
    require(request, "view_data_health")
    return [
        {
            "source_id": row["source"].pk,
            "name": row["source"].name,
            "kind": row["source"].kind,
            "schedule": row["source"].schedule,
            "last_synced_at": row["source"].last_synced_at,
            "state": row["freshness"].state,
            "age_seconds": _seconds(row["freshness"].age),
            "allowed_seconds": _seconds(row["freshness"].allowed),
        }
        for row in selectors.source_health(workspace=request.workspace)
    ]


@router.get(
    "/failed-syncs",
    response={200: list[FailedSyncOut], **errors(403)},
    summary="Failed and rejected syncs",
    operation_id="health_failed_syncs",
)
def health_failed_syncs(request: MemberRequest):
    """Syncs of the last 30 days that failed, were rejected or loaded only part, newest
    first, with their first row-level errors."""
    require(request, "view_data_health")
    return [
        {
            "id": run.pk,
            "source_id": run.source_id,
            "source": run.source.name,
            "status": run.status,
            "started_at": run.started_at,
            "rows_rejected": run.rows_rejected,
            "message": run.message,
            "errors": list(run.errors or [])[:10],
            "errors_total": run.errors_total,
        }
        for run in selectors.failed_runs(workspace=request.workspace)
    ]


def _mismatches(rows) -> list[dict]:
    return [
        {
            "subject": m.subject,
            "account_id": m.pk,
            "crm": m.crm,
            "billing": m.billing,
            "gap": m.gap,
            "detail": m.detail,
        }
        for m in rows
    ]


@router.get(
    "/discrepancies",
    response={200: DiscrepanciesOut, **errors(403)},
    summary="Discrepancies between sources",
    operation_id="health_discrepancies",
)
def health_discrepancies(request: MemberRequest):
    """The CRM against billing (churned but paying, customers without billing, ARR gaps)
    and HR's people cost against the ledger's payroll per team: the largest ten of each
    with their count. ``available`` is false without data to compare."""
    require(request, "view_data_health")
    crm = selectors.crm_billing_checks(workspace=request.workspace)
    payroll = selectors.payroll_checks(workspace=request.workspace)
    for key in ("churned_paying", "customer_unbilled", "arr"):
        if key in crm:
            crm[key] = _mismatches(crm[key])
    if "rows" in payroll:
        payroll["rows"] = _mismatches(payroll["rows"])
    return {"crm_billing": crm, "payroll": payroll}


@router.get(
    "/insights",
    response=list[NotableChangeOut],
    summary="List notable changes",
    operation_id="list_insights",
)
@paginate(LimitOffsetPagination)
def list_insights(
    request: MemberRequest, show: Literal["open", "followed", "dismissed", "all"] = "open"
):
    """The notable changes found after each refresh, newest period first: open (not
    dismissed), followed by you, dismissed, or all."""
    require(request, "view_findings")
    return selectors.finding_list(workspace=request.workspace, user=request.user, show=show)


def _insight(request: MemberRequest, pk: int) -> Finding:
    selectors.finding_get(workspace=request.workspace, pk=pk)  # 404 outside the workspace
    rows = selectors.finding_list(workspace=request.workspace, user=request.user, show="all")
    return rows.get(pk=pk)


@router.get(
    "/insights/{pk}",
    response={200: NotableChangeOut, **errors(404)},
    summary="Get a notable change",
    operation_id="get_insight",
)
def get_insight(request: MemberRequest, pk: int):
    require(request, "view_findings")
    return _insight(request, pk)


@router.post(
    "/insights/{pk}/follow",
    response={200: NotableChangeOut, **errors(403, 404)},
    summary="Follow a notable change",
    operation_id="follow_insight",
)
def follow_insight(request: MemberRequest, pk: int, payload: FollowIn):
    """Follow a notable change (``follow: false`` stops following)."""
    require(request, "view_findings")
    finding = selectors.finding_get(workspace=request.workspace, pk=pk)
    services.finding_follow(actor=request.user, finding=finding, follow=payload.follow)
    return _insight(request, pk)


@router.post(
    "/insights/{pk}/dismiss",
    response={200: NotableChangeOut, **errors(403, 404)},
    summary="Dismiss a notable change",
    operation_id="dismiss_insight",
)
def dismiss_insight(request: MemberRequest, pk: int, payload: DismissIn):
    """Dismiss a notable change for the whole workspace (``dismiss: false`` brings it back);
    product ops and admins."""
    require(request, "dismiss_findings")
    finding = selectors.finding_get(workspace=request.workspace, pk=pk)
    services.finding_dismiss(actor=request.user, finding=finding, dismiss=payload.dismiss)
    return _insight(request, pk)
