from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from pydantic import ValidationError

from greenroom.accounts.permissions import ability_required
from greenroom.accounts.requests import MemberRequest
from greenroom.jobs import selectors
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.filters import JobRunFilter
from greenroom.jobs.labels import arguments_shown
from greenroom.lib.lists import Column, Listing, render_list

PAGE_SIZE = 50


COLUMNS = [
    Column("Job", "job", "name", value=lambda run: run.name),
    Column("About"),
    Column("Status", "status", "status", value=lambda run: run.get_status_display()),
    Column("Attempt", numeric=True),
    Column("Started", "started", "started_at"),
    Column("Duration", numeric=True),
    Column("Log"),
]


@login_required
@ability_required("view_jobs")
def run_list(request: MemberRequest) -> HttpResponse:
    filters = _filters(request)
    visible: dict[str, Any] = {"workspace": request.workspace, "user": request.user}
    runs = selectors.job_run_list(**visible, filters=filters)

    def with_shown_text(page: list) -> None:
        shown = arguments_shown(runs=page, workspace=request.workspace)
        for run in page:
            run.shown_arguments = shown[run.pk]
            run.shown_error = selectors.job_run_text(text=run.error, user=request.user)
            run.shown_log = selectors.job_run_text(text=run.log_tail, user=request.user)

    # No default sort: the selector's order (newest first) stands until a heading is chosen.
    listing = Listing(
        request,
        runs,
        columns=COLUMNS,
        page_size=PAGE_SIZE,
        rows_template="jobs/run_list.html#rows",
        prepare=with_shown_text,
        noun=("run", "runs"),
    )
    context = {
        "listing": listing,
        "filters": filters,
        "statuses": JobStatus.choices,
        "names": selectors.job_names(**visible),
    }
    return render_list(request, "jobs/run_list.html", context)


def _filters(request: MemberRequest) -> JobRunFilter:
    # Blank select options mean "any"; an unknown status (a stale bookmark) shows everything
    # rather than an error page.
    values: dict[str, Any] = {key: request.GET.get(key) or None for key in ("name", "status")}
    values["housekeeping"] = request.GET.get("housekeeping") == "1"
    try:
        return JobRunFilter(**values)
    except ValidationError:
        return JobRunFilter()
