"""Every metric, defined once, as Ibis expressions over the model and rollup tables.

The same expressions run on DuckDB (the default store), PostgreSQL and Spark: nothing here
knows which engine it compiles for. Formulas and edge cases are documented for users in
docs/metrics.md; keep the two in step.

A metric answers a ``Query`` (slice by dimensions, filter, grain, date range) with a tidy
table: one row per period and slice, the number in ``value`` and, for some metrics, the parts
it was computed from.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import pyarrow as pa

DIMENSIONS = ("product", "segment", "market", "region", "plan")
ACCOUNT_DIMENSIONS = ("segment", "market", "region", "plan")
# Costs belong to teams; they reach products and areas through team ownership shares.
COST_DIMENSIONS = ("team", "product", "area")
GRAINS = ("day", "week", "month", "quarter")
_TRUNCATE = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}
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
USAGE_SOURCES = ("events", "crm_accounts", "stripe_customers")


class QueryError(ValueError):
    """A metric was asked for something it cannot answer; the message says what to ask."""


@dataclass(frozen=True)
class Query:
    """What to compute: slices, filters (dimension → allowed values), grain and dates."""

    by: tuple[str, ...] = ()
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)
    grain: str = "month"
    start: date | None = None
    end: date | None = None
    # True while the refresh builds the summary rollups from these same definitions.
    live: bool = False


class Catalog:
    """The model and rollup tables on one Ibis backend (DuckDB, PostgreSQL, Spark...)."""

    def __init__(self, backend: ibis.BaseBackend, schemas: dict[str, str] | None = None) -> None:
        self.backend = backend
        # On a warehouse each workspace's "model" and "rollup" have names of their own.
        self.schemas = schemas or {}
        self._tables: dict[str, ir.Table] = {}

    def table(self, qualified: str) -> ir.Table:
        # Each lookup asks the engine for the table's schema: once per catalog is enough.
        if qualified not in self._tables:
            schema, name = qualified.split(".")
            database = self.schemas.get(schema, schema)
            self._tables[qualified] = self.backend.table(name, database=database)
        return self._tables[qualified]


@dataclass(frozen=True)
class Metric:
    """A named metric: what it means, where it comes from, and how to compute it."""

    name: str
    title: str
    unit: str  # "currency", "count", "ratio"
    description: str
    formula: str
    sources: tuple[str, ...]
    grains: tuple[str, ...]
    compute: Callable[[Catalog, Query], ir.Table]
    default_grain: str = "month"
    dimensions: tuple[str, ...] = DIMENSIONS
    extra_columns: tuple[str, ...] = ()

    def definition(self) -> dict:
        """The metric's definition as plain data (for the API, the page and results)."""
        return {
            "name": self.name,
            "title": self.title,
            "unit": self.unit,
            "description": self.description,
            "formula": self.formula,
            "sources": list(self.sources),
            "grains": list(self.grains),
            "default_grain": self.default_grain,
            "dimensions": list(self.dimensions),
            "columns": ["period", "<by...>", *self.extra_columns, "value"],
            "documentation": f"docs/metrics.md#{self.name.replace('_', '-')}",
        }


# --- shared pieces -------------------------------------------------------------------------


def _with_accounts(catalog: Catalog, table: ir.Table, account_column: str) -> ir.Table:
    """Add the account's id and its segment, market, region and plan ('unknown' if none)."""
    keys = catalog.table("model.account_keys")
    keys = keys.select(_key=keys.key, _mapped=keys.account_id)
    accounts = catalog.table("model.accounts")
    accounts = accounts.select(
        _account=accounts.account_id,
        **{f"_{dim}": accounts[dim] for dim in ACCOUNT_DIMENSIONS},
    )
    mapping = keys.left_join(accounts, keys._mapped == accounts._account).select(
        "_key", "_mapped", *[f"_{dim}" for dim in ACCOUNT_DIMENSIONS]
    )
    own = [name for name in table.columns if name != "account_id"]
    joined = table.left_join(mapping, table[account_column] == mapping._key)
    return joined.select(
        *own,
        account_id=ibis.coalesce(joined._mapped, joined[account_column]),
        **{
            dim: ibis.coalesce(joined[f"_{dim}"], ibis.literal("unknown"))
            for dim in ACCOUNT_DIMENSIONS
        },
    )


