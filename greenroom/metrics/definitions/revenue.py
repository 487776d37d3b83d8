"""Revenue metrics: MRR and ARR, their movements, retention, churn, ARPA, price realisation
and billings; revenue is a snapshot at each period's end, from the daily MRR model."""

import ibis
import ibis.expr.types as ir

from greenroom.metrics.definitions.common import (
    filtered,
    in_range,
    ordered,
    period_of,
    ratio,
    with_accounts,
)
from greenroom.metrics.definitions.registry import (
    ACCOUNT_DIMENSIONS,
    Catalog,
    Query,
    QueryError,
    metric,
)

MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation")
BILLING_SOURCES = (
    "stripe_invoices",
    "stripe_invoice_lines",
    "stripe_subscriptions",
    "stripe_prices",
    "stripe_products",
    "stripe_customers",
    "crm_accounts",
    "fx_rates",
)


def _snapshot_periods(catalog: Catalog, query: Query) -> ir.Table:
    """Each period at the grain and the day it is read at: its last day, or the last day
    refreshed for the period still running (revenue is a snapshot, not a sum)."""
    days = catalog.table("model.days").select("day")
    if query.grain == "day":
        return days.select(period=days.day, day=days.day)
    periods = days.mutate(period=period_of(days.day, query.grain))
    return periods.group_by("period").aggregate(day=periods.day.max())


def _mrr_rows(catalog: Catalog, query: Query) -> ir.Table:
    """MRR per account (and product when sliced by it) per period, with account dimensions."""
    mrr = catalog.table("model.mrr")
    mrr = mrr.select(
        "day", "account_id", "mrr", "list_mrr", "quantity", "credit_mrr", product=mrr.product_key
    )
    if set(query.by + tuple(query.where)) & set(ACCOUNT_DIMENSIONS):
        mrr = with_accounts(catalog, mrr, "account_id")
    return filtered(mrr, query)


def _revenue_series(catalog: Catalog, query: Query, lags: tuple[int, ...] = (1,)) -> ir.Table:
    """A dense series per unit (account, or account * product): this period's MRR and earlier.

    Every unit has a row for each period from its first subscription on, so a month without
    MRR is a zero that the lags can see (churn, reactivation).
    """
    summary = _revenue_summary(catalog, query, lags)
    if summary is not None:
        return summary
    periods = _snapshot_periods(catalog, query)
    unit = ["account_id", *query.by]
    values = _live_unit_mrr(catalog, query)
    units = values.group_by(unit).aggregate(first_period=values.period.min())
    grid = units.join(periods, periods.period >= units.first_period).select(*unit, "period")
    dense = grid.left_join(values, [*unit, "period"]).select(
        *[grid[name] for name in unit],
        period=grid.period,
        mrr=ibis.coalesce(values.mrr, 0.0),
        list_mrr=ibis.coalesce(values.list_mrr, 0.0),
    )
    window = ibis.window(group_by=[dense[name] for name in unit], order_by=dense.period)
    cumulative = ibis.cumulative_window(
        group_by=[dense[name] for name in unit], order_by=dense.period
    )
    paying = ibis.ifelse(dense.mrr > 0, 1, 0)
    lagged = {f"prev_{lag}": ibis.coalesce(dense.mrr.lag(lag).over(window), 0.0) for lag in lags}
    # A window sum of integers is a 128-bit integer in DuckDB, slow to store and read; Ibis
    # types it int64 and would drop a cast to int64 as a no-op.
    paid_before = (paying.sum().over(cumulative) - paying).cast("int32")
    return dense.mutate(**lagged, paid_before=paid_before)


# The refresh materialises the monthly series per account and per account * product
# (rollup.revenue_accounts, rollup.revenue_account_products) from _revenue_series itself.
SERIES_LAGS = (1, 12)


def _revenue_summary(catalog: Catalog, query: Query, lags: tuple[int, ...]) -> ir.Table | None:
    """The materialised series when it answers ``query`` exactly, else None.

    Account attributes are constant per account, so slicing or filtering the per-account
    series by them is exact; a filter on several products without slicing by product is not
    (the unit would be the account across those products), so that is computed live.
    """
    products = query.where.get("product", ())
    if query.live or query.grain != "month" or not set(lags) <= set(SERIES_LAGS):
        return None
    if len(products) > 1 and "product" not in query.by:
        return None
    per_product = "product" in query.by or bool(products)
    series = catalog.table(
        "rollup.revenue_account_products" if per_product else "rollup.revenue_accounts"
    )
    if set(query.by + tuple(query.where)) & set(ACCOUNT_DIMENSIONS):
        series = with_accounts(catalog, series, "account_id")
    return filtered(series, query)


