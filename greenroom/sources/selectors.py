"""Reads for sources, always scoped to a workspace; plus what the store says about them."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from greenroom.accounts.models import Workspace
from greenroom.jobs.selectors import job_run_pending
from greenroom.lib.redact import short_path
from greenroom.registry import Ratio
from greenroom.sources.choices import RunStatus
from greenroom.sources.connectors.files import FILE_SUFFIXES, source_files, upload_dir
from greenroom.sources.connectors.registry import FILE_KINDS
from greenroom.sources.models import Source, SyncRun
from greenroom.sources.schedule import schedule_parse

# A source counts as fresh when its data was committed within this long.
FRESHNESS_WINDOW = timedelta(hours=24)


def source_list(*, workspace: Workspace) -> QuerySet[Source]:
    """The workspace's sources, by name."""
    return Source.objects.for_workspace(workspace).order_by("name")


def sources_fresh(*, workspace: Workspace) -> Ratio:
    """Enabled sources whose data was committed within the freshness window and whose last
    sync was not rejected or failed (their newest data is missing), of all enabled."""
    since = timezone.now() - FRESHNESS_WINDOW
    fresh = Q(last_synced_at__gte=since) & ~Q(status__in=[RunStatus.REJECTED, RunStatus.FAILED])
    counts = (
        Source.objects.for_workspace(workspace)
        .filter(enabled=True)
        .aggregate(fresh=Count("id", filter=fresh), total=Count("id"))
    )
    return Ratio(counts["fresh"], counts["total"])


def source_search(*, workspace: Workspace, query: str, limit: int) -> list[Source]:
    """Up to ``limit`` sources whose name contains ``query``, by name."""
    return list(source_list(workspace=workspace).filter(name__icontains=query)[:limit])


def source_get(*, workspace: Workspace, pk: int | None = None, name: str | None = None) -> Source:
    """One source of the workspace, by id or name, or 404."""
    filters: dict[str, int | str | None] = {"pk": pk} if pk is not None else {"name": name}
    source = Source.objects.for_workspace(workspace).filter(**filters).first()
    if source is None:
        raise Http404("No such source in this workspace.")
    return source


def run_list(*, source: Source) -> QuerySet[SyncRun]:
    """A source's syncs, newest first."""
    return (
        SyncRun.objects.filter(source=source).select_related("actor").order_by("-started_at", "-pk")
    )


def run_get(*, source: Source, pk: int) -> SyncRun:
    """One sync of a source, or 404."""
    run = SyncRun.objects.filter(source=source, pk=pk).first()
    if run is None:
        raise Http404("No such sync of this source.")
    return run


def sources_due(*, now: datetime) -> list[Source]:
    """Enabled sources (of every workspace) whose schedule says a sync should start ``now``."""
    return [
        source
        for source in Source.objects.filter(enabled=True).exclude(schedule="")
        if schedule_parse(source.schedule).is_due(now, source.last_sync_started_at)
    ]


def source_file_list(source: Source) -> list[Path]:
    """The files a file source reads (none for an API source); OutsideFolders when one of
    them now lies outside the folders a source made on the web or API may read."""
    if source.kind not in FILE_KINDS:
        return []
    return source_files(
        source.workspace_id,
        source.name,
        source.settings.get("path", ""),
        trusted=source.path_trusted,
    )


@dataclass(frozen=True)
class Upload:
    """A file uploaded to a source."""

    name: str
    size: int


def upload_list(source: Source) -> list[Upload]:
    """The files uploaded to a source, in the order they load."""
    folder = upload_dir(source.workspace_id, source.name)
    if not folder.is_dir():
        return []
    return [
        Upload(path.name, path.stat().st_size)
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix.lower() in FILE_SUFFIXES
    ]


def upload_file(source: Source, name: str) -> Path:
    """One uploaded file of the source by name, or 404 (never a path outside its folder)."""
    if name not in {upload.name for upload in upload_list(source)}:
        raise Http404("No such uploaded file.")
    return upload_dir(source.workspace_id, source.name) / name


def sync_running(*, source: Source) -> SyncRun | None:
    """The source's sync in progress, if any."""
    return SyncRun.objects.filter(source=source, status=RunStatus.RUNNING).first()


def sync_waiting(*, source: Source) -> bool:
    """Whether a sync of the source is queued, running or about to be retried as a job."""
    return job_run_pending(
        workspace=source.workspace, name="sources.sync", arguments={"source_id": source.pk}
    )


def cursor_shown(cursor: dict[str, Any] | None) -> dict[str, Any] | None:
    """A sync's cursor as members see it: its files named below their folder, not by the
    server path the cursor keys them by."""
    if not cursor or not isinstance(cursor.get("files"), dict):
        return cursor
    return {**cursor, "files": {short_path(key): value for key, value in cursor["files"].items()}}