def _period_of(day: ir.DateValue, grain: str) -> ir.DateValue:
    """The first day of the period at ``grain`` that ``day`` falls in.

    Engines truncate a date to a timestamp (DuckDB) or a date: the casts make it a date on
    every engine, which Ibis would drop as a no-op if there were only one.
    """
    return day.truncate(_TRUNCATE[grain]).cast("timestamp").cast("date")


def period_after(day: date, grain: str) -> date:
    """The first day of the period after the one ``day`` falls in."""
    if grain == "day":
        return day + timedelta(days=1)
    if grain == "week":
        return day + timedelta(days=7 - day.weekday())
    months = {"month": 1, "quarter": 3}[grain]
    first = (day.month - 1) // months * months  # months since January, period-aligned
    year, month = divmod(first + months, 12)
    return date(day.year + year, month + 1, 1)


def _filter(table: ir.Table, query: Query) -> ir.Table:
    for dim, values in query.where.items():
        table = table.filter(table[dim].isin(list(values)))
    return table


def _in_range(table: ir.Table, column: str, query: Query) -> ir.Table:
    if query.start is not None:
        table = table.filter(table[column] >= query.start)
    if query.end is not None:
        table = table.filter(table[column] <= query.end)
    return table


def _ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.NumericValue:
    return (numerator.cast("float64") / denominator.cast("float64").nullif(0.0)).round(6)


def _order(table: ir.Table, query: Query, *first: str) -> ir.Table:
    return table.order_by(["period", *first, *query.by])


# --- revenue -------------------------------------------------------------------------------


def _snapshot_periods(catalog: Catalog, query: Query) -> ir.Table:
    """Each period at the grain and the day it is read at: its last day, or the last day
    refreshed for the period still running (revenue is a snapshot, not a sum)."""
    days = catalog.table("model.days").select("day")
    if query.grain == "day":
        return days.select(period=days.day, day=days.day)
    periods = days.mutate(period=_period_of(days.day, query.grain))
    return periods.group_by("period").aggregate(day=periods.day.max())


def _mrr_rows(catalog: Catalog, query: Query) -> ir.Table:
    """MRR per account (and product when sliced by it) per period, with account dimensions."""
    mrr = catalog.table("model.mrr")
    mrr = mrr.select("day", "account_id", "mrr", "list_mrr", "quantity", product=mrr.product_key)
    if set(query.by + tuple(query.where)) & set(ACCOUNT_DIMENSIONS):
        mrr = _with_accounts(catalog, mrr, "account_id")
    return _filter(mrr, query)


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
        series = _with_accounts(catalog, series, "account_id")
    return _filter(series, query)


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


def mrr(catalog: Catalog, query: Query) -> ir.Table:
    """Monthly recurring revenue in force at each period's end."""
    units = _unit_mrr(catalog, query)
    result = units.group_by(["period", *query.by]).aggregate(value=units.mrr.sum().round(6))
    return _order(_in_range(result, "period", query), query)


def arr(catalog: Catalog, query: Query) -> ir.Table:
    """Annual recurring revenue: MRR * 12."""
    result = mrr(catalog, query)
    return result.mutate(value=(result.value * 12).round(6))


def mrr_movements(catalog: Catalog, query: Query) -> ir.Table:
    """MRR change per period split into new, expansion, contraction, churn, reactivation."""
    s = _revenue_series(catalog, query)
    cur, prev = s.mrr, s.prev_1
    parts = {
        "new": ibis.ifelse((prev == 0) & (cur > 0) & (s.paid_before == 0), cur, 0.0),
        "reactivation": ibis.ifelse((prev == 0) & (cur > 0) & (s.paid_before > 0), cur, 0.0),
        "expansion": ibis.ifelse((prev > 0) & (cur > prev), cur - prev, 0.0),
        "contraction": ibis.ifelse((prev > 0) & (cur > 0) & (cur < prev), cur - prev, 0.0),
        "churn": ibis.ifelse((prev > 0) & (cur == 0), -prev, 0.0),
    }
    summed = s.group_by(["period", *query.by]).aggregate(
        **{name: expression.sum().round(6) for name, expression in parts.items()}
    )
    summed = summed.mutate(value=sum(summed[name] for name in MOVEMENTS).round(6))
    return _order(_in_range(summed, "period", query), query)


