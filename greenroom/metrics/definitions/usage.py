"""Usage metrics from events: active users and accounts, events, stickiness, feature
adoption and weekly retention cohorts; read from the activity rollups, and from the
pre-counted distinct counts where they answer the query."""

from collections.abc import Callable

import ibis.expr.types as ir

from greenroom.metrics.definitions.common import (
    filtered,
    in_range,
    ordered,
    period_after,
    period_of,
    period_start,
    ratio,
    with_accounts,
)
from greenroom.metrics.definitions.registry import (
    ACCOUNT_DIMENSIONS,
    DIMENSIONS,
    Catalog,
    Query,
    QueryError,
    metric,
)

USAGE_SOURCES = ("events", "crm_accounts", "stripe_customers")


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
        period=period_of(table[column], query.grain),
        product=table.product_key,
    )
    if (
        accounts
        or kind == "feature"
        or set(query.by + tuple(query.where)) & set(ACCOUNT_DIMENSIONS)
    ):
        table = with_accounts(catalog, table, "account_key")
    return in_range(filtered(table, query), "period", query)


# Single-dimension slices the refresh pre-counts (rollup.active_counts); '*' is no slice.
# Days are many: for them only the total and per product, what dashboards chart. Weeks have
# every dimension: key results follow weekly active users by plan or segment, and counting
# them from the week rollup at every refresh's re-evaluation cost about a second a slice.
COUNTED_SLICES = {
    "day": ("*", "product"),
    "week": ("*", *DIMENSIONS),
    "month": ("*", *DIMENSIONS),
    "quarter": ("*", *DIMENSIONS),
}
# Slices whose stickiness the refresh stores (rollup.stickiness); each is also counted, as
# the stored stickiness takes its period's active users from rollup.active_counts. Weekly
# stickiness only in all and per product, what dashboards chart.
STICKINESS_SLICES = {
    "week": ("*", "product"),
    "month": COUNTED_SLICES["month"],
    "quarter": COUNTED_SLICES["quarter"],
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
    counts = in_range(counts, "period", query)
    return ordered(
        counts.select("period", **{dim: counts.member for dim in query.by}, value=counts.value),
        query,
    )


def _single_slice(query: Query, slices: tuple[str, ...]) -> str | None:
    """The one dimension a query slices or filters by ('*' for none) when a summary table
    stored per member of it answers the query; None when it cannot."""
    dimensions = set(query.by) | set(query.where)
    if query.live or len(dimensions) > 1:
        return None
    dimension = dimensions.pop() if dimensions else "*"
    if dimension not in slices:
        return None
    if len(query.where.get(dimension, ())) > 1 and dimension not in query.by:
        return None
    return dimension


def _members(table: ir.Table, query: Query, dimension: str) -> ir.Table:
    members = query.where.get(dimension, ())
    return table.filter(table.member.isin(list(members))) if members else table


def _stickiness_summary(catalog: Catalog, query: Query) -> ir.Table | None:
    """Stored stickiness parts (rollup.stickiness) when they answer ``query`` exactly: whole
    periods only (a range starting mid-period has a partial first period live), and at most
    one member filtered (the days counted are those with activity in the filter)."""
    dimension = _single_slice(query, STICKINESS_SLICES.get(query.grain, ()))
    members = query.where.get(dimension or "", ())
    if dimension is None or len(members) > 1:
        return None
    if query.start is not None and period_start(query.start, query.grain) != query.start:
        return None
    table = catalog.table("rollup.stickiness")
    table = table.filter((table.grain == query.grain) & (table.dimension == dimension))
    table = in_range(_members(table, query, dimension), "period", query)
    days = table.member_days if members else table.all_days
    return ordered(
        table.select(
            "period",
            **{dim: table.member for dim in query.by},
            average_dau=ratio(table.user_days, days),
            active_users=table.active_users,
            value=ratio(table.user_days / days.cast("float64"), table.active_users),
        ),
        query,
    )


# Retention cohorts stored per slice (rollup.retention_cohorts): everything, and each member
# of each single dimension (cohorts are counted over all weeks, whatever range is asked).
RETENTION_SLICES = ("*", *DIMENSIONS)


def _retention_summary(catalog: Catalog, query: Query, entity: str) -> ir.Table | None:
    dimension = _single_slice(query, RETENTION_SLICES)
    if dimension is None or entity != "user_key":
        return None
    table = catalog.table("rollup.retention_cohorts")
    table = table.filter(table.dimension == dimension)
    table = in_range(_members(table, query, dimension), "period", query)
    table = table.select(
        period=table.period,
        weeks_since=table.weeks_since,
        **{dim: table.member for dim in query.by},
        cohort_size=table.cohort_size,
        retained=table.retained,
        value=table.value,
    )
    return table.order_by(["period", "weeks_since", *query.by])


@metric(
    name="active_users",
    title="Active users",
    unit="count",
    description=(
        "Distinct users with at least one event in the period (DAU at day grain, WAU at "
        "week, MAU at month)."
    ),
    formula="count distinct user id (or anonymous id) with an event in the period",
    sources=USAGE_SOURCES,
)
def active_users(catalog: Catalog, query: Query) -> ir.Table:
    """Distinct users active in each period (DAU at day grain, WAU at week, MAU at month)."""
    summary = _counts_summary(catalog, query, "active_users")
    if summary is not None:
        return summary
    table = _activity(catalog, query)
    result = table.group_by(["period", *query.by]).aggregate(value=table.user_key.nunique())
    return ordered(result, query)


def _fixed_grain(grain: str) -> Callable[[Catalog, Query], ir.Table]:
    def compute(catalog: Catalog, query: Query) -> ir.Table:
        if query.grain != grain:
            raise QueryError(f"This metric is counted per {grain}; use active_users for others.")
        return active_users(catalog, query)

    return compute


# DAU, WAU and MAU: active users counted at one fixed grain.
dau = metric(
    name="dau",
    title="DAU",
    unit="count",
    description="Distinct users active each UTC day.",
    formula="active_users at day grain",
    sources=USAGE_SOURCES,
    grains=("day",),
    default_grain="day",
)(_fixed_grain("day"))

wau = metric(
    name="wau",
    title="WAU",
    unit="count",
    description="Distinct users active each week (Monday to Sunday).",
    formula="active_users at week grain",
    sources=USAGE_SOURCES,
    grains=("week",),
    default_grain="week",
)(_fixed_grain("week"))

mau = metric(
    name="mau",
    title="MAU",
    unit="count",
    description="Distinct users active each calendar month.",
    formula="active_users at month grain",
    sources=USAGE_SOURCES,
    grains=("month",),
)(_fixed_grain("month"))


@metric(
    name="active_accounts",
    title="Active accounts",
    unit="count",
    description="Distinct accounts with at least one active user in the period.",
    formula="count distinct account with an event in the period",
    sources=USAGE_SOURCES,
)
def active_accounts(catalog: Catalog, query: Query) -> ir.Table:
    """Distinct accounts with an active user in each period."""
    summary = _counts_summary(catalog, query, "active_accounts")
    if summary is not None:
        return summary
    table = _activity(catalog, query, accounts=True)
    table = table.filter(table.account_key.notnull())
    result = table.group_by(["period", *query.by]).aggregate(value=table.account_id.nunique())
    return ordered(result, query)


@metric(
    name="events",
    title="Events",
    unit="count",
    description="Events in the period after removing duplicate deliveries.",
    formula="count distinct event id per day, summed",
    sources=USAGE_SOURCES,
)
def events(catalog: Catalog, query: Query) -> ir.Table:
    """Distinct events (after removing duplicate deliveries) in each period."""
    table = _activity(catalog, query)
    result = table.group_by(["period", *query.by]).aggregate(value=table.events.sum())
    return ordered(result, query)


@metric(
    name="stickiness",
    title="Stickiness (DAU/MAU)",
    unit="ratio",
    description="Average daily active users divided by the period's active users.",
    formula="(Σ daily active users / days with activity) / active users in the period",
    sources=USAGE_SOURCES,
    grains=("week", "month", "quarter"),
    extra_columns=("average_dau", "active_users"),
)
def stickiness(catalog: Catalog, query: Query) -> ir.Table:
    """Average daily active users over the period divided by the period's active users."""
    if query.grain == "day":
        raise QueryError("Stickiness compares days with a longer period: use week or month.")
    summary = _stickiness_summary(catalog, query)
    if summary is not None:
        return summary
    daily = _activity(catalog, Query(query.by, query.where, "day", query.start, query.end))
    daily = daily.mutate(period=period_of(daily.day, query.grain))
    per_day = daily.group_by(["period", "day", *query.by]).aggregate(dau=daily.user_key.nunique())
    all_days = daily.group_by("period").aggregate(days=daily.day.nunique())
    summed = per_day.group_by(["period", *query.by]).aggregate(user_days=per_day.dau.sum())
    period_users = active_users(catalog, query)
    joined = summed.join(all_days, "period").join(period_users, ["period", *query.by])
    result = joined.select(
        "period",
        *query.by,
        average_dau=ratio(joined.user_days, joined.days),
        active_users=joined.value,
        value=ratio(joined.user_days / joined.days.cast("float64"), joined.value),
    )
    return ordered(result, query)


@metric(
    name="feature_adoption",
    title="Feature adoption",
    unit="ratio",
    description="Share of a product's active accounts that used each feature in the period.",
    formula="accounts with an event of the feature / accounts active in the product",
    sources=USAGE_SOURCES,
    extra_columns=("feature", "accounts_using", "active_accounts"),
)
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
        value=ratio(joined.accounts_using, joined.active_accounts),
    )
    return result.order_by(["period", *by, "feature"])


