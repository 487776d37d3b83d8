"""Reads of job runs, scoped to a workspace and to what the reader may see."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from greenroom.accounts.models import User, Workspace
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.filters import JobRunFilter
from greenroom.jobs.models import JobRun
from greenroom.lib.redact import redact_paths


@dataclass(frozen=True)
class RunOutcomes:
    """How the runs of a period ended: intermediate failures that were retried don't count,
    nor do skips (nothing was done); a partly loaded or rejected sync is no success."""

    succeeded: int
    partly_loaded: int
    rejected: int
    failed: int

    @property
    def finished(self) -> int:
        return self.succeeded + self.partly_loaded + self.rejected + self.failed


def job_run_list(
    *, workspace: Workspace, user: User, filters: JobRunFilter | None = None
) -> QuerySet[JobRun]:
    """Runs ``user`` may see from ``workspace``, newest first: the workspace's own, plus the
    install-wide (system) ones for an install operator."""
    runs = JobRun.objects.filter(_visible_to(workspace, user))
    if filters is not None:
        runs = filters.filter(runs)
    return runs.order_by("-enqueued_at", "-id")


def job_run_get(*, workspace: Workspace, user: User, pk: int) -> JobRun:
    """One visible run, or Http404."""
    return get_object_or_404(job_run_list(workspace=workspace, user=user), pk=pk)


def job_names(*, workspace: Workspace, user: User) -> list[str]:
    """The names of jobs with visible runs, for the filter."""
    runs = job_run_list(workspace=workspace, user=user)
    return list(runs.order_by("name").values_list("name", flat=True).distinct())


def job_run_pending(*, workspace: Workspace, name: str, arguments: dict[str, Any]) -> bool:
    """Whether a run of job ``name`` with these ``arguments`` (a subset) is queued, running or
    waiting to retry in ``workspace``."""
    pending = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING)
    lookups = {f"arguments__{key}": value for key, value in arguments.items()}
    return (
        JobRun.objects.for_workspace(workspace)
        .filter(name=name, status__in=pending, **lookups)
        .exists()
    )


def job_run_text(*, text: str, user: User) -> str:
    """A run's error or log as ``user`` may read it: server paths only for an operator."""
    return text if user.is_superuser else redact_paths(text)


def run_outcomes_since(*, since: datetime, workspace: Workspace | None = None) -> RunOutcomes:
    """How many runs started since ``since`` succeeded or finally failed (all runs, or the
    workspace's own)."""
    runs = JobRun.objects.filter(started_at__gte=since)
    if workspace is not None:
        runs = runs.for_workspace(workspace)
    outcomes = (
        JobStatus.SUCCEEDED,
        JobStatus.PARTLY_LOADED,
        JobStatus.REJECTED,
        JobStatus.FAILED,
    )
    counts = runs.aggregate(
        **{status.value: Count("id", filter=Q(status=status)) for status in outcomes}
    )
    return RunOutcomes(**counts)


def _visible_to(workspace: Workspace, user: User) -> Q:
    # System jobs (no workspace) belong to the install, not to any workspace: their logs
    # and tracebacks are for whoever runs the server (a superuser), not a workspace's admins.
    mine = Q(workspace=workspace)
    return mine | Q(workspace__isnull=True) if user.is_superuser else mine