def _retention(catalog: Catalog, query: Query, lag: int, gross: bool) -> ir.Table:
    s = _revenue_series(catalog, query, lags=(lag,))
    prev = s[f"prev_{lag}"]
    base = s.filter(prev > 0)
    kept = ibis.least(base.mrr, prev) if gross else base.mrr
    result = base.group_by(["period", *query.by]).aggregate(
        starting_mrr=prev.sum().round(6), retained_mrr=kept.sum().round(6)
    )
    result = result.mutate(value=_ratio(result.retained_mrr, result.starting_mrr))
    return _order(_in_range(result, "period", query), query)


# Periods in twelve months at each grain (a year of days is 365, leap years included).
_PERIODS_PER_YEAR = {"day": 365, "week": 52, "month": 12, "quarter": 4}


def _trailing_lag(query: Query) -> int:
    return _PERIODS_PER_YEAR[query.grain]


def nrr(catalog: Catalog, query: Query) -> ir.Table:
    """Net revenue retention over one period."""
    return _retention(catalog, query, 1, gross=False)


def grr(catalog: Catalog, query: Query) -> ir.Table:
    """Gross revenue retention over one period."""
    return _retention(catalog, query, 1, gross=True)


def nrr_12m(catalog: Catalog, query: Query) -> ir.Table:
    """Net revenue retention over the trailing twelve months."""
    return _retention(catalog, query, _trailing_lag(query), gross=False)


def grr_12m(catalog: Catalog, query: Query) -> ir.Table:
    """Gross revenue retention over the trailing twelve months."""
    return _retention(catalog, query, _trailing_lag(query), gross=True)


def logo_churn(catalog: Catalog, query: Query) -> ir.Table:
    """Share of paying accounts at the start of the period that pay nothing at its end."""
    s = _revenue_series(catalog, query)
    base = s.filter(s.prev_1 > 0)
    result = base.group_by(["period", *query.by]).aggregate(
        starting_accounts=base.account_id.nunique(),
        churned_accounts=base.account_id.nunique(where=base.mrr == 0),
    )
    result = result.mutate(value=_ratio(result.churned_accounts, result.starting_accounts))
    return _order(_in_range(result, "period", query), query)


def paying_accounts(catalog: Catalog, query: Query) -> ir.Table:
    """Accounts with MRR above zero at the period's end (trials and free plans excluded)."""
    units = _unit_mrr(catalog, query)
    paying = units.filter(units.mrr > 0)
    result = paying.group_by(["period", *query.by]).aggregate(value=paying.account_id.nunique())
    return _order(_in_range(result, "period", query), query)


def arpa(catalog: Catalog, query: Query) -> ir.Table:
    """Average MRR per paying account."""
    s = _revenue_series(catalog, query)
    paying = s.filter(s.mrr > 0)
    result = paying.group_by(["period", *query.by]).aggregate(
        mrr=paying.mrr.sum().round(6), accounts=paying.account_id.nunique()
    )
    result = result.mutate(value=_ratio(result.mrr, result.accounts).round(6))
    return _order(_in_range(result, "period", query), query)


def price_realisation(catalog: Catalog, query: Query) -> ir.Table:
    """Effective MRR (after discounts) as a share of list-price MRR."""
    units = _unit_mrr(catalog, query)
    result = units.group_by(["period", *query.by]).aggregate(
        mrr=units.mrr.sum().round(6), list_mrr=units.list_mrr.sum().round(6)
    )
    result = result.mutate(value=_ratio(result.mrr, result.list_mrr))
    return _order(_in_range(result, "period", query), query)


def billings(catalog: Catalog, query: Query) -> ir.Table:
    """Invoiced amounts less credit notes, in the period each was issued."""
    if "product" in query.by or "product" in query.where:
        raise QueryError("Billings are per account, not per product: drop 'product'.")
    table = catalog.table("model.billings")
    table = _filter(_with_accounts(catalog, table, "account_id"), query)
    table = table.mutate(period=_period_of(table.day, query.grain))
    result = table.group_by(["period", *query.by]).aggregate(value=table.amount.sum().round(6))
    return _order(_in_range(result, "period", query), query)


# --- usage ---------------------------------------------------------------------------------


