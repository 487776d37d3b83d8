"""Writes to the job-run record.

These are called by the job machinery in ``registry``, never by views: nobody edits a run.
Each is a single short statement so a worker holds no transaction while the job itself runs.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import Workspace
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.models import JobRun

STALE_MESSAGE = "The worker stopped before the job finished (no result after {hours} hours)."


def job_run_queue(*, name: str, task_id: str, arguments: dict[str, Any]) -> JobRun:
    """Record that a job was put on the queue."""
    return JobRun.objects.create(
        name=name,
        task_id=task_id,
        arguments=arguments,
        workspace_id=_workspace_id(arguments),
        status=JobStatus.QUEUED,
    )


def job_run_start(*, name: str, task_id: str, arguments: dict[str, Any]) -> JobRun:
    """Mark the queued run as running, or record a new attempt (a retry or a periodic run)."""
    return _claim_or_create(name=name, task_id=task_id, arguments=arguments, status="running")


def job_run_skip(*, name: str, task_id: str, arguments: dict[str, Any]) -> JobRun:
    """Record that a run was skipped because another run of the same job held the lock."""
    run = _claim_or_create(name=name, task_id=task_id, arguments=arguments, status="skipped")
    run.finished_at = run.started_at
    run.duration_ms = 0
    run.log_tail = "Skipped: another run of this job was still in progress."
    run.save(update_fields=["finished_at", "duration_ms", "log_tail"])
    return run


def job_run_finish(
    *,
    run: JobRun,
    status: JobStatus,
    log_tail: str,
    error: str = "",
    next_attempt_at: datetime | None = None,
) -> JobRun:
    """Record how a run ended."""
    run.finished_at = timezone.now()
    started = run.started_at or run.finished_at
    run.duration_ms = int((run.finished_at - started).total_seconds() * 1000)
    run.status = status
    run.log_tail = log_tail
    run.error = error
    run.next_attempt_at = next_attempt_at
    run.save(
        update_fields=[
            "finished_at",
            "duration_ms",
            "status",
            "log_tail",
            "error",
            "next_attempt_at",
        ]
    )
    return run


def job_run_prune(*, older_than: timedelta) -> int:
    """Delete runs enqueued longer ago than ``older_than``; returns how many went."""
    cutoff = timezone.now() - older_than
    deleted, _ = JobRun.objects.filter(enqueued_at__lt=cutoff).delete()
    return deleted


def job_run_expire_stale(*, running_longer_than: timedelta) -> int:
    """Mark runs still "running" after ``running_longer_than`` as failed; returns how many.

    A worker killed mid-job (deploy, OOM) never writes an outcome, and the row would say
    "running" forever.
    """
    now = timezone.now()
    hours = int(running_longer_than.total_seconds() // 3600)
    return JobRun.objects.filter(
        status=JobStatus.RUNNING, started_at__lt=now - running_longer_than
    ).update(status=JobStatus.FAILED, finished_at=now, error=STALE_MESSAGE.format(hours=hours))


def job_run_interrupt(*, task_id: str) -> int:
    """Mark the running attempt of a task as failed because its worker stopped mid-job."""
    return JobRun.objects.filter(task_id=task_id, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED,
        finished_at=timezone.now(),
        error="Interrupted: the worker stopped before the job finished. It will not be retried.",
    )


def _claim_or_create(*, name: str, task_id: str, arguments: dict[str, Any], status: str) -> JobRun:
    now = timezone.now()
    with transaction.atomic():
        # The row written at enqueue time is claimed with a conditional UPDATE, so two workers
        # handed the same task (a redelivery) cannot both take it.
        queued = JobRun.objects.filter(task_id=task_id, status=JobStatus.QUEUED)
        if task_id and (pk := queued.values_list("pk", flat=True).first()):
            claimed = JobRun.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
                status=status, started_at=now
            )
            if claimed:
                return JobRun.objects.get(pk=pk)
        return JobRun.objects.create(
            name=name,
            task_id=task_id,
            arguments=arguments,
            workspace_id=_workspace_id(arguments),
            status=status,
            attempt=_next_attempt(task_id),
            enqueued_at=now,
            started_at=now,
        )


def _next_attempt(task_id: str) -> int:
    # Huey keeps the task id across retries; skipped runs were never tried.
    if not task_id:
        return 1
    tried = JobRun.objects.filter(task_id=task_id).exclude(status=JobStatus.SKIPPED).count()
    return tried + 1


def _workspace_id(arguments: dict[str, Any]) -> int | None:
    # By convention a job about one workspace takes ``workspace_id``; the run is then visible
    # to that workspace's admins only. A workspace deleted since enqueueing leaves it unset.
    value = arguments.get("workspace_id")
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return Workspace.objects.filter(pk=value).values_list("pk", flat=True).first()
