"""The Metrics page: MRR, its movements, retention and MAU, with freshness and lineage."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from greenroom.accounts.permissions import ability_required
from greenroom.accounts.requests import MemberRequest
from greenroom.metrics import selectors
from greenroom.metrics.definitions import MOVEMENTS


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