_ACTIVITY_TABLES = {
    # (kind, grain) → rollup table and its date column; quarters are summed from months.
    ("user", "day"): ("user_days", "day"),
    ("user", "week"): ("user_weeks", "week"),
    ("user", "month"): ("user_months", "month"),
    ("user", "quarter"): ("user_months", "month"),
    ("feature", "day"): ("feature_days", "day"),
    ("feature", "week"): ("feature_days", "day"),
    ("feature", "month"): ("feature_months", "month"),
    ("feature", "quarter"): ("feature_months", "month"),
}


def _activity(catalog: Catalog, query: Query, kind: str = "user", accounts: bool = False):
    """Activity rows at the query's grain, with product and (if needed) account dimensions."""
    name, column = _ACTIVITY_TABLES[(kind, query.grain)]
    table = catalog.table(f"rollup.{name}")
    # The same range on the stored date first: engines skip stored blocks outside it.
    if query.start is not None:
        table = table.filter(table[column] >= query.start)
    if query.end is not None:
        table = table.filter(table[column] < period_after(query.end, query.grain))
    table = table.mutate(
        period=_period_of(table[column], query.grain),
        product=table.product_key,
    )
    if (
        accounts
        or kind == "feature"
        or set(query.by + tuple(query.where)) & set(ACCOUNT_DIMENSIONS)
    ):
        table = _with_accounts(catalog, table, "account_key")
    return _in_range(_filter(table, query), "period", query)


# Single-dimension slices the refresh pre-counts (rollup.active_counts); '*' is no slice.
# Days and weeks are many: for them only the total and per product, what dashboards chart.
COUNTED_SLICES = {
    "day": ("*", "product"),
    "week": ("*", "product"),
    "month": ("*", *DIMENSIONS),
    "quarter": ("*", *DIMENSIONS),
}


def _counts_summary(catalog: Catalog, query: Query, metric: str) -> ir.Table | None:
    """Pre-computed distinct counts (rollup.active_counts) when they answer ``query``.

    The refresh stores, per grain and period, the count over everything and per member of
    each single dimension, so a query sliced and filtered by at most one dimension (filtered
    to one member unless also sliced by it) reads them directly.
    """
    dimensions = set(query.by) | set(query.where)
    if query.live or len(dimensions) > 1:
        return None
    dimension = dimensions.pop() if dimensions else "*"
    if dimension not in COUNTED_SLICES[query.grain]:
        return None
    members = query.where.get(dimension, ())
    if len(members) > 1 and dimension not in query.by:
        return None
    counts = catalog.table("rollup.active_counts")
    counts = counts.filter(
        (counts.metric == metric) & (counts.grain == query.grain) & (counts.dimension == dimension)
    )
    if members:
        counts = counts.filter(counts.member.isin(list(members)))
    counts = _in_range(counts, "period", query)
    return _order(
        counts.select("period", **{dim: counts.member for dim in query.by}, value=counts.value),
        query,
    )


def active_counts_rollup(
    catalog: Catalog, metric: str, grain: str, dimension: str, start: date, end: date
) -> ir.Table:
    """Rows of rollup.active_counts for one metric, grain and slice, over a date range."""
    by = () if dimension == "*" else (dimension,)
    query = Query(by=by, grain=grain, start=start, end=end, live=True)
    table = METRICS[metric].compute(catalog, query)
    return table.select(
        metric=ibis.literal(metric),
        grain=ibis.literal(grain),
        period=table.period,
        dimension=ibis.literal(dimension),
        member=table[dimension] if by else ibis.literal("*"),
        value=table.value.cast("int64"),
    )


def active_users(catalog: Catalog, query: Query) -> ir.Table:
    """Distinct users active in each period (DAU at day grain, WAU at week, MAU at month)."""
    summary = _counts_summary(catalog, query, "active_users")
    if summary is not None:
        return summary
    table = _activity(catalog, query)
    result = table.group_by(["period", *query.by]).aggregate(value=table.user_key.nunique())
    return _order(result, query)


def _fixed_grain(grain: str) -> Callable[[Catalog, Query], ir.Table]:
    def compute(catalog: Catalog, query: Query) -> ir.Table:
        if query.grain != grain:
            raise QueryError(f"This metric is counted per {grain}; use active_users for others.")
        return active_users(catalog, query)

    return compute


def active_accounts(catalog: Catalog, query: Query) -> ir.Table:
    """Distinct accounts with an active user in each period."""
    summary = _counts_summary(catalog, query, "active_accounts")
    if summary is not None:
        return summary
    table = _activity(catalog, query, accounts=True)
    table = table.filter(table.account_key.notnull())
    result = table.group_by(["period", *query.by]).aggregate(value=table.account_id.nunique())
    return _order(result, query)


