"""Feedback over HTTP: create one item, send many at once (idempotent by source and source
id, all or nothing, every bad item named), list and read items, and opportunities with
their demand."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.customers import selectors as customer_selectors
from greenroom.feedback import selectors, services
from greenroom.feedback.models import FeedbackItem
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination

router = Router(tags=["feedback"])

Source = Literal["zendesk", "intercom", "salesforce", "gong", "app_review", "form", "api", "other"]


class FeedbackIn(Schema):
    source_kind: Source = "api"
    source_id: str = Field("", description="Its id in the source; empty: one is made up.")
    received_at: datetime | None = None
    title: str = ""
    text: str
    author_name: str = ""
    author_email: str = ""
    customer_ref: str = Field("", description="A CRM id of the account or contact.")
    account_id: int | None = Field(None, description="Greenroom's account id, if known.")
    source_tags: str = ""
    source_url: str = ""
    rating: int | None = Field(None, ge=0, le=10, description="Stars, e.g. 1 to 5.")


class BulkIn(Schema):
    items: list[FeedbackIn] = Field(..., max_length=10_000)


class FeedbackOut(Schema):
    id: int
    source_kind: str
    source_id: str
    received_at: datetime
    title: str
    text: str
    author_name: str
    account_id: int | None
    contact_id: int | None
    match_method: str
    status: str
    product_area_id: int | None
    duplicate_of_id: int | None


class BulkItemOut(Schema):
    index: int
    id: int
    created: bool


class BulkOut(Schema):
    created: int
    unchanged: int
    items: list[BulkItemOut]


class SegmentSplitOut(Schema):
    name: str
    accounts: int
    arr: Decimal


class OpportunityOut(Schema):
    id: int
    title: str
    description: str
    status: str
    product_area_id: int | None
    items: int
    accounts: int
    contacts: int
    arr: Decimal
    importance_score: int
    weighted_arr: Decimal
    priority: float | None
    by_segment: list[SegmentSplitOut]
    by_market: list[SegmentSplitOut]


def _record(request: MemberRequest, payload: FeedbackIn, index: int) -> dict:
    record = payload.dict()
    account_id = record.pop("account_id")
    if account_id is not None:
        # 404 for an account of another workspace, as for any id in a path.
        customer_selectors.account_get(workspace=request.workspace, pk=account_id)
        record["account_id"] = account_id
    record["received_at"] = record["received_at"] or timezone.now()
    record["source_id"] = record["source_id"] or f"api:{timezone.now().timestamp()}:{index}"
    record["_row"] = f"items[{index}]"
    return record


@router.post(
    "/items",
    response={201: FeedbackOut, 200: FeedbackOut, **errors(403, 404)},
    summary="Create a feedback item",
)
def create_item(request: MemberRequest, payload: FeedbackIn):
    """One item; sending the same source and source id again answers 200 with the item
    already there, changed in nothing."""
    require(request, "write")
    record = _record(request, payload, 0)
    record["by_actor"] = True
    ingested = services.feedback_ingest(
        actor=request.user, workspace=request.workspace, records=[record], source="api"
    )
    pk, created = ingested.items[0]
    return Status(201 if created else 200, selectors.item_get(workspace=request.workspace, pk=pk))


@router.post(
    "/items/bulk", response={200: BulkOut, **errors(403, 404)}, summary="Send many feedback items"
)
def bulk_items(request: MemberRequest, payload: BulkIn):
    """Up to 10,000 items, all or nothing: any bad item rejects the request (422) with every
    problem named by its place (``items[3].text``). Items whose source and source id are
    already here are left as they are and answered with their id."""
    require(request, "import_feedback")
    records = [_record(request, item, i) for i, item in enumerate(payload.items)]
    ingested = services.feedback_ingest(
        actor=request.user, workspace=request.workspace, records=records, source="api"
    )
    return {
        "created": ingested.report.created,
        "unchanged": ingested.report.unchanged,
        "items": [
            {"index": i, "id": pk, "created": created}
            for i, (pk, created) in enumerate(ingested.items)
        ],
    }


@router.get("/items", response=list[FeedbackOut], summary="List feedback items")
@paginate(LimitOffsetPagination)
def list_items(
    request: MemberRequest,
    q: str = "",
    source: Source | None = None,
    status: Literal["new", "triaged", "duplicate", "archived"] | None = None,
    account: int | None = None,
    area: int | None = None,
    segment: int | None = None,
    untriaged: bool = False,
    unmatched: bool = False,
):
    """Newest first, with the inbox's filters."""
    require(request, "view")
    filters = {
        "q": q,
        "source": source,
        "status": status,
        "account": account,
        "area": area,
        "segment": segment,
        "untriaged": untriaged,
        "unmatched": unmatched,
    }
    return selectors.item_list(workspace=request.workspace, filters=filters).order_by(
        "-received_at", "-pk"
    )


@router.get(
    "/items/{int:pk}", response={200: FeedbackOut, **errors(404)}, summary="Get a feedback item"
)
def get_item(request: MemberRequest, pk: int) -> FeedbackItem:
    require(request, "view")
    return selectors.item_get(workspace=request.workspace, pk=pk)


@router.get(
    "/opportunities", response=list[OpportunityOut], summary="List opportunities with their demand"
)
def list_opportunities(request: MemberRequest, status: str = ""):
    """Every opportunity (with ``status``: those in it) with its demand and priority."""
    require(request, "view")
    rows = list(selectors.opportunity_list(workspace=request.workspace, status=status))
    weights = services.weights_get(workspace=request.workspace)
    found = selectors.demand(workspace=request.workspace, opportunities=rows, weights=weights)
    return [
        {
            "id": o.pk,
            "title": o.title,
            "description": o.description,
            "status": o.status,
            "product_area_id": o.product_area_id,
            "items": found[o.pk].items,
            "accounts": found[o.pk].accounts,
            "contacts": found[o.pk].contacts,
            "arr": found[o.pk].arr,
            "importance_score": found[o.pk].score,
            "weighted_arr": found[o.pk].weighted_arr,
            "priority": found[o.pk].priority,
            "by_segment": found[o.pk].by_segment,
            "by_market": found[o.pk].by_market,
        }
        for o in rows
    ]
