import factory
from django.utils import timezone

from greenroom.jobs.choices import JobStatus
from greenroom.jobs.models import JobRun


class JobRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRun

    name = "reports.refresh"
    status = JobStatus.SUCCEEDED
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(lambda run: run.started_at)
    duration_ms = 120
    log_tail = "INFO reports Refreshed 3 reports."
