from datetime import timedelta

import pytest
from django.utils import timezone
from huey.contrib import djhuey

from greenroom.jobs import services
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.models import JobRun
from greenroom.jobs.tasks import housekeeping
from greenroom.jobs.tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


def test_it_is_a_daily_periodic_job_on_the_configured_queue():
    assert housekeeping.periodic is not None
    assert housekeeping.task.task_class in djhuey.HUEY._registry._periodic_tasks
    runs_at = [
        hour
        for hour in range(24)
        if housekeeping.periodic(timezone.now().replace(hour=hour, minute=17, tzinfo=None))
    ]
    assert runs_at == [3]


def test_it_prunes_runs_older_than_ninety_days():
    old = JobRunFactory(enqueued_at=timezone.now() - timedelta(days=91))
    recent = JobRunFactory(enqueued_at=timezone.now() - timedelta(days=89))

    housekeeping.func()

    assert list(JobRun.objects.all()) == [recent]
    assert not JobRun.objects.filter(pk=old.pk).exists()


def test_it_fails_runs_whose_worker_disappeared():
    stale = JobRunFactory(
        status=JobStatus.RUNNING,
        started_at=timezone.now() - timedelta(hours=25),
        finished_at=None,
        duration_ms=None,
    )
    busy = JobRunFactory(status=JobStatus.RUNNING, finished_at=None, duration_ms=None)

    housekeeping.func()

    stale.refresh_from_db()
    busy.refresh_from_db()
    assert stale.status == JobStatus.FAILED and "worker stopped" in stale.error
    assert busy.status == JobStatus.RUNNING


def test_it_fails_the_run_of_a_job_cut_short_by_a_stopping_worker():
    cut = JobRunFactory(task_id="abc", status=JobStatus.RUNNING, finished_at=None)

    assert services.job_run_interrupt(task_id="abc") == 1

    cut.refresh_from_db()
    assert cut.status == JobStatus.FAILED and "Interrupted" in cut.error