def revenue_series_rollup(catalog: Catalog, by: tuple[str, ...]) -> ir.Table:
    """The monthly series the refresh materialises (per account, or account * product)."""
    return _revenue_series(catalog, Query(by=by, grain="month", live=True), lags=SERIES_LAGS)


def _unit_mrr(catalog: Catalog, query: Query) -> ir.Table:
    """MRR and list MRR per period and account (* product when sliced by it).

    Read from the materialised month-end series when it answers the query, else from the
    daily snapshots in model.mrr.
    """
    summary = _revenue_summary(catalog, query, lags=(1,))
    return _live_unit_mrr(catalog, query) if summary is None else summary


def _live_unit_mrr(catalog: Catalog, query: Query) -> ir.Table:
    rows = _mrr_rows(catalog, query)
    periods = _snapshot_periods(catalog, query)
    joined = rows.join(periods, rows.day == periods.day)
    return joined.group_by(["period", "account_id", *query.by]).aggregate(
        mrr=joined.mrr.sum().round(6), list_mrr=joined.list_mrr.sum().round(6)
    )


@metric(
    name="mrr",
    title="MRR",
    unit="currency",
    description=(
        "Monthly recurring revenue in force at the end of each period, in the reporting "
        "currency, after discounts, excluding trials."
    ),
    formula=(
        "sum over subscription invoice lines covering the period's last instant of "
        "(amount - discounts) / months in the billing interval"
    ),
    sources=BILLING_SOURCES,
)
def mrr(catalog: Catalog, query: Query) -> ir.Table:
    """Monthly recurring revenue in force at each period's end."""
    units = _unit_mrr(catalog, query)
    result = units.group_by(["period", *query.by]).aggregate(value=units.mrr.sum().round(6))
    return ordered(in_range(result, "period", query), query)


@metric(
    name="arr",
    title="ARR",
    unit="currency",
    description="MRR * 12.",
    formula="mrr * 12",
    sources=BILLING_SOURCES,
)
def arr(catalog: Catalog, query: Query) -> ir.Table:
    """Annual recurring revenue: MRR * 12."""
    result = mrr(catalog, query)
    return result.mutate(value=(result.value * 12).round(6))


@metric(
    name="mrr_movements",
    title="MRR movements",
    unit="currency",
    description=(
        "Change in MRR from the previous period's end, split into new, expansion, "
        "contraction, churn and reactivation."
    ),
    formula=(
        "per account (* product when sliced by product), MRR never below 0: new = MRR "
        "when the previous MRR was <= 0 and it never paid before; reactivation = the same "
        "after an earlier paid period; expansion/contraction = the difference when both "
        "are above 0; churn = -previous MRR when MRR falls to <= 0; value = the net change "
        "(their sum)"
    ),
    sources=BILLING_SOURCES,
    extra_columns=MOVEMENTS,
)
def mrr_movements(catalog: Catalog, query: Query) -> ir.Table:
    """MRR change per period split into new, expansion, contraction, churn, reactivation."""
    s = _revenue_series(catalog, query)
    cur, prev = s.mrr, s.prev_1
    # MRR is never below zero (model.mrr), so each unit is paying (> 0) or paying nothing
    # (<= 0, in fact = 0) at both ends, and exactly one case below covers any change.
    parts = {
        "new": ibis.ifelse((prev <= 0) & (cur > 0) & (s.paid_before == 0), cur, 0.0),
        "reactivation": ibis.ifelse((prev <= 0) & (cur > 0) & (s.paid_before > 0), cur, 0.0),
        "expansion": ibis.ifelse((prev > 0) & (cur > prev), cur - prev, 0.0),
        "contraction": ibis.ifelse((prev > 0) & (cur > 0) & (cur < prev), cur - prev, 0.0),
        "churn": ibis.ifelse((prev > 0) & (cur <= 0), -prev, 0.0),
    }
    summed = s.group_by(["period", *query.by]).aggregate(
        **{name: expression.sum().round(6) for name, expression in parts.items()}
    )
    summed = summed.mutate(value=sum(summed[name] for name in MOVEMENTS).round(6))
    return ordered(in_range(summed, "period", query), query)


