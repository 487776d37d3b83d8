"""What each dashboard shows, read through ``metrics.selectors`` (nothing computed twice).

Each metric is read over its whole monthly history for the filters (a small table, remembered
per snapshot by the metrics selectors), then cut to the period here: changing the period, or
comparing with the period before, asks the store nothing new.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from greenroom.accounts.models import Workspace
from greenroom.customers import selectors as customers_selectors
from greenroom.dashboards import charts, formatting, targets
from greenroom.dashboards.periods import Period, month_add
from greenroom.metrics import selectors as metrics
from greenroom.metrics.selectors import MetricResult
from greenroom.organisation import selectors as organisation

MOVEMENTS = ("new", "expansion", "reactivation", "contraction", "churn")
MOVEMENT_LABELS = {name: name.title() for name in MOVEMENTS}
COST_DIMENSIONS = ("product",)  # of the dashboard filters, the only one costs are split by


class NoData(Exception):
    """The filters leave nothing to show; the message says why."""


@dataclass
class Scope:
    """One dashboard request: whose data, which slice, which months."""

    workspace: Workspace
    where: dict[str, list[str]]
    period: Period
    as_of: date
    reference: date = date.min  # the month headline figures are for (set by scope_for)
    reference_partial: bool = False
    notes: list[str] = field(default_factory=list)
    freshness: dict = field(default_factory=dict)
    lineage: dict = field(default_factory=dict)

    @property
    def currency(self) -> str:
        return self.workspace.reporting_currency

    @property
    def compared(self) -> date:
        """The month headline figures are compared with: one period before the reference."""
        return month_add(self.reference, -self.period.months)

    @cached_property
    def product_names(self) -> dict[str, str]:
        return organisation.product_names(workspace=self.workspace)

    def product_name(self, key: str) -> str:
        """A product as people name it ('Harbor Workspace'; the data carries its key); a key
        no product has, such as 'unallocated', as it is."""
        return self.product_names.get(key, key)

    def cost_where(self) -> dict[str, list[str]]:
        return {k: v for k, v in self.where.items() if k in COST_DIMENSIONS}

    def read(
        self, name: str, *, by: Iterable[str] = (), grain: str = "month", where=None, period=None
    ) -> MetricResult:
        result = metrics.metric(
            name,
            workspace=self.workspace,
            by=list(by),
            where=self.where if where is None else where,
            grain=grain,
            period=period,
        )
        self.freshness.setdefault(name, result.freshness)
        for entry in result.lineage:
            self.lineage[(entry["source"], entry["table"])] = entry
        return result


def scope_for(
    workspace: Workspace, *, where: dict[str, list[str]], period: Period, as_of: date
) -> Scope:
    """The scope with its reference month: the last complete month of the period with revenue
    (the running month when none is complete yet)."""
    scope = Scope(workspace=workspace, where=where, period=period, as_of=as_of)
    rows = [r for r in scope.read("mrr").rows if period.contains(_month(r["period"]))]
    if not rows:
        raise NoData(_no_data_reason(scope))
    complete = [r for r in rows if not r["partial"]]
    chosen = complete[-1] if complete else rows[-1]
    scope.reference = _month(chosen["period"])
    scope.reference_partial = bool(chosen["partial"])
    return scope


def _no_data_reason(scope: Scope) -> str:
    everything = metrics.metric("mrr", workspace=scope.workspace, grain="month").rows
    if not everything:
        return "There is no billing data yet: connect a billing source and run a refresh."
    first, last = _month(everything[0]["period"]), _month(everything[-1]["period"])
    if scope.where:
        unsliced = [r for r in everything if scope.period.contains(_month(r["period"]))]
        if unsliced:
            named = ", ".join(f"{k} {v[0]}" for k, v in scope.where.items())
            return (
                f"No revenue for {named} in {scope.period.label}: no account in that slice "
                "paid then."
            )
    return (
        f"No revenue in {scope.period.label}: billing data runs from {first:%b %Y} to {last:%b %Y}."
    )


def _month(value) -> date:
    return date(value.year, value.month, 1)


def _by_month(rows: list[dict], *, key: str = "value") -> dict[date, dict]:
    return {_month(r["period"]): r for r in rows}


def _in_period(rows: list[dict], period: Period) -> list[dict]:
    return [r for r in rows if period.contains(_month(r["period"]))]


def _growth(now: float | None, then: float | None) -> float | None:
    if now is None or then is None or then == 0:
        return None
    return now / then - 1


# -- headline figures ---------------------------------------------------------------------


def kpi(
    scope: Scope,
    name: str,
    title: str,
    unit: str,
    result: MetricResult,
    *,
    compare: str = "growth",
    value_key: str = "value",
    by_filter=None,
) -> dict:
    """One headline figure at the reference month with its change since the compared month."""
    rows = result.rows if by_filter is None else [r for r in result.rows if by_filter(r)]
    months = _by_month(rows)
    ref, before = scope.reference, scope.compared
    now = months.get(ref, {}).get(value_key) if ref else None
    then = months.get(before, {}).get(value_key) if before else None
    if compare == "growth":
        delta = _growth(now, then)
    else:  # a ratio: the difference in percentage points
        delta = None if now is None or then is None else now - then
    return {
        "key": name,
        "metric": result.definition["name"],
        "title": title,
        "unit": unit,
        "value": now,
        "previous": then,
        "change": delta,
        "compare": compare,
        "month": ref,
        "compared": before,
        "partial": scope.reference_partial,
        "target": None,  # set by targets.attach, one query for the page's figures
        "where": scope.where,
        "better": "down" if name == "logo_churn" else "up",
    }


# -- the four dashboards -------------------------------------------------------------------


def executive(scope: Scope) -> dict:
    """ARR and growth, MRR movements, NRR/GRR, logo churn, paying and active accounts, usage."""
    arr = scope.read("arr")
    movements = scope.read("mrr_movements")
    nrr, grr = scope.read("nrr"), scope.read("grr")
    churn = scope.read("logo_churn")
    paying = scope.read("paying_accounts")
    active = scope.read("active_accounts")
    mau = scope.read("active_users")
    kpis = [
        kpi(scope, "arr", "ARR", "currency", arr),
        kpi(scope, "nrr", "Net revenue retention", "ratio", nrr, compare="points"),
        kpi(scope, "grr", "Gross revenue retention", "ratio", grr, compare="points"),
        kpi(scope, "logo_churn", "Logo churn", "ratio", churn, compare="points"),
        kpi(scope, "paying_accounts", "Paying accounts", "count", paying),
        kpi(scope, "active_accounts", "Active accounts", "count", active),
        kpi(scope, "mau", "Monthly active users", "count", mau),
    ]
    targets.attach(kpis, workspace=scope.workspace, where=scope.where, month=scope.reference)
    churned = _by_month(churn.rows).get(scope.reference, {})
    period_arr = _in_period(arr.rows, scope.period)
    movement_rows = _in_period(movements.rows, scope.period)
    ref_moves = _by_month(movements.rows).get(scope.reference)
    mrr_rows = _by_month(scope.read("mrr").rows)
    chart_list = [
        charts.Chart(
            "arr",
            "ARR",
            charts.line("ARR", period_arr, unit="currency"),
            period_arr,
            ("period", "value", "status"),
            metric="arr",
        ),
    ]
    if ref_moves is not None:
        start = mrr_rows.get(month_add(scope.reference, -1), {}).get("value", 0.0)
        end = mrr_rows.get(scope.reference, {}).get("value", 0.0)
        steps = charts.waterfall_rows(
            start, [(MOVEMENT_LABELS[m], ref_moves[m]) for m in MOVEMENTS], end
        )
        title = f"MRR movements, {scope.reference:%b %Y}" + (
            " to date" if scope.reference_partial else ""
        )
        chart_list.append(
            charts.Chart(
                "movements",
                title,
                charts.waterfall(title, steps),
                steps,
                ("step", "amount", "low", "high"),
                metric="mrr_movements",
                note=f"MRR from the end of {month_add(scope.reference, -1):%b %Y} to the "
                f"end of {scope.reference:%b %Y}; the axis starts at "
                f"{formatting.compact_money(steps[0]['low'], scope.currency)}, not zero, so the "
                "movements show.",
            )
        )
    stacked = [
        {
            "period": r["period"],
            "partial": r["partial"],
            "movement": MOVEMENT_LABELS[m],
            "value": r[m],
        }
        for r in movement_rows
        for m in MOVEMENTS
    ]
    chart_list.append(
        charts.Chart(
            "movements-trend",
            "MRR movements by month",
            charts.stacked_bar(
                "MRR movements by month",
                stacked,
                series="movement",
                unit="currency",
                order=[MOVEMENT_LABELS[m] for m in MOVEMENTS],
                colours=charts.MOVEMENT_COLOURS,
            ),
            stacked,
            ("period", "movement", "value", "status"),
            metric="mrr_movements",
        )
    )
    retention = [
        {"period": r["period"], "partial": r["partial"], "measure": label, "value": r["value"]}
        for label, result in (("NRR", nrr), ("GRR", grr))
        for r in _in_period(result.rows, scope.period)
    ]
    chart_list.append(
        charts.Chart(
            "retention",
            "Net and gross revenue retention",
            charts.line(
                "Net and gross revenue retention", retention, unit="ratio", series="measure"
            ),
            retention,
            ("period", "measure", "value", "status"),
            metric="nrr",
        )
    )
    usage = _in_period(mau.rows, scope.period)
    chart_list.append(
        charts.Chart(
            "mau",
            "Monthly active users",
            charts.line("Monthly active users", usage, unit="count", to_date=False),
            usage,
            ("period", "value", "status"),
            metric="active_users",
        )
    )
    return {
        "kpis": kpis,
        "charts": chart_list,
        "churned_accounts": churned.get("churned_accounts"),
    }


def portfolio(scope: Scope) -> dict:
    """Revenue, growth, cost, headcount and their ratios per product and area; staffing
    against growth; unallocated cost and headcount shown."""
    if set(scope.where) - set(COST_DIMENSIONS):
        scope.notes.append(
            "Cost and headcount belong to teams and products, not to segments, markets, regions "
            "or plans: they are for whole products; revenue follows every filter."
        )
    arr = scope.read("arr", by=["product"])
    cost = scope.read("cost", by=["product"], where=scope.cost_where())
    fte = scope.read("headcount", by=["product"], where=scope.cost_where())
    per_fte = scope.read("revenue_per_fte", by=["product"], where=scope.cost_where())
    ratio = scope.read("cost_to_revenue", by=["product"], where=scope.cost_where())
    ref, before = scope.reference, scope.compared

    def at(result: MetricResult, month: date | None, key: str = "value") -> dict[str, Any]:
        return {
            r["product"]: r.get(key) for r in result.rows if month and _month(r["period"]) == month
        }

    arr_now, arr_then = at(arr, ref), at(arr, before)
    cost_now, cost_then = at(cost, ref), at(cost, before)
    fte_now, fte_then = at(fte, ref), at(fte, before)
    per_fte_now, ratio_now = at(per_fte, ref), at(ratio, ref)
    products = sorted(
        set(arr_now) | set(cost_now) | set(fte_now),
        key=lambda p: (p == "unallocated", -(arr_now.get(p) or 0), p),
    )
    rows: list[dict[str, Any]] = [
        {
            "product": p,
            "name": scope.product_name(p),
            "arr": arr_now.get(p),
            "arr_growth": _growth(arr_now.get(p), arr_then.get(p)),
            "cost": cost_now.get(p),
            "cost_growth": _growth(cost_now.get(p), cost_then.get(p)),
            "fte": fte_now.get(p),
            "fte_growth": _growth(fte_now.get(p), fte_then.get(p)),
            "cost_to_revenue": ratio_now.get(p),
            "revenue_per_fte": per_fte_now.get(p),
            "unallocated": p == "unallocated",
        }
        for p in products
    ]
    total = {
        "arr": sum(r["arr"] or 0 for r in rows),
        "cost": sum(r["cost"] or 0 for r in rows),
        "fte": sum(r["fte"] or 0 for r in rows),
    }
    areas = _areas(scope)
    staffed = [
        {
            "product": r["name"],
            "arr_growth": r["arr_growth"],
            "fte_growth": r["fte_growth"],
            "arr": r["arr"] or 0,
        }
        for r in rows
        if r["arr_growth"] is not None and r["fte_growth"] is not None
    ]
    revenue_bar = [{"product": r["name"], "value": r["arr"]} for r in rows if r["arr"]]
    per_fte_bar = [
        {"product": r["name"], "value": r["revenue_per_fte"]} for r in rows if r["revenue_per_fte"]
    ]
    growth_label = f"since {before:%b %Y}" if before else ""
    staffing_note = (
        "Above the dashed line, headcount grew faster than revenue; below it, revenue "
        "outgrew the team (a product far below may be understaffed for its growth)."
    )
    unplotted = [r["name"] for r in rows if not r["unallocated"] and r["arr_growth"] is None]
    if unplotted and before:
        # A product launched within the period has no growth to plot: say so, not hide it.
        staffing_note += (
            f" Not drawn, with no ARR in {before:%b %Y} to grow from: {', '.join(unplotted)}."
        )
    chart_list = [
        charts.Chart(
            "arr-by-product",
            "ARR by product",
            charts.bar("ARR by product", revenue_bar, category="product", unit="currency"),
            revenue_bar,
            ("product", "value"),
            metric="arr",
        ),
        charts.Chart(
            "staffing",
            "Are we staffed for growth?",
            charts.scatter(
                "Are we staffed for growth?",
                staffed,
                x="arr_growth",
                y="fte_growth",
                label="product",
                size="arr",
                x_title=f"ARR growth {growth_label}",
                y_title=f"Headcount growth {growth_label}",
            ),
            staffed,
            ("product", "arr_growth", "fte_growth", "arr"),
            metric="headcount",
            note=staffing_note,
        ),
        charts.Chart(
            "revenue-per-fte",
            "ARR per FTE",
            charts.bar("ARR per FTE", per_fte_bar, category="product", unit="currency"),
            per_fte_bar,
            ("product", "value"),
            metric="revenue_per_fte",
        ),
    ]
    return {
        "products": rows,
        "total": total,
        "areas": areas,
        "charts": chart_list,
        "growth_label": growth_label,
    }


def _areas(scope: Scope) -> list[dict]:
    cost = scope.read("cost", by=["product", "area"], where=scope.cost_where())
    fte = scope.read("headcount", by=["product", "area"], where=scope.cost_where())
    ref = scope.reference
    merged: dict[tuple, dict] = defaultdict(dict)
    for name, result in (("cost", cost), ("fte", fte)):
        for r in result.rows:
            if _month(r["period"]) == ref:
                merged[(r["product"], r["area"])][name] = r["value"]
    return [
        {
            "product": scope.product_name(p),
            "area": a,
            "cost": v.get("cost"),
            "fte": v.get("fte"),
            "unallocated": p == "unallocated",
        }
        for (p, a), v in sorted(
            merged.items(), key=lambda item: (item[0][0] == "unallocated", item[0])
        )
    ]


def customers(scope: Scope, *, by: str) -> dict:
    """ARR, growth, NRR, logo churn and price realisation per slice; the largest movements."""
    arr = scope.read("arr", by=[by])
    nrr = scope.read("nrr", by=[by])
    churn = scope.read("logo_churn", by=[by])
    price = scope.read("price_realisation", by=[by])
    ref, before = scope.reference, scope.compared

    def at(result: MetricResult, month: date | None, key: str = "value") -> dict[str, dict]:
        return {r[by]: r for r in result.rows if month and _month(r["period"]) == month}

    arr_now, arr_then = at(arr, ref), at(arr, before)
    nrr_now, churn_now, price_now = at(nrr, ref), at(churn, ref), at(price, ref)
    slices = sorted(
        set(arr_now) | set(arr_then), key=lambda s: -(arr_now.get(s, {}).get("value") or 0)
    )
    total_arr = sum((arr_now.get(s, {}).get("value") or 0) for s in slices) or None
    rows = [
        {
            "slice": s,
            "arr": arr_now.get(s, {}).get("value"),
            "share": (arr_now.get(s, {}).get("value") or 0) / total_arr if total_arr else None,
            "arr_growth": _growth(
                arr_now.get(s, {}).get("value"), arr_then.get(s, {}).get("value")
            ),
            "nrr": nrr_now.get(s, {}).get("value"),
            "logo_churn": churn_now.get(s, {}).get("value"),
            "churned": churn_now.get(s, {}).get("churned_accounts"),
            "price_realisation": price_now.get(s, {}).get("value"),
        }
        for s in slices
    ]
    moved = metrics.account_movements(
        workspace=scope.workspace, month=ref, where=scope.where, largest=10
    )
    largest = {
        kind: with_names(scope.workspace, [m for m in moved if m["movement"] == kind][:10])
        for kind in ("expansion", "contraction", "churn")
    }
    bar_rows = [{by: r["slice"], "value": r["arr"]} for r in rows if r["arr"]]
    trend = [
        {"period": r["period"], "partial": r["partial"], by: r[by], "value": r["value"]}
        for r in _in_period(arr.rows, scope.period)
    ]
    chart_list = [
        charts.Chart(
            f"arr-by-{by}",
            f"ARR by {by}",
            charts.bar(f"ARR by {by}", bar_rows, category=by, unit="currency"),
            bar_rows,
            (by, "value"),
            metric="arr",
        ),
        charts.Chart(
            f"arr-trend-by-{by}",
            f"ARR by {by} over time",
            charts.line(f"ARR by {by} over time", trend, unit="currency", series=by),
            trend,
            ("period", by, "value", "status"),
            metric="arr",
        ),
    ]
    return {"slices": rows, "by": by, "largest": largest, "charts": chart_list}


def with_names(workspace: Workspace, movements: list[dict]) -> list[dict]:
    """Each movement with the customer database's account (name, page) where it has one; the
    analytics store knows accounts by their ids in the CRM or billing system."""
    keys = [m["crm_account_id"] or m["account_id"] for m in movements]
    found = customers_selectors.accounts_by_keys(workspace=workspace, keys=keys)
    for movement, key in zip(movements, keys, strict=True):
        account = found.get(key)
        movement["account"] = account
        movement["name"] = account.name if account else movement["name"]
    return movements


def usage(scope: Scope) -> dict:
    """DAU/WAU/MAU, stickiness, weekly retention cohorts and feature adoption per product."""
    mau = scope.read("active_users")
    stickiness = scope.read("stickiness")
    end = min(scope.as_of, month_add(scope.period.last, 1) - timedelta(days=1))
    start = max(
        date(scope.period.first.year, scope.period.first.month, 1), end - timedelta(days=89)
    )
    dau = scope.read("active_users", grain="day", period=(start, end))
    wau = scope.read("active_users", grain="week", period=(scope.period.first, end))
    kpis = [
        _latest_kpi("dau", "Daily active users", dau.rows, "active_users"),
        _latest_kpi("wau", "Weekly active users", wau.rows, "active_users"),
        kpi(scope, "mau", "Monthly active users", "count", mau),
        kpi(scope, "stickiness", "Stickiness (DAU/MAU)", "ratio", stickiness, compare="points"),
    ]
    targets.attach(kpis, workspace=scope.workspace, where=scope.where, month=scope.reference)
    cohort_start = end - timedelta(weeks=12)
    cohorts = scope.read("user_retention", grain="week", period=(cohort_start, end))
    heat = [
        {
            "cohort": r["period"].isoformat() if hasattr(r["period"], "isoformat") else r["period"],
            "week": r["weeks_since"],
            "value": r["value"],
            "cohort_size": r["cohort_size"],
            "retained": r["retained"],
            "partial": r["partial"],
        }
        for r in cohorts.rows
        if r["weeks_since"] <= 12
    ]
    adoption_rows = scope.read("feature_adoption", by=["product"]).rows
    adoption = [
        {
            "product": scope.product_name(r["product"]),
            "feature": r["feature"].replace("_", " "),
            "value": r["value"],
            "accounts_using": r["accounts_using"],
            "active_accounts": r["active_accounts"],
        }
        for r in adoption_rows
        if _month(r["period"]) == scope.reference
    ]
    adoption.sort(key=lambda r: (r["product"], -(r["value"] or 0)))
    by_product: dict[str, list[dict]] = defaultdict(list)
    for r in adoption:
        by_product[r["product"]].append(r)
    # Both over the same 90 days (WAU from the first whole week in them), on one time axis.
    trend = [
        {"period": r["period"], "partial": r["partial"], "measure": label, "value": r["value"]}
        for label, rows in (
            ("DAU", dau.rows),
            ("WAU", [r for r in wau.rows if r["period"] >= start]),
        )
        for r in rows
    ]
    mau_rows = _in_period(mau.rows, scope.period)
    sticky_rows = _in_period(stickiness.rows, scope.period)
    adoption_chart = [
        {"feature": f"{r['product']} · {r['feature']}", "value": r["value"]} for r in adoption
    ]
    chart_list = [
        charts.Chart(
            "dau-wau",
            "Daily and weekly active users, last 90 days",
            charts.line(
                "Daily and weekly active users, last 90 days",
                trend,
                unit="count",
                series="measure",
                grain="day",
                to_date=False,
            ),
            trend,
            ("period", "measure", "value", "status"),
            metric="active_users",
        ),
        charts.Chart(
            "mau",
            "Monthly active users",
            charts.line("Monthly active users", mau_rows, unit="count", to_date=False),
            mau_rows,
            ("period", "value", "status"),
            metric="active_users",
        ),
        charts.Chart(
            "stickiness",
            "Stickiness (DAU/MAU)",
            charts.line("Stickiness (DAU/MAU)", sticky_rows, unit="ratio"),
            sticky_rows,
            ("period", "value", "average_dau", "active_users", "status"),
            metric="stickiness",
        ),
        charts.Chart(
            "retention",
            "Weekly user retention by cohort",
            charts.heatmap(
                "Weekly user retention by cohort",
                heat,
                x="week",
                y="cohort",
                x_title="Weeks since first seen",
                y_title="Cohort (week of)",
            ),
            heat,
            ("cohort", "week", "cohort_size", "retained", "value"),
            metric="user_retention",
        ),
        charts.Chart(
            "adoption",
            "Feature adoption",
            charts.bar("Feature adoption", adoption_chart, category="feature", unit="ratio"),
            adoption_chart,
            ("feature", "value"),
            metric="feature_adoption",
        ),
    ]
    return {"kpis": kpis, "charts": chart_list, "adoption": dict(by_product)}


def _latest_kpi(key: str, title: str, rows: list[dict], metric: str) -> dict:
    """The newest complete period's figure (the last running one is 'to date')."""
    complete = [r for r in rows if not r["partial"]]
    now = complete[-1] if complete else (rows[-1] if rows else None)
    before = complete[-2] if len(complete) > 1 else None
    return {
        "key": key,
        "metric": metric,
        "title": title,
        "unit": "count",
        "value": now["value"] if now else None,
        "previous": before["value"] if before else None,
        "change": _growth(now["value"] if now else None, before["value"] if before else None),
        "compare": "growth",
        "month": now["period"] if now else None,
        "compared": before["period"] if before else None,
        "partial": bool(now and now["partial"]),
        "target": None,
        "where": {},
        "better": "up",
        "day_grain": True,
    }


DASHBOARDS: dict[str, tuple[str, Callable[..., dict]]] = {
    "executive": ("Executive overview", executive),
    "portfolio": ("Portfolio economics", portfolio),
    "customers": ("Customers and segments", customers),
    "usage": ("Usage and adoption", usage),
}
