"""Ibis pieces every metric uses: account dimensions, periods, filters, ratios, order."""

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from greenroom.metrics.definitions.registry import ACCOUNT_DIMENSIONS, Catalog, Query

_TRUNCATE = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}


def with_accounts(catalog: Catalog, table: ir.Table, account_column: str) -> ir.Table:
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


def period_of(day: ir.DateValue, grain: str) -> ir.DateValue:
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


def period_start(day: date, grain: str) -> date:
    """The first day of the period at ``grain`` that ``day`` falls in."""
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    months = {"month": 1, "quarter": 3}[grain]
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def filtered(table: ir.Table, query: Query) -> ir.Table:
    for dim, values in query.where.items():
        table = table.filter(table[dim].isin(list(values)))
    return table


def in_range(table: ir.Table, column: str, query: Query) -> ir.Table:
    if query.start is not None:
        table = table.filter(table[column] >= query.start)
    if query.end is not None:
        table = table.filter(table[column] <= query.end)
    return table


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.NumericValue:
    return (numerator.cast("float64") / denominator.cast("float64").nullif(0.0)).round(6)


def ordered(table: ir.Table, query: Query, *first: str) -> ir.Table:
    return table.order_by(["period", *first, *query.by])
