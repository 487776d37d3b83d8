from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from greenroom.accounts.models import Workspace
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.filters import JobRunFilter
from greenroom.jobs.models import JobRun


@dataclass(frozen=True)
class RunOutcomes:
    """How the runs of a period ended: intermediate failures that were retried don't count."""

    succeeded: int
    failed: int

    @property
    def finished(self) -> int:
        return self.succeeded + self.failed


def job_run_list(*, workspace: Workspace, filters: JobRunFilter | None = None) -> QuerySet[JobRun]:
    """Runs a workspace's admins may see (its own and the system's), newest first."""
    runs = JobRun.objects.filter(_visible_to(workspace))
    if filters is not None:
        runs = filters.filter(runs)
    return runs.order_by("-enqueued_at", "-id")


def job_run_get(*, workspace: Workspace, pk: int) -> JobRun:
    """One visible run, or Http404."""
    return get_object_or_404(job_run_list(workspace=workspace), pk=pk)


def job_names(*, workspace: Workspace) -> list[str]:
    """The names of jobs with visible runs, for the filter."""
    runs = job_run_list(workspace=workspace)
    return list(runs.order_by("name").values_list("name", flat=True).distinct())


def run_outcomes_since(*, since: datetime, workspace: Workspace | None = None) -> RunOutcomes:
    """How many runs started since ``since`` succeeded or finally failed (all runs, or those
    visible to ``workspace``)."""
    runs = JobRun.objects.filter(started_at__gte=since)
    if workspace is not None:
        runs = runs.filter(_visible_to(workspace))
    counts = runs.aggregate(
        succeeded=Count("id", filter=Q(status=JobStatus.SUCCEEDED)),
        failed=Count("id", filter=Q(status=JobStatus.FAILED)),
    )
    return RunOutcomes(succeeded=counts["succeeded"], failed=counts["failed"])


def _visible_to(workspace: Workspace) -> Q:
    # System jobs (no workspace) are visible to every workspace's admins.
    return Q(workspace=workspace) | Q(workspace__isnull=True)