def account_movements(catalog: Catalog, query: Query) -> ir.Table:
    """Per unit (account, * product when sliced by it) and period: its MRR at the previous
    period's end and now, and the one movement it makes, by the cases ``mrr_movements`` sums
    (so a period's amounts per movement add up to that metric's parts exactly)."""
    s = in_range(_revenue_series(catalog, query), "period", query)
    cur, prev = s.mrr, s.prev_1
    movement = ibis.cases(
        ((prev <= 0) & (cur > 0) & (s.paid_before == 0), "new"),
        ((prev <= 0) & (cur > 0) & (s.paid_before > 0), "reactivation"),
        ((prev > 0) & (cur > prev), "expansion"),
        ((prev > 0) & (cur > 0) & (cur < prev), "contraction"),
        ((prev > 0) & (cur <= 0), "churn"),
        else_=ibis.null("string"),
    )
    moved = s.mutate(movement=movement)
    moved = moved.filter(moved.movement.notnull())
    return moved.select(
        "period",
        "account_id",
        *query.by,
        previous_mrr=moved.prev_1.round(6),
        mrr=moved.mrr.round(6),
        movement=moved.movement,
        amount=(moved.mrr - moved.prev_1).round(6),
    ).order_by(["period", "account_id", *query.by])


def _retention(catalog: Catalog, query: Query, lag: int, gross: bool) -> ir.Table:
    s = _revenue_series(catalog, query, lags=(lag,))
    prev = s[f"prev_{lag}"]
    base = s.filter(prev > 0)
    kept = ibis.least(base.mrr, prev) if gross else base.mrr
    result = base.group_by(["period", *query.by]).aggregate(
        starting_mrr=prev.sum().round(6), retained_mrr=kept.sum().round(6)
    )
    result = result.mutate(value=ratio(result.retained_mrr, result.starting_mrr))
    return ordered(in_range(result, "period", query), query)


# Periods in twelve months at each grain (a year of days is 365, leap years included).
_PERIODS_PER_YEAR = {"day": 365, "week": 52, "month": 12, "quarter": 4}


def _trailing_lag(query: Query) -> int:
    return _PERIODS_PER_YEAR[query.grain]


@metric(
    name="nrr",
    title="Net revenue retention",
    unit="ratio",
    description=(
        "MRR now of the accounts that paid at the previous period's end, divided by their "
        "MRR then (expansion counts)."
    ),
    formula="Σ MRR(t) / Σ MRR(t-1) over accounts with MRR(t-1) > 0",
    sources=BILLING_SOURCES,
    extra_columns=("starting_mrr", "retained_mrr"),
)
def nrr(catalog: Catalog, query: Query) -> ir.Table:
    """Net revenue retention over one period."""
    return _retention(catalog, query, 1, gross=False)


@metric(
    name="grr",
    title="Gross revenue retention",
    unit="ratio",
    description=(
        "Like net retention, but expansion does not count: each account counts at most "
        "its previous MRR."
    ),
    formula="Σ min(MRR(t), MRR(t-1)) / Σ MRR(t-1) over accounts with MRR(t-1) > 0",
    sources=BILLING_SOURCES,
    extra_columns=("starting_mrr", "retained_mrr"),
)
def grr(catalog: Catalog, query: Query) -> ir.Table:
    """Gross revenue retention over one period."""
    return _retention(catalog, query, 1, gross=True)


@metric(
    name="nrr_12m",
    title="Net revenue retention (trailing 12 months)",
    unit="ratio",
    description="Net retention of the accounts paying twelve months earlier.",
    formula="Σ MRR(t) / Σ MRR(t-12 months) over accounts with MRR(t-12 months) > 0",
    sources=BILLING_SOURCES,
    extra_columns=("starting_mrr", "retained_mrr"),
)
def nrr_12m(catalog: Catalog, query: Query) -> ir.Table:
    """Net revenue retention over the trailing twelve months."""
    return _retention(catalog, query, _trailing_lag(query), gross=False)


@metric(
    name="grr_12m",
    title="Gross revenue retention (trailing 12 months)",
    unit="ratio",
    description="Gross retention of the accounts paying twelve months earlier.",
    formula="Σ min(MRR(t), MRR(t-12 months)) / Σ MRR(t-12 months) over accounts paying then",
    sources=BILLING_SOURCES,
    extra_columns=("starting_mrr", "retained_mrr"),
)
def grr_12m(catalog: Catalog, query: Query) -> ir.Table:
    """Gross revenue retention over the trailing twelve months."""
    return _retention(catalog, query, _trailing_lag(query), gross=True)


@metric(
    name="logo_churn",
    title="Logo churn",
    unit="ratio",
    description="Share of accounts paying at the previous period's end that pay nothing now.",
    formula="accounts with MRR(t-1) > 0 and MRR(t) <= 0 / accounts with MRR(t-1) > 0",
    sources=BILLING_SOURCES,
    extra_columns=("starting_accounts", "churned_accounts"),
)
def logo_churn(catalog: Catalog, query: Query) -> ir.Table:
    """Share of paying accounts at the start of the period that pay nothing at its end."""
    s = _revenue_series(catalog, query)
    base = s.filter(s.prev_1 > 0)
    result = base.group_by(["period", *query.by]).aggregate(
        starting_accounts=base.account_id.nunique(),
        churned_accounts=base.account_id.nunique(where=base.mrr <= 0),
    )
    result = result.mutate(value=ratio(result.churned_accounts, result.starting_accounts))
    return ordered(in_range(result, "period", query), query)


