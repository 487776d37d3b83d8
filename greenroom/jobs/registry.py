"""Background jobs: one decorator, one way to start them, one record of every run.

    from huey import crontab
    from greenroom.jobs.registry import enqueue, job, run_now

    @job(name="feedback.sync_source", retries=3, retry_delay=60)
    def sync_source(*, source_id: int) -> None:
        ...

    enqueue(sync_source, source_id=source.id)   # after commit, on a worker
    run_now(sync_source, source_id=source.id)   # here and now (CLI commands)

Jobs are huey tasks on the configured queue (see docs/jobs.md). Each attempt is a ``JobRun``
row with its status, timing and the last lines it logged. Failures are retried after
``retry_delay * 2 ** (attempt - 1)`` seconds; a job never runs twice at once (a run that finds
the lock held is recorded as skipped).
"""

import hashlib
import json
import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from huey import Huey
from huey.api import Task, TaskWrapper
from huey.contrib import djhuey
from huey.exceptions import RetryTask, TaskLockedException

from greenroom.jobs import services
from greenroom.jobs.choices import REPORTED_OUTCOMES, JobStatus
from greenroom.jobs.logtail import capture_log
from greenroom.jobs.models import JobRun

logger = logging.getLogger(__name__)

LockScope = Literal["name", "arguments"]
# A cap so a job with many retries does not end up waiting for days between attempts.
MAX_RETRY_DELAY = 6 * 3600
LOCK_PREFIX = "jobs:"


class JobArgumentError(TypeError):
    """Job arguments must survive a trip through JSON: ids and plain values only."""


