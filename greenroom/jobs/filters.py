"""The one definition of how job runs are filtered, shared by the page and the API."""

from typing import Annotated

from ninja import FilterLookup, FilterSchema

from greenroom.jobs.choices import JobStatus


class JobRunFilter(FilterSchema):
    """Narrow a list of runs to one job and/or one status."""

    name: Annotated[str | None, FilterLookup("name")] = None
    status: Annotated[JobStatus | None, FilterLookup("status")] = None
