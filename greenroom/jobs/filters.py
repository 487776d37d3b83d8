"""The one definition of how job runs are filtered, shared by the page and the API."""

from typing import Annotated

from django.db.models import Q
from ninja import FilterLookup, FilterSchema
from pydantic import Field

from greenroom.jobs.choices import JobStatus

# Housekeeping that did nothing: a scheduler's check (a run about no workspace) that found
# no work and said so by finishing "skipped". It runs every minute; unfiltered, it buries
# the runs people look for.
NO_OP_HOUSEKEEPING = Q(workspace__isnull=True, status=JobStatus.SKIPPED)


class JobRunFilter(FilterSchema):
    """Narrow a list of runs to one job and/or one status; no-op housekeeping is left out
    unless ``housekeeping`` is set."""

    name: Annotated[str | None, FilterLookup("name")] = None
    status: Annotated[JobStatus | None, FilterLookup("status")] = None
    housekeeping: Annotated[
        bool, Field(description="Include scheduled checks that found nothing to do.")
    ] = False

    def filter_housekeeping(self, value: bool) -> Q:
        return Q() if value else ~NO_OP_HOUSEKEEPING
