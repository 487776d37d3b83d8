"""The Metrics page: MRR, its movements, retention and MAU, with freshness and lineage."""

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from greenroom.accounts.permissions import ability_required
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.exports import export_response
from greenroom.metrics import selectors
from greenroom.metrics.definitions import MOVEMENTS, QueryError


@login_required
@ability_required("view")
def dashboard(request: MemberRequest) -> HttpResponse:
    """The metrics dashboard, or what to do when there is no data yet."""
    try:
        results = selectors.dashboard(workspace=request.workspace)
    except selectors.MetricsUnavailable as error:
        return render(request, "metrics/dashboard.html", {"unavailable": str(error)})
    context = {**_context(results), "currency": request.workspace.reporting_currency}
    return render(request, "metrics/dashboard.html", context)


@login_required
@ability_required("view")
def metric_export(request: MemberRequest, name: str, fmt: str) -> HttpResponseBase:
    """One metric's rows as CSV or XLSX (?by=&grain=&start=&end=), with ``partial`` true on
    the period still running at the as-of date (its figures are to date), as in the API."""
    params = request.GET
    try:
        result = selectors.metric(
            name,
            workspace=request.workspace,
            by=params.getlist("by"),
            grain=params.get("grain") or None,
            period=(_day(params.get("start")), _day(params.get("end"))),
        )
    except (selectors.MetricsUnavailable, QueryError, ValueError) as error:
        raise Http404(str(error)) from None
    columns = _export_columns(result.rows)
    rows: list[list[Any]] = [columns, *([row.get(c) for c in columns] for row in result.rows)]
    as_of = result.freshness.get("as_of")
    filename = f"{name}-as-of-{as_of:%Y-%m-%d}" if as_of else name
    return export_response(rows, filename=filename, format="xlsx" if fmt == "xlsx" else "csv")


def _export_columns(rows: list[dict]) -> list[str]:
    # period and partial first, so a running period reads "to date" beside its date.
    found = list(rows[0]) if rows else ["period", "value"]
    rest = [c for c in found if c not in ("period", "partial")]
    return ["period", "partial", *rest]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _context(results: dict) -> dict:
    mrr = results["mrr"].rows
    peak = max((row["value"] for row in mrr), default=0) or 1
    retention = {
        row["period"]: {"nrr": row["value"], "partial": row["partial"]}
        for row in results["nrr"].rows
    }
    for name in ("grr", "nrr_12m"):
        for row in results[name].rows:
            retention.setdefault(row["period"], {})[name] = row["value"]
    mau: dict = {}
    mau_running = {row["period"] for row in results["mau"].rows if row["partial"]}
    for row in results["mau"].rows:
        mau.setdefault(row["period"], {})[row["product"]] = row["value"]
    products = sorted({row["product"] for row in results["mau"].rows})
    lineage = {entry["table"]: entry for r in results.values() for entry in r.lineage}
    complete = [row for row in mrr if not row["partial"]]
    return {
        # Headlines are the last complete month's; a month still running is only "to date"
        # (when no month is complete yet, the running one, marked as such).
        "latest": complete[-1] if complete else (mrr[-1] if mrr else None),
        "mrr": [{**row, "share": round(100 * row["value"] / peak)} for row in mrr],
        "movement_names": MOVEMENTS,
        "movements": [
            {
                "period": row["period"],
                "partial": row["partial"],
                "values": [row[name] for name in (*MOVEMENTS, "value")],
            }
            for row in results["mrr_movements"].rows
        ],
        "retention": sorted(retention.items()),
        "products": products,
        "mau": [
            {
                "period": period,
                "partial": period in mau_running,
                "values": [row.get(p, 0) for p in products],
            }
            for period, row in sorted(mau.items())
        ],
        "freshness": results["mrr"].freshness,
        "lineage": sorted(lineage.values(), key=lambda entry: entry["table"]),
        "definitions": {name: result.definition for name, result in results.items()},
    }
