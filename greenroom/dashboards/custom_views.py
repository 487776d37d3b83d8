"""Custom dashboards' pages: the list, a dashboard (read), its editor and its tiles' writes
(product ops and admins), and each tile's downloads. Thin: reads in ``custom``, writes in
``services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from greenroom.accounts.permissions import ability_required
from greenroom.accounts.requests import MemberRequest
from greenroom.dashboards import assets, custom, services
from greenroom.dashboards.forms import CustomDashboardForm, TileForm
from greenroom.dashboards.models import CustomDashboard, Tile
from greenroom.metrics import selectors as metrics


def _readable(request: MemberRequest, pk: int) -> CustomDashboard:
    found = custom.custom_dashboard_get(
        workspace=request.workspace, user=request.user, membership=request.membership, pk=pk
    )
    if found is None:
        raise Http404("No such dashboard, or it is not published to your team.")
    return found


def _editable(request: MemberRequest, pk: int) -> CustomDashboard:
    return get_object_or_404(CustomDashboard.objects.for_workspace(request.workspace), pk=pk)


def _data(request: MemberRequest) -> dict:
    """The data's as-of date and dimension values, or why there are none."""
    try:
        return {
            "as_of": metrics.as_of(workspace=request.workspace),
            "values": metrics.dimension_values(workspace=request.workspace),
        }
    except metrics.MetricsUnavailable as error:
        return {"unavailable": str(error), "values": {}}


@login_required
@ability_required("view_dashboards")
@require_http_methods(["GET", "POST"])
def custom_list(request: MemberRequest) -> HttpResponse:
    """The custom dashboards the member may read; product ops create one here."""
    manage = custom.may_manage(request.membership)
    form = CustomDashboardForm(
        request.POST if request.method == "POST" else None, workspace=request.workspace
    )
    if request.method == "POST":
        if not manage:
            return HttpResponse("Only product ops and admins compose dashboards.", status=403)
        if form.is_valid():
            try:
                dashboard = services.custom_dashboard_create(
                    actor=request.user, workspace=request.workspace, **form.cleaned_data
                )
            except IntegrityError:
                form.add_error("name", "A dashboard with this name exists already.")
            else:
                return HttpResponseRedirect(reverse("dashboards:custom_edit", args=[dashboard.pk]))
    rows = custom.custom_dashboard_list(
        workspace=request.workspace, user=request.user, membership=request.membership
    )
    context = {"dashboards": rows, "form": form if manage else None, "manage": manage}
    return render(
        request, "dashboards/custom_list.html", context, status=400 if form.errors else 200
    )


@login_required
@ability_required("view_dashboards")
@require_GET
def custom_detail(request: MemberRequest, pk: int) -> HttpResponse:
    """A custom dashboard, every tile drawn (or explaining why it cannot be)."""
    dashboard = _readable(request, pk)
    data = _data(request)
    tiles = []
    if "as_of" in data:
        tiles = [
            custom.render_tile(t, workspace=request.workspace, **data)
            for t in dashboard.tiles.all()
        ]
    context = {
        **data,
        "dashboard": dashboard,
        "tiles": tiles,
        "manage": custom.may_manage(request.membership),
        "currency": request.workspace.reporting_currency,
        "vega_version": assets.version(),
    }
    return render(request, "dashboards/custom_detail.html", context)


def _tile_form(request: MemberRequest, data=None, initial=None) -> TileForm:
    return TileForm(
        data,
        initial=initial,
        definitions=custom.tileable_metrics(),
        values=_data(request)["values"],
    )


