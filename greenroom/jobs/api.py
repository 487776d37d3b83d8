from datetime import datetime
from typing import Any

from ninja import Query, Router, Schema
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.jobs import selectors
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.filters import JobRunFilter
from greenroom.jobs.models import JobRun
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination

router = Router(tags=["jobs"])


class JobRunOut(Schema):
    """One attempt at a background job."""

    id: int
    name: str
    arguments: dict[str, Any]
    status: JobStatus
    attempt: int
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    next_attempt_at: datetime | None
    log_tail: str
    error: str

    @staticmethod
    def resolve_log_tail(run: JobRun, context: dict[str, Any]) -> str:
        return selectors.job_run_text(text=run.log_tail, user=context["request"].user)

    @staticmethod
    def resolve_error(run: JobRun, context: dict[str, Any]) -> str:
        return selectors.job_run_text(text=run.error, user=context["request"].user)


@router.get(
    "/runs", response={200: list[JobRunOut], **errors(403)}, summary="List job runs, newest first"
)
@paginate(LimitOffsetPagination)
def run_list(request: MemberRequest, filters: Query[JobRunFilter]):
    """This workspace's runs (install-wide ones too for a superuser); filter by job ``name``
    and ``status``."""
    require(request, "view_jobs")
    return selectors.job_run_list(workspace=request.workspace, user=request.user, filters=filters)


@router.get("/runs/{run_id}", response={200: JobRunOut, **errors(403, 404)}, summary="One job run")
def run_detail(request: MemberRequest, run_id: int):
    """A run with its full log tail and error."""
    require(request, "view_jobs")
    return selectors.job_run_get(workspace=request.workspace, user=request.user, pk=run_id)
