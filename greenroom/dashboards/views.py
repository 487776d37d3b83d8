"""The dashboards: parse the filters, read through the selectors, render (htmx: the body)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from greenroom import registry
from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.dashboards import assets, explain, periods, selectors, services
from greenroom.dashboards.boardpack.content import quarters_with_data
from greenroom.dashboards.forms import SLICES, BoardPackForm, DashboardFilters
from greenroom.dashboards.models import BoardPack
from greenroom.dashboards.signals import dashboard_viewed
from greenroom.lib.lists import Column, Listing, render_list
from greenroom.metrics import selectors as metrics
from greenroom.organisation import selectors as organisation

# The page other apps add sections to (registry.Panel(page=EXECUTIVE_PAGE, ...)).
EXECUTIVE_PAGE = "dashboards.executive"
NAV = [(key, title) for key, (title, _) in selectors.DASHBOARDS.items()]


def _query(request: MemberRequest) -> str:
    """The filters to carry into links (not the month an explain link adds itself)."""
    kept = request.GET.copy()
    kept.pop("month", None)
    return kept.urlencode()


def _prepare(request: MemberRequest) -> dict:
    """Filters, period and scope for this request, or the reason there is nothing to show."""
    workspace = request.workspace
    context: dict = {
        "nav": NAV,
        "currency": workspace.reporting_currency,
        "query": _query(request),
        "vega_version": assets.version(),
    }
    try:
        values = metrics.dimension_values(workspace=workspace)
        as_of = metrics.as_of(workspace=workspace)
    except metrics.MetricsUnavailable as error:
        return {**context, "unavailable": str(error), "form": None}
    names = {"product": organisation.product_names(workspace=workspace)}
    form = DashboardFilters(request.GET, values=values, names=names)
    problems = form.problems()
    context.update(
        form=form, problems=problems, period_choices=periods.CHOICES, as_of=as_of, slices=SLICES
    )
    try:
        period = periods.parse(request.GET.get("period"), as_of=as_of)
    except periods.PeriodError as error:
        problems.append(f"{error} Showing the last 12 months.")
        period = periods.parse(None, as_of=as_of)
    context["period"] = period
    try:
        context["scope"] = selectors.scope_for(
            workspace, where=form.where(), period=period, as_of=as_of
        )
    except selectors.NoData as error:
        context["empty"] = str(error)
    return context


def _dashboard_data(key: str, request: MemberRequest, context: dict) -> dict:
    scope = context["scope"]
    _, build = selectors.DASHBOARDS[key]
    if key == "customers":
        by = request.GET.get("by") or "segment"
        by = by if by in dict(SLICES) else "segment"
        return build(scope, by=by)
    return build(scope)


@login_required
@ability_required("view_dashboards")
@require_GET
def dashboard(request: MemberRequest, key: str) -> HttpResponse:
    """One of the four dashboards; an htmx request (a filter change) gets the body only."""
    if key not in selectors.DASHBOARDS:
        raise Http404("No such dashboard.")
    context = _prepare(request)
    context.update(key=key, title=selectors.DASHBOARDS[key][0])
    if "scope" in context:
        context["data"] = _dashboard_data(key, request, context)
        context["lineage"] = sorted(context["scope"].lineage.values(), key=lambda e: e["table"])
    if key == "executive":
        context["panels"] = _panels(request)
    template = f"dashboards/{key}.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "dashboard":
        template += "#body"
    else:
        dashboard_viewed.send_robust(
            sender=MemberRequest,
            workspace=request.workspace,
            user=request.user,
            role=request.membership.role,
            dashboard=key,
        )
    return render(request, template, context)


def _panels(request: MemberRequest) -> list[dict]:
    # Sections other apps add to the executive overview (health's newest notable changes),
    # registered so that the dashboards never import them.
    return [
        {"title": p.title, "template": p.template, "context": p.context(request, None)}
        for p in registry.panels(EXECUTIVE_PAGE)
        if can(request, p.ability)
    ]


@login_required
@ability_required("view_dashboards")
@require_GET
def chart_download(request: MemberRequest, key: str, chart: str, fmt: str) -> HttpResponseBase:
    """One chart's data (CSV, XLSX) or image (PNG, SVG), for the same filters as the page."""
    if key not in selectors.DASHBOARDS:
        raise Http404("No such dashboard.")
    context = _prepare(request)
    if "scope" not in context:
        raise Http404(context.get("empty") or context.get("unavailable") or "No data.")
    found = {c.key: c for c in _dashboard_data(key, request, context)["charts"]}
    if chart not in found:
        raise Http404("No such chart on this dashboard.")
    return assets.download(found[chart], fmt, filename=f"{key}-{chart}")