@login_required
@ability_required("manage_dashboards")
@require_http_methods(["GET", "POST"])
def custom_edit(request: MemberRequest, pk: int) -> HttpResponse:
    """Name, description and teams; the tiles in order with their controls; a new tile."""
    dashboard = _editable(request, pk)
    form = CustomDashboardForm(
        request.POST if request.method == "POST" else None,
        workspace=request.workspace,
        initial={
            "name": dashboard.name,
            "description": dashboard.description,
            "teams": list(dashboard.teams.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_dashboard_update(
                actor=request.user, dashboard=dashboard, **form.cleaned_data
            )
        except IntegrityError:
            form.add_error("name", "A dashboard with this name exists already.")
        else:
            messages.success(request, "Saved.")
            return HttpResponseRedirect(reverse("dashboards:custom_edit", args=[pk]))
    return _editor(
        request, dashboard, form=form, tile_form=_tile_form(request, initial={"period": "12m"})
    )


def _editor(request, dashboard, *, form, tile_form, status=200) -> HttpResponse:
    context = {
        "dashboard": dashboard,
        "form": form,
        "tile_form": tile_form,
        "tiles": dashboard.tiles.order_by("position", "pk"),
    }
    if form.errors or tile_form.errors:
        status = 400
    return render(request, "dashboards/custom_edit.html", context, status=status)


@login_required
@ability_required("manage_dashboards")
@require_POST
def tile_add(request: MemberRequest, pk: int) -> HttpResponse:
    dashboard = _editable(request, pk)
    tile_form = _tile_form(request, request.POST)
    if tile_form.is_valid():
        services.tile_add(actor=request.user, dashboard=dashboard, **tile_form.tile_fields())
        messages.success(request, "Tile added.")
        return HttpResponseRedirect(reverse("dashboards:custom_edit", args=[pk]) + "#tiles")
    form = CustomDashboardForm(workspace=request.workspace, initial={"name": dashboard.name})
    return _editor(request, dashboard, form=form, tile_form=tile_form)


def _tile(request: MemberRequest, pk: int, tile_id: int) -> Tile:
    return get_object_or_404(
        Tile.objects.for_workspace(request.workspace).select_related("dashboard"),
        pk=tile_id,
        dashboard_id=pk,
    )


@login_required
@ability_required("manage_dashboards")
@require_http_methods(["GET", "POST"])
def tile_edit(request: MemberRequest, pk: int, tile_id: int) -> HttpResponse:
    tile = _tile(request, pk, tile_id)
    if request.method == "POST":
        form = _tile_form(request, request.POST)
        if form.is_valid():
            services.tile_update(actor=request.user, tile=tile, **form.tile_fields())
            messages.success(request, "Tile saved.")
            return HttpResponseRedirect(reverse("dashboards:custom_edit", args=[pk]) + "#tiles")
    else:
        form = _tile_form(request, initial=TileForm.initial_for(tile))
    status = 400 if form.errors else 200
    return render(
        request, "dashboards/tile_edit.html", {"tile": tile, "tile_form": form}, status=status
    )


@login_required
@ability_required("manage_dashboards")
@require_POST
def tile_move(request: MemberRequest, pk: int, tile_id: int) -> HttpResponse:
    tile = _tile(request, pk, tile_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.tile_move(actor=request.user, tile=tile, offset=offset)
    return HttpResponseRedirect(reverse("dashboards:custom_edit", args=[pk]) + "#tiles")


@login_required
@ability_required("manage_dashboards")
@require_POST
def tile_remove(request: MemberRequest, pk: int, tile_id: int) -> HttpResponse:
    services.tile_remove(actor=request.user, tile=_tile(request, pk, tile_id))
    messages.success(request, "Tile removed.")
    return HttpResponseRedirect(reverse("dashboards:custom_edit", args=[pk]) + "#tiles")


@login_required
@ability_required("manage_dashboards")
@require_POST
def custom_delete(request: MemberRequest, pk: int) -> HttpResponse:
    services.custom_dashboard_delete(actor=request.user, dashboard=_editable(request, pk))
    messages.success(request, "Dashboard deleted.")
    return HttpResponseRedirect(reverse("dashboards:custom_list"))


@login_required
@ability_required("view_dashboards")
@require_GET
def tile_download(request: MemberRequest, pk: int, tile_id: int, fmt: str) -> HttpResponseBase:
    """A tile's data (CSV, XLSX) or image (PNG, SVG), as the dashboard draws it."""
    dashboard = _readable(request, int(pk))  # re_path passes strings
    tile = next((t for t in dashboard.tiles.all() if t.pk == int(tile_id)), None)
    data = _data(request)
    if tile is None or "as_of" not in data:
        raise Http404("No such tile, or no data to draw it from.")
    view = custom.render_tile(tile, workspace=request.workspace, **data)
    if view.chart is None:
        raise Http404(view.problem)
    return assets.download(view.chart, fmt, filename=f"dashboard-{pk}-tile-{tile_id}")