def events(catalog: Catalog, query: Query) -> ir.Table:
    """Distinct events (after removing duplicate deliveries) in each period."""
    table = _activity(catalog, query)
    result = table.group_by(["period", *query.by]).aggregate(value=table.events.sum())
    return _order(result, query)


def stickiness(catalog: Catalog, query: Query) -> ir.Table:
    """Average daily active users over the period divided by the period's active users."""
    if query.grain == "day":
        raise QueryError("Stickiness compares days with a longer period: use week or month.")
    daily = _activity(catalog, Query(query.by, query.where, "day", query.start, query.end))
    daily = daily.mutate(period=_period_of(daily.day, query.grain))
    per_day = daily.group_by(["period", "day", *query.by]).aggregate(dau=daily.user_key.nunique())
    all_days = daily.group_by("period").aggregate(days=daily.day.nunique())
    summed = per_day.group_by(["period", *query.by]).aggregate(user_days=per_day.dau.sum())
    period_users = active_users(catalog, query)
    joined = summed.join(all_days, "period").join(period_users, ["period", *query.by])
    result = joined.select(
        "period",
        *query.by,
        average_dau=_ratio(joined.user_days, joined.days),
        active_users=joined.value,
        value=_ratio(joined.user_days / joined.days.cast("float64"), joined.value),
    )
    return _order(result, query)


def feature_adoption(catalog: Catalog, query: Query) -> ir.Table:
    """Share of a product's active accounts that used a feature in the period."""
    by = tuple(dict.fromkeys(("product", *query.by)))
    sliced = Query(by, query.where, query.grain, query.start, query.end)
    features = _activity(catalog, sliced, kind="feature")
    features = features.filter(features.account_key.notnull())
    using = features.group_by(["period", "feature", *by]).aggregate(
        accounts_using=features.account_id.nunique()
    )
    active = active_accounts(catalog, sliced).rename(active_accounts="value")
    joined = using.join(active, ["period", *by])
    result = joined.select(
        "period",
        *by,
        "feature",
        "accounts_using",
        "active_accounts",
        value=_ratio(joined.accounts_using, joined.active_accounts),
    )
    return result.order_by(["period", *by, "feature"])


def _retention_cohorts(catalog: Catalog, query: Query, entity: str) -> ir.Table:
    if query.grain != "week":
        raise QueryError("Retention cohorts are weekly: ask for grain 'week'.")
    weeks = _activity(
        catalog, Query(query.by, query.where, "week"), accounts=entity == "account_id"
    )
    if entity == "account_id":
        weeks = weeks.filter(weeks.account_key.notnull())
    key = [entity, *query.by]
    active = weeks.select(*key, "period").distinct()
    firsts = active.group_by(key).aggregate(cohort=active.period.min())
    joined = active.join(firsts, key)
    joined = joined.mutate(
        weeks_since=(joined.period.delta(joined.cohort, unit="day") / 7).cast("int64")
    )
    counts = joined.group_by(["cohort", "weeks_since", *query.by]).aggregate(
        retained=joined[entity].nunique()
    )
    sizes = counts.filter(counts.weeks_since == 0).select(
        "cohort", *query.by, cohort_size=counts.retained
    )
    result = counts.join(sizes, ["cohort", *query.by])
    result = result.select(
        period=result.cohort,
        weeks_since=result.weeks_since,
        **{dim: result[dim] for dim in query.by},
        cohort_size=result.cohort_size,
        retained=result.retained,
        value=_ratio(result.retained, result.cohort_size),
    )
    result = _in_range(result, "period", query)
    return result.order_by(["period", "weeks_since", *query.by])


def user_retention(catalog: Catalog, query: Query) -> ir.Table:
    """Weekly cohorts of users by first week seen: share still active N weeks later."""
    return _retention_cohorts(catalog, query, "user_key")


def account_retention(catalog: Catalog, query: Query) -> ir.Table:
    """Weekly cohorts of accounts by first week seen: share still active N weeks later."""
    return _retention_cohorts(catalog, query, "account_id")


# --- cost and headcount --------------------------------------------------------------------


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
    rows = _filter(rows, query)
    return rows.mutate(period=_period_of(rows.month, query.grain))


