"""Data health and the notable changes feed: thin views over selectors and services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from greenroom.accounts.choices import Role
from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.dashboards import assets, charts
from greenroom.health import selectors, services
from greenroom.health.models import Finding

SHOW = {"open": "Open", "followed": "Followed by me", "dismissed": "Dismissed", "all": "All"}


@login_required
@ability_required("view_data_health")
@require_GET
def data_health(request: MemberRequest) -> HttpResponse:
    """Sources' freshness, failed syncs, rows over time, discrepancies and dashboard use."""
    workspace = request.workspace
    context = {
        "sources": selectors.source_health(workspace=workspace),
        "failed": selectors.failed_runs(workspace=workspace),
        "rows_chart": _rows_chart(request),
        "crm": selectors.crm_billing_checks(workspace=workspace),
        "payroll": selectors.payroll_checks(workspace=workspace),
        "views": selectors.dashboard_views_by_role(workspace=workspace),
        "roles": Role.choices,
        "currency": workspace.reporting_currency,
        "vega_version": assets.version(),
    }
    return render(request, "health/data_health.html", context)


def _rows_chart(request: MemberRequest) -> charts.Chart:
    """Rows loaded per source per day, over every day of the window."""
    loaded = selectors.rows_over_time(workspace=request.workspace)
    now = timezone.now()
    spec = charts.daily_stacked_bar(
        "Rows loaded per day",
        loaded,
        series="source",
        unit="count",
        first=timezone.localdate(now - selectors.WINDOW),
        last=timezone.localdate(now),
    )
    title = "Rows loaded per day, last 30 days"
    return charts.Chart("rows", title, spec, loaded, ("period", "source", "value"))


@login_required
@ability_required("view_data_health")
@require_GET
def rows_download(request: MemberRequest, fmt: str) -> HttpResponseBase:
    """The rows-over-time chart's data (CSV, XLSX) or image (PNG, SVG), as drawn."""
    return assets.download(_rows_chart(request), fmt, filename="rows-loaded-per-day")


def _chart(finding: Finding) -> charts.Chart:
    rows = [{**point, "status": "complete", "partial": False} for point in finding.series]
    unit = "count" if finding.unit == "count" else "ratio"
    return charts.Chart(
        f"finding-{finding.pk}",
        finding.title,
        charts.line(finding.title, rows, unit=unit, height=160),
        rows,
        ("period", "value"),
    )


@login_required
@ability_required("view_findings")
@require_GET
def finding_list(request: MemberRequest) -> HttpResponse:
    """The notable changes feed, each with its evidence chart."""
    show = request.GET.get("show", "open")
    show = show if show in SHOW else "open"
    findings = list(
        selectors.finding_list(workspace=request.workspace, user=request.user, show=show)[:50]
    )
    context = {
        "items": [(f, _chart(f)) for f in findings],
        "show": show,
        "shows": SHOW.items(),
        "can_dismiss": can(request, "dismiss_findings"),
        "vega_version": assets.version(),
    }
    return render(request, "health/finding_list.html", context)


@login_required
@ability_required("view_findings")
@require_GET
def finding_detail(request: MemberRequest, pk: int) -> HttpResponse:
    """One notable change: what moved, against what, and its chart."""
    finding = selectors.finding_get(workspace=request.workspace, pk=pk)
    context = {
        "finding": finding,
        "chart": _chart(finding),
        "following": finding.followers.filter(pk=request.user.pk).exists(),
        "can_dismiss": can(request, "dismiss_findings"),
        "vega_version": assets.version(),
    }
    return render(request, "health/finding_detail.html", context)


@login_required
@ability_required("view_findings")
@require_GET
def finding_chart(request: MemberRequest, pk: str, fmt: str) -> HttpResponseBase:
    """A notable change's evidence: its series as CSV or Excel, its chart as PNG or SVG."""
    finding = selectors.finding_get(workspace=request.workspace, pk=int(pk))  # re_path: text
    return assets.download(_chart(finding), fmt, filename=f"notable-change-{finding.pk}")


def _back(request: MemberRequest, finding: Finding) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("health:finding", args=[finding.pk])
    return HttpResponseRedirect(target)


@login_required
@ability_required("view_findings")
@require_POST
def finding_follow(request: MemberRequest, pk: int) -> HttpResponse:
    """Follow or stop following a notable change (``follow=0`` stops)."""
    finding = selectors.finding_get(workspace=request.workspace, pk=pk)
    follow = request.POST.get("follow", "1") != "0"
    services.finding_follow(actor=request.user, finding=finding, follow=follow)
    messages.success(request, "Following this change." if follow else "No longer following.")
    return _back(request, finding)


@login_required
@ability_required("dismiss_findings")
@require_POST
def finding_dismiss(request: MemberRequest, pk: int) -> HttpResponse:
    """Dismiss a notable change for everyone, or bring it back (``dismiss=0``)."""
    finding = selectors.finding_get(workspace=request.workspace, pk=pk)
    dismiss = request.POST.get("dismiss", "1") != "0"
    services.finding_dismiss(actor=request.user, finding=finding, dismiss=dismiss)
    messages.success(request, "Dismissed." if dismiss else "Brought back to the feed.")
    return _back(request, finding)
