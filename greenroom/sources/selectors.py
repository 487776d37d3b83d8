"""Reads for sources, always scoped to a workspace; plus what the store says about them."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from greenroom.accounts.models import Workspace
from greenroom.lib.redact import short_path
from greenroom.registry import Ratio
from greenroom.sources.connectors.files import source_files
from greenroom.sources.connectors.registry import FILE_KINDS
from greenroom.sources.models import Source, SyncRun
from greenroom.sources.schedule import schedule_parse

# A source counts as fresh when its data was committed within this long.
FRESHNESS_WINDOW = timedelta(hours=24)


def source_list(*, workspace: Workspace) -> QuerySet[Source]:
    """The workspace's sources, by name."""
    return Source.objects.for_workspace(workspace).order_by("name")


def sources_fresh(*, workspace: Workspace) -> Ratio:
    """Enabled sources whose data was committed within the freshness window, of all enabled."""
    since = timezone.now() - FRESHNESS_WINDOW
    counts = (
        Source.objects.for_workspace(workspace)
        .filter(enabled=True)
        .aggregate(fresh=Count("id", filter=Q(last_synced_at__gte=since)), total=Count("id"))
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


def cursor_shown(cursor: dict[str, Any] | None) -> dict[str, Any] | None:
    """A sync's cursor as members see it: its files named below their folder, not by the
    server path the cursor keys them by."""
    if not cursor or not isinstance(cursor.get("files"), dict):
        return cursor
    return {**cursor, "files": {short_path(key): value for key, value in cursor["files"].items()}}
