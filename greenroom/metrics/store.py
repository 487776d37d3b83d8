"""The analytics store: every DuckDB connection in Greenroom is opened here, nowhere else.

Each workspace has a store of its own, a folder in the analytics folder::

    workspace-<id>/store.duckdb       raw, meta, model, rollup: written by syncs and refreshes
    workspace-<id>/store.lock         held by the one writer (syncs and refreshes queue on it)
    workspace-<id>/snapshots/*.duckdb copies of the store as of a completed refresh
    workspace-<id>/current            the name of the snapshot readers use

DuckDB lets one process write a file or several processes read it, never both at once. So
readers never open the working file: a refresh ends by publishing a snapshot, a new file
that is complete before ``current`` is switched to it by an atomic rename. Readers keep seeing
the last complete refresh while the next one is built, and a refresh never waits for them.
"""

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import ibis
from django.conf import settings

POINTER = "current"
WORKING_FILE = "store.duckdb"
# The previous snapshot is kept beside the current one, so a reader that read the pointer
# just before a publish still finds its file.
SNAPSHOTS_KEPT = 2


class StoreNotPublished(Exception):
    """The workspace's store has no completed refresh to read yet."""


def workspace_folder(workspace_id: int) -> Path:
    """The folder holding one workspace's store, its lock and its snapshots."""
    return Path(settings.ANALYTICS_DIR) / f"workspace-{int(workspace_id)}"


def working_path(workspace_id: int) -> Path:
    """The working DuckDB file of a workspace (the writer's; readers use snapshots)."""
    return workspace_folder(workspace_id) / WORKING_FILE


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the store file at ``path``, within the configured memory."""
    # Spilled intermediates go beside the store, not to /tmp, which may be small.
    spill = Path(path).parent / "duckdb-spill"
    connection = duckdb.connect(
        str(path),
        read_only=read_only,
        config={"memory_limit": settings.ANALYTICS_MEMORY_LIMIT, "temp_directory": str(spill)},
    )
    # Long refreshes report through their own progress lines, not a terminal bar.
    connection.execute("SET enable_progress_bar = false")
    return connection


@contextmanager
def writer(workspace_id: int) -> Iterator[duckdb.DuckDBPyConnection]:
    """The workspace's single read-write connection; blocks while another writer holds it."""
    folder = workspace_folder(workspace_id)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "store.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _adopt_legacy_store(workspace_id)
            connection = connect(folder / WORKING_FILE)
            try:
                yield connection
            finally:
                connection.close()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def publish(connection: duckdb.DuckDBPyConnection, workspace_id: int) -> str:
    """Make what the writer's connection holds now the snapshot readers see; returns its
    name. Called by the writer (no other write can happen meanwhile) once a refresh ended."""
    # After a checkpoint the file holds everything committed and the connection writes
    # nothing until asked to, so a byte copy of it is a complete database. A copy of the
    # file is several times faster than copying the tables into a new one (which re-encodes
    # every row), at the price of disk: each snapshot is as large as the store.
    connection.execute("CHECKPOINT")
    snapshots = workspace_folder(workspace_id) / "snapshots"
    snapshots.mkdir(parents=True, exist_ok=True)
    # Nanoseconds sort in publish order and never repeat within one writer.
    name = f"{time.time_ns()}.duckdb"
    partial = snapshots / f"{name}.partial"
    shutil.copyfile(working_path(workspace_id), partial)
    with open(partial, "rb") as copied:
        os.fsync(copied.fileno())
    os.replace(partial, snapshots / name)
    _point_to(workspace_id, name)
    _prune(snapshots, keep=name)
    return name


# The pointer is read on every request: a stat tells whether it changed, which is cheaper
# than opening it. A publish renames a new file over it, so its inode changes.
_pointer_reads: dict[Path, tuple[tuple[int, int], str | None]] = {}


def snapshot_name(workspace_id: int) -> str | None:
    """The name of the snapshot readers see now (changes at every publish), or None."""
    pointer = workspace_folder(workspace_id) / POINTER
    try:
        status = pointer.stat()
        version = (status.st_ino, status.st_mtime_ns)
        known = _pointer_reads.get(pointer)
        if known and known[0] == version:
            return known[1]
        name = pointer.read_text().strip() or None
    except FileNotFoundError:
        return None
    _pointer_reads[pointer] = (version, name)
    return name


def published(workspace_id: int) -> bool:
    """Whether a refresh has published something for readers."""
    return snapshot_name(workspace_id) is not None


@contextmanager
def reader(workspace_id: int) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only cursor on the workspace's current snapshot; never waits for a writer."""
    connection = _snapshot_connection(workspace_id)
    cursor = connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