@metric(
    name="paying_accounts",
    title="Paying accounts",
    unit="count",
    description="Accounts with MRR above zero at the period's end.",
    formula="count of accounts with MRR > 0",
    sources=BILLING_SOURCES,
)
def paying_accounts(catalog: Catalog, query: Query) -> ir.Table:
    """Accounts with MRR above zero at the period's end (trials and free plans excluded)."""
    units = _unit_mrr(catalog, query)
    paying = units.filter(units.mrr > 0)
    result = paying.group_by(["period", *query.by]).aggregate(value=paying.account_id.nunique())
    return ordered(in_range(result, "period", query), query)


@metric(
    name="arpa",
    title="ARPA",
    unit="currency",
    description="Average MRR per paying account.",
    formula="MRR / paying accounts",
    sources=BILLING_SOURCES,
    extra_columns=("mrr", "accounts"),
)
def arpa(catalog: Catalog, query: Query) -> ir.Table:
    """Average MRR per paying account."""
    s = _revenue_series(catalog, query)
    paying = s.filter(s.mrr > 0)
    result = paying.group_by(["period", *query.by]).aggregate(
        mrr=paying.mrr.sum().round(6), accounts=paying.account_id.nunique()
    )
    result = result.mutate(value=ratio(result.mrr, result.accounts).round(6))
    return ordered(in_range(result, "period", query), query)


@metric(
    name="price_realisation",
    title="Price realisation",
    unit="ratio",
    description="MRR actually charged (after discounts) as a share of MRR at list prices.",
    formula="Σ MRR / Σ list-price MRR (quantity * unit amount / months in the interval)",
    sources=BILLING_SOURCES,
    extra_columns=("mrr", "list_mrr"),
)
def price_realisation(catalog: Catalog, query: Query) -> ir.Table:
    """Effective MRR (after discounts) as a share of list-price MRR."""
    units = _unit_mrr(catalog, query)
    result = units.group_by(["period", *query.by]).aggregate(
        mrr=units.mrr.sum().round(6), list_mrr=units.list_mrr.sum().round(6)
    )
    result = result.mutate(value=ratio(result.mrr, result.list_mrr))
    return ordered(in_range(result, "period", query), query)


@metric(
    name="mrr_credits",
    title="MRR credits",
    unit="currency",
    description=(
        "Credits left out of MRR: where an account's invoice lines for a product add up to "
        "less than zero at the period's end, its MRR is zero and the part below zero is "
        "counted here (zero or negative)."
    ),
    formula=(
        "sum over accounts * products of min(0, sum of their counted lines' monthly values) "
        "at the period's last instant"
    ),
    sources=BILLING_SOURCES,
)
def mrr_credits(catalog: Catalog, query: Query) -> ir.Table:
    """The monthly value of credit lines below zero, per period end (never part of MRR)."""
    rows = _mrr_rows(catalog, query)
    periods = _snapshot_periods(catalog, query)
    joined = rows.join(periods, rows.day == periods.day)
    result = joined.group_by(["period", *query.by]).aggregate(
        value=joined.credit_mrr.sum().round(6)
    )
    return ordered(in_range(result, "period", query), query)


@metric(
    name="billings",
    title="Billings",
    unit="currency",
    description=(
        "Invoiced amounts (open and paid invoices, taxes included) less credit notes, in "
        "the period issued. Refunds and credit notes change billings, never MRR."
    ),
    formula="Σ invoice total - Σ credit note total, converted at the issue date's rate",
    sources=("stripe_invoices", "stripe_credit_notes", "fx_rates", "crm_accounts"),
    dimensions=ACCOUNT_DIMENSIONS,
)
def billings(catalog: Catalog, query: Query) -> ir.Table:
    """Invoiced amounts less credit notes, in the period each was issued."""
    if "product" in query.by or "product" in query.where:
        raise QueryError("Billings are per account, not per product: drop 'product'.")
    table = catalog.table("model.billings")
    table = filtered(with_accounts(catalog, table, "account_id"), query)
    table = table.mutate(period=period_of(table.day, query.grain))
    result = table.group_by(["period", *query.by]).aggregate(value=table.amount.sum().round(6))
    return ordered(in_range(result, "period", query), query)
