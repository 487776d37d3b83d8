"""The executive headline on the home page (product ops and admins): the overview's figures
for the last 12 months, linking to the dashboard."""

from greenroom.dashboards import periods, selectors
from greenroom.metrics import selectors as metrics


def headline(request) -> dict:
    """The executive overview's headline figures, or why there are none."""
    workspace = request.workspace
    try:
        as_of = metrics.as_of(workspace=workspace)
        period = periods.parse(None, as_of=as_of)
        scope = selectors.scope_for(workspace, where={}, period=period, as_of=as_of)
        data = selectors.executive(scope)
    except (metrics.MetricsUnavailable, selectors.NoData) as error:
        return {"unavailable": str(error)}
    return {"kpis": data["kpis"], "scope": scope, "currency": workspace.reporting_currency}