def cost(catalog: Catalog, query: Query) -> ir.Table:
    """Loaded people cost plus ledger costs, per team or shared out to products and areas."""
    rows = _cost_rows(catalog, query)
    result = rows.group_by(["period", *query.by]).aggregate(
        people_cost=rows.people_cost.sum().round(6),
        ledger_cost=rows.ledger_cost.sum().round(6),
    )
    result = result.mutate(value=(result.people_cost + result.ledger_cost).round(6))
    return _order(_in_range(result, "period", query), query)


def headcount(catalog: Catalog, query: Query) -> ir.Table:
    """People employed at the period's end (FTE), per team or shared out to products."""
    rows = _cost_rows(catalog, query)
    if query.grain != "month":
        # A headcount is a snapshot: a quarter's is its last month's, not the three summed.
        last = rows.group_by("period").aggregate(last_month=rows.month.max())
        rows = rows.join(last, "period")
        rows = rows.filter(rows.month == rows.last_month)
    result = rows.group_by(["period", *query.by]).aggregate(value=rows.fte.sum().round(6))
    return _order(_in_range(result, "period", query), query)


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
        value=_ratio(joined.cost, joined.value)
        if column == "cost"
        else _ratio(joined.value * 12, joined.fte),
    )
    return _in_range(result, "period", query).order_by(["period", "product"])


def cost_to_revenue(catalog: Catalog, query: Query) -> ir.Table:
    """A product's monthly cost divided by its MRR."""
    return _per_product(catalog, query, "cost")


def revenue_per_fte(catalog: Catalog, query: Query) -> ir.Table:
    """A product's ARR divided by the FTE working on it."""
    return _per_product(catalog, query, "fte")


# --- the register --------------------------------------------------------------------------

_ALL_GRAINS = GRAINS
# Costs are booked per month (ledger periods, monthly accruals of loaded cost).
_ACCOUNTING_GRAINS = ("month", "quarter")

METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric(
            "mrr",
            "MRR",
            "currency",
            "Monthly recurring revenue in force at the end of each period, in the reporting "
            "currency, after discounts, excluding trials.",
            "sum over subscription invoice lines covering the period's last instant of "
            "(amount - discounts) / months in the billing interval",
            BILLING_SOURCES,
            _ALL_GRAINS,
            mrr,
        ),
        Metric(
            "arr", "ARR", "currency", "MRR * 12.", "mrr * 12", BILLING_SOURCES, _ALL_GRAINS, arr
        ),
        Metric(
            "mrr_movements",
            "MRR movements",
            "currency",
            "Change in MRR from the previous period's end, split into new, expansion, "
            "contraction, churn and reactivation.",
            "per account (* product when sliced by product): new = MRR when the previous "
            "period was 0 and it never paid before; reactivation = the same after an earlier "
            "paid period; expansion/contraction = the difference when both are above 0; "
            "churn = -previous MRR when it falls to 0; value = the net change (their sum)",
            BILLING_SOURCES,
            _ALL_GRAINS,
            mrr_movements,
            extra_columns=MOVEMENTS,
        ),
        Metric(
            "nrr",
            "Net revenue retention",
            "ratio",
            "MRR now of the accounts that paid at the previous period's end, divided by their "
            "MRR then (expansion counts).",
            "Σ MRR(t) / Σ MRR(t-1) over accounts with MRR(t-1) > 0",
            BILLING_SOURCES,
            _ALL_GRAINS,
            nrr,
            extra_columns=("starting_mrr", "retained_mrr"),
        ),
        Metric(
            "grr",
            "Gross revenue retention",
            "ratio",
            "Like net retention, but expansion does not count: each account counts at most "
            "its previous MRR.",
            "Σ min(MRR(t), MRR(t-1)) / Σ MRR(t-1) over accounts with MRR(t-1) > 0",
            BILLING_SOURCES,
            _ALL_GRAINS,
            grr,
            extra_columns=("starting_mrr", "retained_mrr"),
        ),
        Metric(
            "nrr_12m",
            "Net revenue retention (trailing 12 months)",
            "ratio",
            "Net retention of the accounts paying twelve months earlier.",
            "Σ MRR(t) / Σ MRR(t-12 months) over accounts with MRR(t-12 months) > 0",
            BILLING_SOURCES,
            _ALL_GRAINS,
            nrr_12m,
            extra_columns=("starting_mrr", "retained_mrr"),
        ),
        Metric(
            "grr_12m",
            "Gross revenue retention (trailing 12 months)",
            "ratio",
            "Gross retention of the accounts paying twelve months earlier.",
            "Σ min(MRR(t), MRR(t-12 months)) / Σ MRR(t-12 months) over accounts paying then",
            BILLING_SOURCES,
            _ALL_GRAINS,
            grr_12m,
            extra_columns=("starting_mrr", "retained_mrr"),
        ),
        Metric(
            "logo_churn",
            "Logo churn",
            "ratio",
            "Share of accounts paying at the previous period's end that pay nothing now.",
            "accounts with MRR(t-1) > 0 and MRR(t) = 0 / accounts with MRR(t-1) > 0",
            BILLING_SOURCES,
            _ALL_GRAINS,
            logo_churn,
            extra_columns=("starting_accounts", "churned_accounts"),
        ),
        Metric(
            "paying_accounts",
            "Paying accounts",
            "count",
            "Accounts with MRR above zero at the period's end.",
            "count of accounts with MRR > 0",
            BILLING_SOURCES,
            _ALL_GRAINS,
            paying_accounts,
        ),
        Metric(
            "arpa",
            "ARPA",
            "currency",
            "Average MRR per paying account.",
            "MRR / paying accounts",
            BILLING_SOURCES,
            _ALL_GRAINS,
            arpa,
            extra_columns=("mrr", "accounts"),
        ),
        Metric(
            "price_realisation",
            "Price realisation",
            "ratio",
            "MRR actually charged (after discounts) as a share of MRR at list prices.",
            "Σ MRR / Σ list-price MRR (quantity * unit amount / months in the interval)",
            BILLING_SOURCES,
            _ALL_GRAINS,
            price_realisation,
            extra_columns=("mrr", "list_mrr"),
        ),
        Metric(
            "billings",
            "Billings",
            "currency",
            "Invoiced amounts (open and paid invoices, taxes included) less credit notes, in "
            "the period issued. Refunds and credit notes change billings, never MRR.",
            "Σ invoice total - Σ credit note total, converted at the issue date's rate",
            ("stripe_invoices", "stripe_credit_notes", "fx_rates", "crm_accounts"),
            _ALL_GRAINS,
            billings,
            dimensions=ACCOUNT_DIMENSIONS,
        ),
        Metric(
            "active_users",
            "Active users",
            "count",
            "Distinct users with at least one event in the period (DAU at day grain, WAU at "
            "week, MAU at month).",
            "count distinct user id (or anonymous id) with an event in the period",
            USAGE_SOURCES,
            _ALL_GRAINS,
            active_users,
        ),
        Metric(
            "dau",
            "DAU",
            "count",
            "Distinct users active each UTC day.",
            "active_users at day grain",
            USAGE_SOURCES,
            ("day",),
            _fixed_grain("day"),
            default_grain="day",
        ),
        Metric(
            "wau",
            "WAU",
            "count",
            "Distinct users active each week (Monday to Sunday).",
            "active_users at week grain",
            USAGE_SOURCES,
            ("week",),
            _fixed_grain("week"),
            default_grain="week",
        ),
        Metric(
            "mau",
            "MAU",
            "count",
            "Distinct users active each calendar month.",
            "active_users at month grain",
            USAGE_SOURCES,
            ("month",),
            _fixed_grain("month"),
        ),
        Metric(
            "active_accounts",
            "Active accounts",
            "count",
            "Distinct accounts with at least one active user in the period.",
            "count distinct account with an event in the period",
            USAGE_SOURCES,
            _ALL_GRAINS,
            active_accounts,
        ),
        Metric(
            "events",
            "Events",
            "count",
            "Events in the period after removing duplicate deliveries.",
            "count distinct event id per day, summed",
            USAGE_SOURCES,
            _ALL_GRAINS,
            events,
        ),
        Metric(
            "stickiness",
            "Stickiness (DAU/MAU)",
            "ratio",
            "Average daily active users divided by the period's active users.",
            "(Σ daily active users / days with activity) / active users in the period",
            USAGE_SOURCES,
            ("week", "month", "quarter"),
            stickiness,
            extra_columns=("average_dau", "active_users"),
        ),
        Metric(
            "feature_adoption",
            "Feature adoption",
            "ratio",
            "Share of a product's active accounts that used each feature in the period.",
            "accounts with an event of the feature / accounts active in the product",
            USAGE_SOURCES,
            _ALL_GRAINS,
            feature_adoption,
            extra_columns=("feature", "accounts_using", "active_accounts"),
        ),
        Metric(
            "user_retention",
            "User retention (weekly cohorts)",
            "ratio",
            "Users grouped by the week they were first seen; share active N weeks later.",
            "active users of the cohort in week N / cohort size",
            USAGE_SOURCES,
            ("week",),
            user_retention,
            default_grain="week",
            extra_columns=("weeks_since", "cohort_size", "retained"),
        ),
        Metric(
            "account_retention",
            "Account retention (weekly cohorts)",
            "ratio",
            "Accounts grouped by the week they were first seen; share active N weeks later.",
            "active accounts of the cohort in week N / cohort size",
            USAGE_SOURCES,
            ("week",),
            account_retention,
            default_grain="week",
            extra_columns=("weeks_since", "cohort_size", "retained"),
        ),
        Metric(
            "cost",
            "Cost",
            "currency",
            "Loaded people cost (annual loaded cost / 12, pro rata to days employed) plus "
            "ledger costs of each team, shared out to the products and areas it owns.",
            "Σ (people cost + ledger cost) * team's share of the product or area",
            ("headcount", "costs", "fx_rates"),
            _ACCOUNTING_GRAINS,
            cost,
            dimensions=COST_DIMENSIONS,
            extra_columns=("people_cost", "ledger_cost"),
        ),
        Metric(
            "headcount",
            "Headcount (FTE)",
            "count",
            "People employed at the end of the period (a quarter is read at its last month), "
            "per team or shared out to products and areas.",
            "Σ people employed on the month's last day * team's share",
            ("headcount",),
            _ACCOUNTING_GRAINS,
            headcount,
            dimensions=COST_DIMENSIONS,
        ),
        Metric(
            "cost_to_revenue",
            "Cost-to-revenue ratio",
            "ratio",
            "A product's monthly cost (its owning teams' shares) divided by its MRR.",
            "cost(product) / MRR(product)",
            ("headcount", "costs", *BILLING_SOURCES),
            ("month",),
            cost_to_revenue,
            dimensions=("product",),
            extra_columns=("cost", "fte", "mrr"),
        ),
        Metric(
            "revenue_per_fte",
            "Revenue per FTE",
            "currency",
            "A product's ARR divided by the FTE of the teams working on it.",
            "ARR(product) / FTE(product)",
            ("headcount", "costs", *BILLING_SOURCES),
            ("month",),
            revenue_per_fte,
            dimensions=("product",),
            extra_columns=("cost", "fte", "mrr"),
        ),
    )
}


