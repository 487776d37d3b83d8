"""Run huey consumers: in threads of the current process, or as ``greenroom worker``.

``start_embedded_worker()`` starts worker threads and the periodic scheduler in this process
and returns a handle to ``.stop()`` them; with Redis configured (separate ``greenroom worker``
processes) or in immediate mode it starts nothing. The ``worker`` command is the same
consumer owning its own process and signals.
"""

import logging
import threading
import time
import weakref
from typing import Any, Protocol

from django.conf import settings
from django.db import connections
from django.utils.module_loading import autodiscover_modules
from huey import Huey
from huey.api import Task
from huey.consumer import Consumer, ConsumerStopped
from huey.contrib import djhuey
from huey.signals import SIGNAL_INTERRUPTED

from greenroom.jobs import services
from greenroom.jobs.registry import LOCK_PREFIX

logger = logging.getLogger(__name__)

DEFAULT_WORKERS = 2
_prepared: "weakref.WeakSet[Huey]" = weakref.WeakSet()


class WorkerHandle(Protocol):
    def stop(self, timeout: float = 30.0) -> None: ...


class _ThreadedConsumer(Consumer):
    """A huey consumer that leaves the process's signal handlers alone.

    ``Consumer.start()`` installs SIGINT/SIGTERM/SIGHUP handlers, which only works in the main
    thread and would take the signals away from the web server that embeds us.
    """

    def _set_signal_handlers(self) -> None:
        pass


class EmbeddedWorker:
    """Huey worker threads and scheduler running inside this process."""

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        # What Consumer.run() does in its main loop, minus the signals: restart dead workers.
        self._monitor = threading.Thread(target=self._watch, name="huey-monitor", daemon=True)

    def start(self) -> "EmbeddedWorker":
        self.consumer.start()
        self._monitor.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs, give running ones ``timeout`` seconds to finish, then return."""
        self.consumer.shutdown_timeout = timeout
        self.consumer.stop(graceful=True)
        self._monitor.join(timeout=5)
        # Jobs still running after the timeout are cut short when the process exits.
        self.consumer.huey.notify_interrupted_tasks()

    def is_running(self) -> bool:
        """Whether the worker threads are up."""
        return not self.consumer.stop_flag.is_set()

    def _watch(self) -> None:
        health_check_ts = time.monotonic()
        while True:
            try:
                health_check_ts = self.consumer.loop(health_check_ts)
            except ConsumerStopped:
                return


class _NoWorker:
    """The handle returned when this process should not run jobs itself."""

    def stop(self, timeout: float = 30.0) -> None:
        pass


def uses_embedded_worker() -> bool:
    """Whether the configuration expects the web server to run the jobs itself."""
    return not settings.JOBS_URL and not settings.JOBS_IMMEDIATE


def start_embedded_worker(
    *, huey: Huey | None = None, workers: int | None = None, periodic: bool = True
) -> WorkerHandle:
    """Start huey's workers and scheduler in background threads of this process.

    Call once per installation, from the process that serves the web app (not once per
    forked web worker: each call runs its own scheduler). Without ``huey`` this follows the
    configuration and starts nothing in Redis or immediate mode.
    """
    if huey is None:
        if not uses_embedded_worker():
            logger.info("Background jobs run elsewhere (%s).", _where_jobs_run())
            return _NoWorker()
        huey = djhuey.HUEY
    autodiscover_modules("tasks")
    prepare(huey)
    # Nothing else consumes this queue in the embedded mode, so any lock still held was left
    # by a process that died mid-job and would block that job forever.
    flush_job_locks(huey)
    consumer = _ThreadedConsumer(
        huey, **consumer_options(workers=workers, periodic=periodic, worker_type="thread")
    )
    worker = EmbeddedWorker(consumer).start()
    logger.info("Background jobs run in this process (%d worker threads).", consumer.workers)
    return worker


def after_fork() -> None:
    """Drop the queue connection inherited from a parent process (call in gunicorn post_fork).

    The SQLite queue opens its connection when Django starts; a forked web worker must not
    share it with the parent, and huey opens a fresh one on first use.
    """
    djhuey.HUEY.storage.close()


def consumer_options(
    *, workers: int | None, periodic: bool, worker_type: str | None = None
) -> dict[str, Any]:
    """Huey consumer options: settings.HUEY["consumer"] overridden by what is given."""
    configured = dict(getattr(settings, "HUEY", {}).get("consumer", {}))
    options: dict[str, Any] = {
        "workers": DEFAULT_WORKERS,
        "worker_type": "thread",
        # Poll an idle SQLite queue at most every 2 s rather than huey's 10 s, so a job
        # enqueued from a web request starts promptly.
        "max_delay": 2.0,
        **configured,
        "periodic": periodic,
    }
    if workers is not None:
        options["workers"] = workers
    if worker_type is not None:
        options["worker_type"] = worker_type
    return options


def prepare(huey: Huey) -> None:
    """Hooks every consumer of ours needs; safe to call more than once."""
    # Each worker thread opens its own database connections; close them as it exits.
    if huey in _prepared:
        return
    _prepared.add(huey)
    huey.on_shutdown(name="greenroom.jobs.close_connections")(connections.close_all)
    # A consumer stopped without waiting (SIGTERM, or a shutdown timeout) reports the jobs it
    # cut short; without this their rows would say "running" until housekeeping expires them.
    huey.signal(SIGNAL_INTERRUPTED)(_record_interrupted)


def _record_interrupted(signal: str, task: Task, *args: Any, **kwargs: Any) -> None:
    services.job_run_interrupt(task_id=task.id)


def flush_job_locks(huey: Huey) -> list[str]:
    """Release every job lock on ``huey``; only safe when no consumer is running jobs."""
    prefix = f"{huey.name}.lock.{LOCK_PREFIX}"
    flushed = []
    for key in list(huey.storage.result_items()):
        if key.startswith(prefix) and huey.delete(key):
            flushed.append(key.removeprefix(f"{huey.name}.lock."))
    if flushed:
        logger.warning("Released stale job locks: %s", ", ".join(flushed))
    return flushed


def _where_jobs_run() -> str:
    if settings.JOBS_IMMEDIATE:
        return "immediate mode: in the process that enqueues them"
    return "Redis queue: in `greenroom worker` processes"
