"""The metrics API: list the metric definitions, and compute one metric."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination
from greenroom.metrics import selectors
from greenroom.metrics.definitions import QueryError

router = Router(tags=["metrics"])


class DefinitionOut(Schema):
    name: str
    title: str
    unit: str
    description: str
    formula: str
    sources: list[str]
    grains: list[str]
    default_grain: str
    dimensions: list[str]
    columns: list[str]
    documentation: str


class MetricQueryIn(Schema):
    by: list[str] = []
    where: list[str] = []
    grain: str | None = None
    start: date | None = None
    end: date | None = None


class FreshnessOut(Schema):
    refresh_id: str
    mode: str
    refreshed_at: datetime
    as_of: date = Field(
        description="The date the metric is computed as of: where its data ends, unless given"
    )
    as_of_given: bool = Field(False, description="Whether the refresh was asked for this date")
    data_ends: dict[str, date | None] = Field(
        {}, description="The last day each family of data (revenue, usage, cost) covers"
    )


class LineageOut(Schema):
    source: str
    table: str
    last_synced_at: datetime
    batches: int
    rows_loaded: int


class MetricOut(Schema):
    definition: DefinitionOut
    query: dict[str, Any]
    rows: list[dict[str, Any]] = Field(
        description="One per period and slice; `partial` is true for a period still running "
        "at the as-of date (its figures are to date)"
    )
    freshness: FreshnessOut
    lineage: list[LineageOut]


@router.get("/", response=list[DefinitionOut])
@paginate(LimitOffsetPagination)
def list_metrics(request: MemberRequest):
    """Every metric with its definition, formula, sources, grains and dimensions."""
    require(request, "view")
    return selectors.metric_definitions()


@router.get("/{name}", response={200: MetricOut, **errors(404)})
def get_metric(request: MemberRequest, name: str, params: Query[MetricQueryIn]):
    """One metric's rows for the slices (by), filters (where=dimension:value), grain and dates;
    a row whose period is still running at the metric's as-of date is ``partial``."""
    require(request, "view")
    try:
        result = selectors.metric(
            name,
            workspace=request.workspace,
            by=params.by,
            where=_where(params.where),
            grain=params.grain,
            period=(params.start, params.end),
        )
    except selectors.MetricsUnavailable as error:
        raise Http404(str(error)) from None
    except QueryError as error:
        raise ValidationError({"query": [str(error)]}) from None
    return result.__dict__


def _where(filters: list[str]) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for item in filters:
        dimension, separator, value = item.partition(":")
        if not separator or not dimension or not value:
            raise ValidationError(
                {"where": [f"'{item}' is not dimension:value, e.g. segment:SMB."]}
            )
        where.setdefault(dimension, []).append(value)
    return where
