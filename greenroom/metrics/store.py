"""The analytics store: every DuckDB connection in Greenroom is opened here, nowhere else.

One writer at a time, enforced with an OS file lock beside the database so two syncs or
refreshes in different processes queue instead of corrupting each other. Web processes only
read. DuckDB allows one read-write process or several read-only ones on a file, not both, so
readers retry briefly while a writer holds it.
"""

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import ibis
from django.conf import settings


def store_path() -> Path:
    """Where the DuckDB file lives (GREENROOM_ANALYTICS_PATH, default in the data folder)."""
    return Path(settings.ANALYTICS_PATH)


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
def writer() -> Iterator[duckdb.DuckDBPyConnection]:
    """The single read-write connection; blocks until no other writer holds the store."""
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        connection = connect(path)
        try:
            yield connection
        finally:
            connection.close()
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def reader(timeout_s: float = 10.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, waiting up to ``timeout_s`` for a writer to finish."""
    path = store_path()
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            connection = connect(path, read_only=True)
            break
        except duckdb.IOException:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)
    try:
        yield connection
    finally:
        connection.close()


def exists() -> bool:
    """Whether the store has been created (a sync or refresh has run)."""
    return store_path().exists()


def ibis_backend(connection: duckdb.DuckDBPyConnection) -> ibis.BaseBackend:
    """An Ibis backend over an open store connection (metrics are Ibis expressions)."""
    return ibis.duckdb.from_connection(connection)


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
