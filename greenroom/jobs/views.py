from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from pydantic import ValidationError

from greenroom.accounts.permissions import ability_required
from greenroom.accounts.requests import MemberRequest
from greenroom.jobs import selectors
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.filters import JobRunFilter

PAGE_SIZE = 50


@login_required
@ability_required("view_jobs")
def run_list(request: MemberRequest) -> HttpResponse:
    filters = _filters(request)
    visible: dict[str, Any] = {"workspace": request.workspace, "user": request.user}
    runs = selectors.job_run_list(**visible, filters=filters)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    for run in page.object_list:
        run.shown_error = selectors.job_run_text(text=run.error, user=request.user)
        run.shown_log = selectors.job_run_text(text=run.log_tail, user=request.user)
    filtered = filters.name is not None or filters.status is not None
    context = {
        "page": page,
        "filters": filters,
        "filtered": filtered,
        # Only asked when the filtered list is empty, to tell "none yet" from "none match".
        "any_runs": bool(page.object_list)
        or (filtered and selectors.job_run_list(**visible).exists()),
        "statuses": JobStatus.choices,
        "names": selectors.job_names(**visible),
    }
    template = "jobs/run_list.html"
    if request.htmx:
        template += "#runs-table"
    return render(request, template, context)


def _filters(request: MemberRequest) -> JobRunFilter:
    # Blank select options mean "any"; an unknown status (a stale bookmark) shows everything
    # rather than an error page.
    values: dict[str, Any] = {key: request.GET.get(key) or None for key in ("name", "status")}
    try:
        return JobRunFilter(**values)
    except ValidationError:
        return JobRunFilter()
