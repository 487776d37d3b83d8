import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.lists import Column, Listing, render_list
from greenroom.sources import selectors, services
from greenroom.sources.choices import Trigger
from greenroom.sources.connectors.registry import FILE_KINDS
from greenroom.sources.forms import SourceEditForm, SourceForm, UploadForm, column_map_form
from greenroom.sources.models import Source
from greenroom.sources.previews import column_preview

MANAGE = "manage_sources"


@login_required
@ability_required("view")
def source_list(request: MemberRequest) -> HttpResponseBase:
    listing = Listing(
        request,
        selectors.source_list(workspace=request.workspace),
        columns=SOURCE_COLUMNS,
        default_sort="name",
        rows_template="sources/source_list.html#rows",
        export_name="sources",
        noun=("source", "sources"),
    )
    if listing.export_format:
        return listing.export()
    context = {"listing": listing, "can_manage": can(request, MANAGE)}
    return render_list(request, "sources/source_list.html", context)


SOURCE_COLUMNS = [
    Column("Source", "name", "name", value=lambda s: s.name),
    Column("Kind", "kind", "kind", value=lambda s: s.get_kind_display()),
    Column("Status", "status", "status", value=lambda s: s.get_status_display()),
    Column(
        "Last attempt", "attempted", "last_sync_started_at", value=lambda s: s.last_sync_started_at
    ),
    Column("Data last loaded", "synced", "last_synced_at", value=lambda s: s.last_synced_at),
    Column("Rows in the store", "rows", "rows_total", value=lambda s: s.rows_total, numeric=True),
    Column("Schedule", value=lambda s: s.schedule or "manual"),
]
SYNC_COLUMNS = [
    Column("Started", "started", "started_at"),
    Column("Status", "status", "status"),
    Column("By"),
    Column("Rows read", "in", "rows_in", numeric=True),
    Column("Loaded", "loaded", "rows_loaded", numeric=True),
    Column("Rejected", "rejected", "rows_rejected", numeric=True),
    Column("Skipped", "skipped", "rows_skipped", numeric=True),
    Column("Embedded objects", "embedded", "embedded_loaded", numeric=True),
    Column("Report"),
]


@login_required
@ability_required(MANAGE)
def source_create(request: MemberRequest) -> HttpResponse:
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_create(
                actor=request.user,
                workspace=request.workspace,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                settings=form.settings(),
                schedule=form.cleaned_data["schedule"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Added source “{source.name}”.")
            return redirect("sources:detail", pk=source.pk)
    return render(request, "sources/source_form.html", {"form": form})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            target = field if field in form.fields else None
            if field == "settings" and "extra" in form.fields:
                target = "extra"
            for problem in problems:
                form.add_error(target, problem)
    else:
        form.add_error(None, error)


@login_required
@ability_required(MANAGE)
def source_edit(request: MemberRequest, pk: int) -> HttpResponse:
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    initial = {
        "schedule": source.schedule,
        "enabled": source.enabled,
        "settings": json.dumps(source.settings, indent=2),
    }
    form = SourceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.source_update(
                actor=request.user,
                source=source,
                settings=form.cleaned_data["settings"],
                schedule=form.cleaned_data["schedule"],
                enabled=form.cleaned_data["enabled"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Saved “{source.name}”.")
            return redirect("sources:detail", pk=pk)
    return render(request, "sources/source_edit.html", {"form": form, "source": source})


@login_required
@ability_required("view")
def source_detail(request: MemberRequest, pk: int) -> HttpResponse:
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    listing = Listing(
        request,
        selectors.run_list(source=source),
        columns=SYNC_COLUMNS,
        rows_template="sources/source_detail.html#rows",
        noun=("sync", "syncs"),
    )
    can_manage = can(request, MANAGE)
    preview = column_preview(source) if can_manage else None
    files = can_manage and source.kind in FILE_KINDS
    context = {
        **_sync_state(source),
        "listing": listing,
        "can_manage": can_manage,
        "upload_form": UploadForm() if files else None,
        "uploads": selectors.upload_list(source) if files else [],
        "preview": preview,
    }
    return render_list(request, "sources/source_detail.html", context)


def _sync_state(source: Source) -> dict[str, Any]:
    running = selectors.sync_running(source=source)
    syncing = running is not None or selectors.sync_waiting(source=source)
    return {"source": source, "running": running, "syncing": syncing}


@login_required
@ability_required("view")
def source_state(request: MemberRequest, pk: int) -> HttpResponse:
    """The source page's status line, polled while a sync is queued or running; once it is
    over the whole page reloads, so the history and counts show the result."""
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    state = _sync_state(source)
    if not state["syncing"]:
        return HttpResponseClientRefresh()
    return render(request, "sources/source_detail.html#state", state)


@login_required
@ability_required(MANAGE)
def source_delete(request: MemberRequest, pk: int) -> HttpResponse:
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        removed = services.source_delete(actor=request.user, source=source)
        messages.success(
            request,
            f"Removed “{source.name}” and the {removed:,} rows it had loaded; "
            "the metrics are being refreshed without them.",
        )
        return redirect("sources:list")
    context = {"source": source, "uploads": selectors.upload_list(source)}
    return render(request, "sources/source_delete.html", context)


@login_required
@ability_required(MANAGE)
def source_file_delete(request: MemberRequest, pk: int, name: str) -> HttpResponse:
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    selectors.upload_file(source, name)  # 404 for a file the source does not have
    if request.method == "POST":
        services.source_file_delete(actor=request.user, source=source, name=name)
        messages.success(request, f"Removed {name}; no later sync reads it.")
        return redirect("sources:detail", pk=pk)
    return render(request, "sources/file_delete.html", {"source": source, "name": name})


@require_POST
@login_required
@ability_required(MANAGE)
def source_upload(request: MemberRequest, pk: int) -> HttpResponse:
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to upload.")
        return redirect("sources:detail", pk=pk)
    try:
        saved = services.source_upload(
            actor=request.user, source=source, upload=form.cleaned_data["file"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Uploaded {saved.name}; it loads with the next sync.")
    return redirect("sources:detail", pk=pk)


@require_POST
@login_required
@ability_required(MANAGE)
def source_sync(request: MemberRequest, pk: int) -> HttpResponse:
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    services.source_sync_request(actor=request.user, source=source, trigger=Trigger.WEB)
    messages.success(request, f"Sync of “{source.name}” started; its result appears below.")
    return redirect("sources:detail", pk=pk)


@require_POST
@login_required
@ability_required(MANAGE)
def source_columns(request: MemberRequest, pk: int) -> HttpResponse:
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    preview = column_preview(source)
    if not preview or not preview.columns:
        messages.error(request, "There is no readable file to map columns from yet.")
        return redirect("sources:detail", pk=pk)
    form = column_map_form(preview.fields, preview.required, preview.columns, {})(request.POST)
    if form.is_valid():
        columns = {name: column for name, column in form.cleaned_data.items() if column}
        settings = {**source.settings, "columns": columns}
        if not columns:
            settings.pop("columns")
        try:
            services.source_update(actor=request.user, source=source, settings=settings)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Saved the column map; the next sync uses it.")
    return redirect("sources:detail", pk=pk)


@login_required
@ability_required("view")
def run_detail(request: MemberRequest, pk: int, run_pk: int) -> HttpResponse:
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    run = selectors.run_get(source=source, pk=run_pk)
    context = {
        "source": source,
        "run": run,
        "cursor_before": selectors.cursor_shown(run.cursor_before),
        "cursor_after": selectors.cursor_shown(run.cursor_after),
    }
    return render(request, "sources/run_detail.html", context)
