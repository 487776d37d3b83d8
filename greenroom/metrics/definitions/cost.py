"""Cost and headcount metrics: team costs and FTE, shared out to the products and areas each
team owns, and a product's cost against its revenue."""

import ibis
import ibis.expr.types as ir

from greenroom.metrics.definitions.common import filtered, in_range, ordered, period_of, ratio
from greenroom.metrics.definitions.registry import Catalog, Query, metric
from greenroom.metrics.definitions.revenue import BILLING_SOURCES, mrr

# Costs belong to teams; they reach products and areas through team ownership shares.
COST_DIMENSIONS = ("team", "product", "area")
# Costs are booked per month (ledger periods, monthly accruals of loaded cost).
ACCOUNTING_GRAINS = ("month", "quarter")


def _cost_rows(catalog: Catalog, query: Query) -> ir.Table:
    """Team cost and FTE per month, shared out to the products and areas each team owns."""
    costs = catalog.table("model.team_costs")
    shares = catalog.table("model.ref_team_products")
    shares = shares.select(
        _team=shares.team, _product=shares.product_key, _area=shares.area, _weight=shares.weight
    )
    joined = costs.left_join(shares, costs.team == shares._team)
    weight = ibis.coalesce(joined._weight, 1.0)
    rows = joined.select(
        month=joined.month,
        team=joined.team,
        product=ibis.coalesce(joined._product, ibis.literal("unallocated")),
        area=ibis.coalesce(joined._area.nullif(""), ibis.literal("(whole product)")),
        fte=joined.fte * weight,
        people_cost=joined.people_cost * weight,
        ledger_cost=joined.ledger_cost * weight,
    )
    rows = filtered(rows, query)
    return rows.mutate(period=period_of(rows.month, query.grain))


@metric(
    name="cost",
    title="Cost",
    unit="currency",
    description=(
        "Loaded people cost (annual loaded cost / 12, pro rata to days employed) plus "
        "ledger costs of each team, shared out to the products and areas it owns."
    ),
    formula="Σ (people cost + ledger cost) * team's share of the product or area",
    sources=("headcount", "costs", "fx_rates"),
    grains=ACCOUNTING_GRAINS,
    dimensions=COST_DIMENSIONS,
    extra_columns=("people_cost", "ledger_cost"),
)
def cost(catalog: Catalog, query: Query) -> ir.Table:
    """Loaded people cost plus ledger costs, per team or shared out to products and areas."""
    rows = _cost_rows(catalog, query)
    result = rows.group_by(["period", *query.by]).aggregate(
        people_cost=rows.people_cost.sum().round(6),
        ledger_cost=rows.ledger_cost.sum().round(6),
    )
    result = result.mutate(value=(result.people_cost + result.ledger_cost).round(6))
    return ordered(in_range(result, "period", query), query)


@metric(
    name="headcount",
    title="Headcount (FTE)",
    unit="count",
    description=(
        "People employed at the end of the period (a quarter is read at its last month), "
        "per team or shared out to products and areas."
    ),
    formula="Σ people employed on the month's last day * team's share",
    sources=("headcount",),
    grains=ACCOUNTING_GRAINS,
    dimensions=COST_DIMENSIONS,
)
def headcount(catalog: Catalog, query: Query) -> ir.Table:
    """People employed at the period's end (FTE), per team or shared out to products."""
    rows = _cost_rows(catalog, query)
    if query.grain != "month":
        # A headcount is a snapshot: a quarter's is its last month's, not the three summed.
        last = rows.group_by("period").aggregate(last_month=rows.month.max())
        rows = rows.join(last, "period")
        rows = rows.filter(rows.month == rows.last_month)
    result = rows.group_by(["period", *query.by]).aggregate(value=rows.fte.sum().round(6))
    return ordered(in_range(result, "period", query), query)


def _per_product(catalog: Catalog, query: Query, column: str) -> ir.Table:
    costs = _cost_rows(catalog, query)
    costs = costs.group_by(["period", "product"]).aggregate(
        cost=(costs.people_cost + costs.ledger_cost).sum().round(6), fte=costs.fte.sum().round(6)
    )
    revenue = mrr(catalog, Query(("product",), query.where, query.grain))
    joined = costs.join(revenue, ["period", "product"])
    result = joined.select(
        "period",
        "product",
        cost=joined.cost,
        fte=joined.fte,
        mrr=joined.value,
        value=ratio(joined.cost, joined.value)
        if column == "cost"
        else ratio(joined.value * 12, joined.fte),
    )
    return in_range(result, "period", query).order_by(["period", "product"])


@metric(
    name="cost_to_revenue",
    title="Cost-to-revenue ratio",
    unit="ratio",
    description="A product's monthly cost (its owning teams' shares) divided by its MRR.",
    formula="cost(product) / MRR(product)",
    sources=("headcount", "costs", *BILLING_SOURCES),
    grains=("month",),
    dimensions=("product",),
    extra_columns=("cost", "fte", "mrr"),
)
def cost_to_revenue(catalog: Catalog, query: Query) -> ir.Table:
    """A product's monthly cost divided by its MRR."""
    return _per_product(catalog, query, "cost")


@metric(
    name="revenue_per_fte",
    title="Revenue per FTE",
    unit="currency",
    description="A product's ARR divided by the FTE of the teams working on it.",
    formula="ARR(product) / FTE(product)",
    sources=("headcount", "costs", *BILLING_SOURCES),
    grains=("month",),
    dimensions=("product",),
    extra_columns=("cost", "fte", "mrr"),
)
def revenue_per_fte(catalog: Catalog, query: Query) -> ir.Table:
    """A product's ARR divided by the FTE working on it."""
    return _per_product(catalog, query, "fte")
