"""Sources over HTTP: list, create, change, remove, upload and remove files, start a sync,
read the history.

Product ops and admins manage sources; every member reads them and their sync reports.
"""

from datetime import datetime
from typing import Any

from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination
from greenroom.sources import selectors, services
from greenroom.sources.choices import RunStatus, SourceKind, SourceStatus, Trigger

router = Router(tags=["sources"])
MANAGE = "manage_sources"


class SourceOut(Schema):
    """A data source and how its last sync went."""

    id: int
    name: str
    kind: SourceKind
    settings: dict[str, Any]
    schedule: str
    enabled: bool
    status: SourceStatus
    last_sync_started_at: datetime | None
    last_synced_at: datetime | None = Field(description="When data was last committed.")
    rows_total: int = Field(
        description="Rows the analytics store holds from this source, embedded objects included."
    )


class SourceIn(Schema):
    """A new source."""

    name: str
    kind: SourceKind
    settings: dict[str, Any] = {}
    schedule: str = ""
    enabled: bool = True


class SourcePatch(Schema):
    """Changes to a source; omitted fields stay as they are."""

    settings: dict[str, Any] | None = None
    schedule: str | None = None
    enabled: bool | None = None


class RowErrorOut(Schema):
    """One problem with one row."""

    file: str
    row: int | None
    field: str
    reason: str


class SyncRunOut(Schema):
    """One sync: counts, the cursor it moved and the row-level error report.

    Rows are input records: ``rows_in`` (read) = ``rows_loaded`` + ``rows_rejected`` +
    ``rows_skipped``; objects inside them (invoice lines) are ``embedded_loaded``.
    """

    id: int
    status: RunStatus
    trigger: Trigger
    started_at: datetime
    finished_at: datetime | None
    rows_in: int
    rows_loaded: int
    rows_rejected: int
    rows_skipped: int
    embedded_loaded: int
    batches: int
    batches_rejected: int
    errors: list[RowErrorOut]
    errors_total: int
    notices: list[str]
    message: str
    cursor_before: dict[str, Any] | None
    cursor_after: dict[str, Any] | None

    @staticmethod
    def resolve_cursor_before(run) -> dict[str, Any] | None:
        return selectors.cursor_shown(run.cursor_before)

    @staticmethod
    def resolve_cursor_after(run) -> dict[str, Any] | None:
        return selectors.cursor_shown(run.cursor_after)


class SyncQueuedOut(Schema):
    """A sync was queued as a background job."""

    job_run_id: int
    job_status: str


class UploadOut(Schema):
    """A file kept with the source; the next sync loads it."""

    file: str


class UploadListOut(Schema):
    """A file uploaded to the source."""

    name: str
    size: int


class SourceRemovedOut(Schema):
    """A removed source: the rows deleted from the analytics store with it."""

    rows_removed: int


@router.get("", response=list[SourceOut], summary="List sources")
@paginate(LimitOffsetPagination)
def source_list(request: MemberRequest):
    require(request, "view")
    return selectors.source_list(workspace=request.workspace)


@router.post("", response={201: SourceOut, **errors(403)}, summary="Add a source")
def source_create(request: MemberRequest, payload: SourceIn):
    require(request, MANAGE)
    source = services.source_create(
        actor=request.user, workspace=request.workspace, **payload.dict()
    )
    return Status(201, source)


@router.get("/{pk}", response={200: SourceOut, **errors(404)}, summary="Get a source")
def source_get(request: MemberRequest, pk: int):
    require(request, "view")
    return selectors.source_get(workspace=request.workspace, pk=pk)


@router.patch("/{pk}", response={200: SourceOut, **errors(403, 404)}, summary="Change a source")
def source_update(request: MemberRequest, pk: int, payload: SourcePatch):
    require(request, MANAGE)
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    return services.source_update(actor=request.user, source=source, **payload.dict())


@router.post("/{pk}/files", response={201: UploadOut, **errors(403, 404)}, summary="Upload a file")
def source_upload(request: MemberRequest, pk: int, file: File[UploadedFile]):
    require(request, MANAGE)
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    saved = services.source_upload(actor=request.user, source=source, upload=file)
    return Status(201, {"file": saved.name})


@router.delete(
    "/{pk}",
    response={200: SourceRemovedOut, **errors(403, 404)},
    summary="Remove a source and the rows it loaded",
)
def source_delete(request: MemberRequest, pk: int):
    """Deletes the source, its sync history, its uploaded files and every row it loaded into
    the analytics store, then queues a full refresh of the metrics."""
    require(request, MANAGE)
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    return {"rows_removed": services.source_delete(actor=request.user, source=source)}


@router.get(
    "/{pk}/files",
    response={200: list[UploadListOut], **errors(403, 404)},
    summary="List a source's uploaded files",
)
def upload_list(request: MemberRequest, pk: int):
    require(request, MANAGE)
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    return selectors.upload_list(source)


@router.delete(
    "/{pk}/files/{name}",
    response={204: None, **errors(403, 404)},
    summary="Remove an uploaded file",
)
def upload_delete(request: MemberRequest, pk: int, name: str):
    """No later sync reads the file; rows it already loaded stay (remove the source to
    remove them)."""
    require(request, MANAGE)
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    selectors.upload_file(source, name)
    services.source_file_delete(actor=request.user, source=source, name=name)
    return Status(204, None)


@router.post(
    "/{pk}/sync", response={202: SyncQueuedOut, **errors(403, 404)}, summary="Start a sync"
)
def source_sync(request: MemberRequest, pk: int):
    require(request, MANAGE)
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    job_run = services.source_sync_request(actor=request.user, source=source, trigger=Trigger.API)
    return Status(202, {"job_run_id": job_run.pk, "job_status": job_run.status})


@router.get(
    "/{pk}/runs", response={200: list[SyncRunOut], **errors(404)}, summary="List a source's syncs"
)
@paginate(LimitOffsetPagination)
def run_list(request: MemberRequest, pk: int):
    require(request, "view")
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    return selectors.run_list(source=source)


@router.get(
    "/{pk}/runs/{run_pk}", response={200: SyncRunOut, **errors(404)}, summary="Get one sync"
)
def run_get(request: MemberRequest, pk: int, run_pk: int):
    require(request, "view")
    source = selectors.source_get(workspace=request.workspace, pk=pk)
    return selectors.run_get(source=source, pk=run_pk)