class Job:
    """A registered background job: the function, its retry policy and its huey task."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        name: str,
        retries: int,
        retry_delay: float,
        periodic: Callable[[datetime], bool] | None,
        lock: LockScope,
        huey: Huey,
    ) -> None:
        self.func = func
        self.name = name
        self.retries = retries
        self.retry_delay = retry_delay
        self.periodic = periodic
        self.lock = lock
        self.huey = huey
        self.__doc__ = func.__doc__
        # Huey's own retry counter is not used: retries are decided here (see _run_attempt),
        # so the attempt number and the backoff are the same whoever runs the job.
        options: dict[str, Any] = {"name": name, "context": True}
        if periodic is None:
            self.task: TaskWrapper = huey.task(**options)(self._from_queue)
        else:
            self.task = huey.periodic_task(periodic, **options)(self._from_queue)

    def __repr__(self) -> str:
        return f"<Job {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            f"Jobs are not called directly: use enqueue({self.name}, ...) or run_now(...), "
            "or .func(...) in a unit test."
        )

    def retry_delay_for(self, attempt: int) -> float:
        """Seconds to wait after failed ``attempt`` (1-based): exponential, capped."""
        return min(self.retry_delay * 2 ** (attempt - 1), MAX_RETRY_DELAY)

    def lock_name(self, arguments: dict[str, Any]) -> str:
        """The huey lock that keeps two runs of this job (or of these arguments) apart."""
        if self.lock == "name":
            return f"{LOCK_PREFIX}{self.name}"
        digest = hashlib.sha256(json.dumps(arguments, sort_keys=True).encode()).hexdigest()
        return f"{LOCK_PREFIX}{self.name}:{digest[:16]}"

    def _from_queue(self, *, task: Task, **arguments: Any) -> None:
        # Entry point for huey's workers (and for enqueue in immediate mode).
        _refresh_connections()
        try:
            run, _ = _run_attempt(
                self, arguments, task_id=task.id, may_retry=not self.huey.immediate
            )
        finally:
            _refresh_connections()
        if run.status == JobStatus.RETRYING:
            raise RetryTask(delay=self.retry_delay_for(run.attempt))


def job(
    *,
    name: str,
    retries: int = 3,
    retry_delay: float = 30,
    periodic: Callable[[datetime], bool] | None = None,
    lock: LockScope = "name",
    huey: Huey | None = None,
) -> Callable[[Callable[..., Any]], Job]:
    """Register a function as a background job.

    ``name`` is unique, e.g. "feedback.sync_source". A failed attempt is retried ``retries``
    times, ``retry_delay`` seconds after the first failure and twice as long after each
    next one. ``periodic`` is a huey ``crontab(...)`` for jobs the scheduler starts (they take
    no arguments). ``lock="arguments"`` lets runs with different arguments overlap. ``huey``
    is for tests; jobs use the configured queue.
    """

    def register(func: Callable[..., Any]) -> Job:
        return Job(
            func,
            name=name,
            retries=retries,
            retry_delay=retry_delay,
            periodic=periodic,
            lock=lock,
            huey=huey if huey is not None else djhuey.HUEY,
        )

    return register


def enqueue(job: Job, **arguments: Any) -> JobRun:
    """Queue ``job`` to run on a worker once the current transaction commits.

    Returns the "queued" run; read it again for the outcome. In immediate mode the job has
    already run by the time this returns (outside a transaction).
    """
    arguments = _plain(arguments)
    # Built directly rather than with task.s(), which would swallow arguments named id,
    # delay, priority, retries or timeout as huey options.
    task = job.task.task_class((), dict(arguments))
    run = services.job_run_queue(name=job.name, task_id=task.id, arguments=arguments)
    # After commit: a worker must see the data the job is about, and the queued row itself.
    transaction.on_commit(lambda: job.huey.enqueue(task))
    return run


def run_now(job: Job, **arguments: Any) -> JobRun:
    """Run ``job`` in this process with the same lock and record, without retries.

    For CLI commands: a failure is recorded and then raised, a skip (lock held) is returned.
    """
    run, failure = _run_attempt(job, _plain(arguments), task_id="", may_retry=False)
    if failure is not None:
        raise failure
    return run


def _run_attempt(
    job: Job, arguments: dict[str, Any], *, task_id: str, may_retry: bool
) -> tuple[JobRun, BaseException | None]:
    lock = job.huey.lock_task(job.lock_name(arguments))
    try:
        lock.acquire()
    except TaskLockedException:
        logger.info("Skipped job %s: another run is still in progress.", job.name)
        run = services.job_run_skip(name=job.name, task_id=task_id, arguments=arguments)
        return run, None
    try:
        run = services.job_run_start(name=job.name, task_id=task_id, arguments=arguments)
        return _call_and_record(job, run, arguments, may_retry=may_retry)
    finally:
        lock.release()


def _call_and_record(
    job: Job, run: JobRun, arguments: dict[str, Any], *, may_retry: bool
) -> tuple[JobRun, BaseException | None]:
    failure: BaseException | None = None
    outcome: Any = None
    with capture_log() as tail:
        try:
            outcome = job.func(**arguments)
        # BaseException too: an interrupted run is recorded before the worker stops.
        except BaseException as error:
            failure = error
            logging.getLogger(job.func.__module__).warning(
                "Attempt %d of %s failed: %r", run.attempt, job.name, error
            )
    if failure is None:
        services.job_run_finish(run=run, status=_reported(outcome), log_tail=tail.text())
        return run, None
    error_text = "".join(traceback.format_exception(failure))
    if may_retry and isinstance(failure, Exception) and run.attempt <= job.retries:
        delay = job.retry_delay_for(run.attempt)
        next_attempt_at = timezone.now() + timedelta(seconds=delay)
        services.job_run_finish(
            run=run,
            status=JobStatus.RETRYING,
            log_tail=tail.text(),
            error=error_text,
            next_attempt_at=next_attempt_at,
        )
        logger.warning("Job %s will retry in %.3g s (attempt %d).", job.name, delay, run.attempt)
        return run, failure
    services.job_run_finish(
        run=run, status=JobStatus.FAILED, log_tail=tail.text(), error=error_text
    )
    logger.error("Job %s failed (attempt %d).", job.name, run.attempt, exc_info=failure)
    if not isinstance(failure, Exception):
        # KeyboardInterrupt / SystemExit: the worker is stopping; let it.
        raise failure
    return run, failure


def _reported(outcome: Any) -> JobStatus:
    # A job that returns one of REPORTED_OUTCOMES is recorded with it (a rejected sync is
    # "rejected", not "succeeded"); any other return value means it succeeded.
    if isinstance(outcome, str) and outcome in REPORTED_OUTCOMES:
        return JobStatus(outcome)
    return JobStatus.SUCCEEDED


def _refresh_connections() -> None:
    # A worker thread keeps its database connection between jobs: drop it when broken or past
    # CONN_MAX_AGE, as Django does around each request. Not inside a transaction, though:
    # that is a caller running the job in-line (immediate mode, tests) and owns the connection.
    if not connection.in_atomic_block:
        close_old_connections()


def _plain(arguments: dict[str, Any]) -> dict[str, Any]:
    if "task" in arguments:
        raise JobArgumentError("'task' is reserved by the job queue; name the argument otherwise.")
    try:
        encoded = json.dumps(arguments, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise JobArgumentError(
            "Job arguments must be ids and plain values (str, int, float, bool, None, "
            f"and lists or dicts of them), never model objects: {error}"
        ) from None
    # Round-tripped so a job run here sees exactly what a queued run would (tuples → lists).
    return json.loads(encoded)