def _retention_cohorts(catalog: Catalog, query: Query, entity: str) -> ir.Table:
    if query.grain != "week":
        raise QueryError("Retention cohorts are weekly: ask for grain 'week'.")
    summary = _retention_summary(catalog, query, entity)
    if summary is not None:
        return summary
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
        value=ratio(result.retained, result.cohort_size),
    )
    result = in_range(result, "period", query)
    return result.order_by(["period", "weeks_since", *query.by])


@metric(
    name="user_retention",
    title="User retention (weekly cohorts)",
    unit="ratio",
    description="Users grouped by the week they were first seen; share active N weeks later.",
    formula="active users of the cohort in week N / cohort size",
    sources=USAGE_SOURCES,
    grains=("week",),
    default_grain="week",
    extra_columns=("weeks_since", "cohort_size", "retained"),
)
def user_retention(catalog: Catalog, query: Query) -> ir.Table:
    """Weekly cohorts of users by first week seen: share still active N weeks later."""
    return _retention_cohorts(catalog, query, "user_key")


@metric(
    name="account_retention",
    title="Account retention (weekly cohorts)",
    unit="ratio",
    description="Accounts grouped by the week they were first seen; share active N weeks later.",
    formula="active accounts of the cohort in week N / cohort size",
    sources=USAGE_SOURCES,
    grains=("week",),
    default_grain="week",
    extra_columns=("weeks_since", "cohort_size", "retained"),
)
def account_retention(catalog: Catalog, query: Query) -> ir.Table:
    """Weekly cohorts of accounts by first week seen: share still active N weeks later."""
    return _retention_cohorts(catalog, query, "account_id")
