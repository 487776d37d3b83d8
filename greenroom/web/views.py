from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.selectors import audit_event_list
from greenroom.organisation.kinds import KINDS_BY_SLUG
from greenroom.organisation.selectors import entity_counts, portfolio_tree
from greenroom.web import selectors


@login_required
@ability_required("view")
def home(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    context = {
        "glance": selectors.workspace_glance(workspace=workspace),
        "portfolio": portfolio_tree(workspace=workspace),
        "scorecard": selectors.scorecard(workspace=workspace)[:5],
        "recent_events": (
            audit_event_list(workspace=workspace)[:8] if can(request, "view_audit_log") else None
        ),
    }
    return render(request, "web/home.html", context)


def _overview(request: HttpRequest, template: str, slugs: tuple[str, ...]) -> HttpResponse:
    kinds = [KINDS_BY_SLUG[slug] for slug in slugs]
    counts = entity_counts(workspace=request.workspace, kinds=tuple(kinds))
    sections = [{"kind": kind, "count": counts[kind.slug]} for kind in kinds]
    return render(request, template, {"sections": sections})


@login_required
@ability_required("view")
def data_overview(request: HttpRequest) -> HttpResponse:
    return _overview(
        request, "web/data_overview.html", ("product-lines", "products", "product-areas", "plans")
    )


@login_required
@ability_required("view")
def customers_overview(request: HttpRequest) -> HttpResponse:
    return _overview(request, "web/customers_overview.html", ("segments", "regions", "markets"))


@login_required
@ability_required("view")
def strategy_overview(request: HttpRequest) -> HttpResponse:
    return _overview(request, "web/strategy_overview.html", ("teams", "people"))


@login_required
@ability_required("view")
def scorecard(request: HttpRequest) -> HttpResponse:
    measures = selectors.scorecard(workspace=request.workspace)
    return render(request, "web/scorecard.html", {"measures": measures})