@login_required
@ability_required("view_dashboards")
@require_GET
def explain_metric(request: MemberRequest, name: str) -> HttpResponse:
    """What a figure means and how it was made: definition, formula, slice, sources and
    their freshness, the query, and the accounts behind it where that makes sense."""
    context = _prepare(request)
    context.update(explain.explain(request, name, context))
    template = "dashboards/explain.html"
    if request.headers.get("HX-Request"):
        template += "#explanation"
    return render(request, template, context, status=context.get("status", 200))


@require_GET
@cache_control(public=True, max_age=31536000, immutable=True)
def vega_bundle(request, version: str) -> HttpResponse:
    """The charting library (public: it is the same open-source code for everyone)."""
    if version != assets.version():
        raise Http404("This version of the charting library is not served here.")
    return HttpResponse(assets.bundle(), content_type="text/javascript; charset=utf-8")


def bundle_url() -> str:
    return reverse("dashboards:vega", kwargs={"version": assets.version()})


@login_required
@ability_required("view_dashboards")
@require_GET
def chart_spec(request: MemberRequest, key: str, chart: str) -> JsonResponse:
    """A chart's Vega-Lite specification as JSON (for the board pack and custom tools)."""
    if key not in selectors.DASHBOARDS:
        raise Http404("No such dashboard.")
    context = _prepare(request)
    if "scope" not in context:
        raise Http404("No data.")
    found = {c.key: c for c in _dashboard_data(key, request, context)["charts"]}
    if chart not in found:
        raise Http404("No such chart on this dashboard.")
    return JsonResponse(found[chart].spec)


PACK_COLUMNS = [
    Column("Quarter", "quarter", "quarter"),
    Column("Asked for", "asked", "created_at"),
    Column("By"),
    Column("Status"),
    Column("Files"),
]


@login_required
@ability_required("make_board_pack")
def board_pack(request: MemberRequest) -> HttpResponse:
    """Ask for a quarter's board pack; the packs asked for, following those being written."""
    quarters = quarters_with_data(workspace=request.workspace)
    form = BoardPackForm(request.POST or None, quarters=quarters)
    if request.method == "POST" and form.is_valid():
        try:
            pack = services.board_pack_request(
                actor=request.user,
                workspace=request.workspace,
                quarter=form.cleaned_data["quarter"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Writing the board pack for {pack.quarter}; it appears below."
            )
            return redirect("dashboards:board_pack")
    packs = BoardPack.objects.for_workspace(request.workspace).select_related("requested_by")
    listing = Listing(
        request,
        packs,
        columns=PACK_COLUMNS,
        default_sort="-asked",
        rows_template="dashboards/board_pack.html#rows",
        noun=("board pack", "board packs"),
    )
    active = any(pack.is_active() for pack in listing.rows)
    context = {"form": form, "listing": listing, "quarters": quarters, "active": active}
    return render_list(request, "dashboards/board_pack.html", context)


@login_required
@ability_required("make_board_pack")
@require_GET
def board_pack_file(request: MemberRequest, pk: int, fmt: str) -> FileResponse:
    """A written pack's PowerPoint or PDF."""
    pack = get_object_or_404(
        BoardPack.objects.for_workspace(request.workspace), pk=pk, status=BoardPack.Status.DONE
    )
    path = services.board_pack_download(actor=request.user, pack=pack, fmt=fmt)
    if not path.exists():
        raise Http404("This pack's files are gone from the server: write it again.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@require_POST
@login_required
@ability_required("view_dashboards")
def digest_subscription(request: MemberRequest) -> HttpResponse:
    """Subscribe to the weekly digest, or stop it (from the email preferences page)."""
    if request.POST.get("subscribe") == "1":
        services.digest_subscribe(actor=request.user, workspace=request.workspace)
        messages.success(request, "You will receive the weekly digest on Monday mornings.")
    else:
        services.digest_unsubscribe(actor=request.user, workspace=request.workspace)
        messages.success(request, "You will no longer receive the weekly digest.")
    return redirect("accounts:email_preferences")