# One read-only connection per store and process, reused by every request: opening a DuckDB
# file costs more than most dashboard queries. Replaced when a new snapshot appears; the old
# connection stays alive for cursors still reading it (dropped, never closed: closing it
# would close them too).
_open_snapshots: dict[Path, tuple[str, duckdb.DuckDBPyConnection]] = {}
_open_snapshots_lock = threading.Lock()
MAX_OPEN_SNAPSHOTS = 32


def _snapshot_connection(workspace_id: int) -> duckdb.DuckDBPyConnection:
    folder = workspace_folder(workspace_id)
    for _attempt in range(3):
        name = snapshot_name(workspace_id)
        if name is None:
            raise StoreNotPublished("No refresh has been published for this workspace yet.")
        with _open_snapshots_lock:
            cached = _open_snapshots.get(folder)
            if cached and cached[0] == name:
                return cached[1]
            try:
                connection = connect(folder / "snapshots" / name, read_only=True)
            except duckdb.IOException:
                # Pruned between reading the pointer and opening the file: read it again.
                continue
            _open_snapshots.pop(folder, None)
            _open_snapshots[folder] = (name, connection)
            while len(_open_snapshots) > MAX_OPEN_SNAPSHOTS:
                _open_snapshots.pop(next(iter(_open_snapshots)))
            return connection
    raise StoreNotPublished("The published snapshot could not be opened; try again.")


def close_open_snapshots() -> None:
    """Close this process's snapshot connections (a web worker about to exit)."""
    with _open_snapshots_lock:
        for _, connection in _open_snapshots.values():
            connection.close()
        _open_snapshots.clear()


def _point_to(workspace_id: int, name: str) -> None:
    folder = workspace_folder(workspace_id)
    staged = folder / f"{POINTER}.new"
    with open(staged, "w") as handle:
        handle.write(name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staged, folder / POINTER)


def _prune(snapshots: Path, *, keep: str) -> None:
    names = sorted(path.name for path in snapshots.glob("*.duckdb"))
    for stale in names[: max(len(names) - SNAPSHOTS_KEPT, 0)]:
        if stale != keep:
            # A reader still holding it keeps reading: the file lives until it is closed.
            (snapshots / stale).unlink(missing_ok=True)
    for leftover in snapshots.glob("*.partial"):
        leftover.unlink(missing_ok=True)


def _adopt_legacy_store(workspace_id: int) -> None:
    """Move the single store of earlier versions (data folder/analytics.duckdb) into the
    workspace it belonged to, so upgrading keeps every loaded row."""
    configured = os.environ.get("GREENROOM_ANALYTICS_PATH")
    legacy = Path(configured) if configured else Path(settings.DATA_DIR) / "analytics.duckdb"
    target = working_path(workspace_id)
    if target.exists() or not legacy.exists():
        return
    from greenroom.accounts.models import Workspace

    chosen = os.environ.get("GREENROOM_ANALYTICS_WORKSPACE", "")
    workspaces = Workspace.objects.order_by("id")
    owner = (workspaces.filter(slug=chosen) if chosen else workspaces).first()
    if owner is not None and owner.pk == workspace_id:
        os.replace(legacy, target)


def ibis_backend(connection: duckdb.DuckDBPyConnection) -> ibis.BaseBackend:
    """An Ibis backend over an open store connection (metrics are Ibis expressions)."""
    return ibis.duckdb.from_connection(connection)


def warehouse_schema(workspace_id: int, schema: str) -> str:
    """The name of a workspace's ``model`` or ``rollup`` schema on a warehouse."""
    return f"ws{int(workspace_id)}_{schema}"


def warehouse(url: str) -> ibis.BaseBackend:
    """An Ibis backend for a metrics warehouse URL: postgres://... or spark://local."""
    if url.startswith(("postgres://", "postgresql://")):
        return ibis.connect(url.replace("postgresql://", "postgres://", 1))
    if url.startswith("spark://"):
        from pyspark.sql import SparkSession

        master = url.removeprefix("spark://")
        session = (
            SparkSession.builder.master("local[2]" if master == "local" else f"spark://{master}")
            .appName("greenroom-metrics")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            # Managed tables go to the data folder, never the working directory.
            .config("spark.sql.warehouse.dir", str(Path(settings.DATA_DIR) / "spark-warehouse"))
            .getOrCreate()
        )
        return ibis.pyspark.connect(session)
    raise ValueError(
        f"GREENROOM_ANALYTICS_URL {url!r} is not supported: use duckdb, postgres://... or "
        "spark://local (docs/warehouse.md)."
    )