def expression(catalog: Catalog, name: str, query: Query) -> ir.Table:
    """The Ibis expression computing metric ``name`` for ``query`` (validated first)."""
    metric = METRICS.get(name)
    if metric is None:
        raise QueryError(f"Unknown metric '{name}'. Known: {', '.join(sorted(METRICS))}.")
    if query.grain not in metric.grains:
        raise QueryError(
            f"{name} is available at grain {', '.join(metric.grains)}, not '{query.grain}'."
        )
    for dim in (*query.by, *query.where):
        if dim not in metric.dimensions:
            raise QueryError(
                f"{name} cannot be sliced by '{dim}'; use {', '.join(metric.dimensions)}."
            )
    if len(set(query.by)) != len(query.by):
        raise QueryError("Each dimension may appear once in 'by'.")
    return metric.compute(catalog, query)


_COMPILED: dict[tuple, tuple[str, pa.Schema]] = {}


def compiled_sql(catalog: Catalog, name: str, query: Query) -> tuple[str, pa.Schema]:
    """The SQL of a metric query for the catalog's engine and the schema of its result,
    compiled once per process.

    Building and compiling the Ibis expression costs more than running it on the rollups
    (tens of milliseconds against a few), so dashboards reuse the compiled text.
    """
    key = (
        catalog.backend.name,
        name,
        query.by,
        tuple(sorted(query.where.items())),
        query.grain,
        query.start,
        query.end,
    )
    if key not in _COMPILED:
        table = expression(catalog, name, query)
        _COMPILED[key] = (str(ibis.to_sql(table)), table.schema().to_pyarrow())
    return _COMPILED[key]
