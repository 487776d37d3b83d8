from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from greenroom.jobs.models import JobRun
from greenroom.sources import selectors
from greenroom.sources.schedule import schedule_parse
from greenroom.sources.tasks import sync_due_sources
from greenroom.sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db
NOON = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def test_an_interval_schedule_is_due_once_the_interval_has_passed():
    schedule = schedule_parse("15m")
    assert schedule.is_due(NOON, None)
    assert not schedule.is_due(NOON, NOON - timedelta(minutes=14))
    assert schedule.is_due(NOON, NOON - timedelta(minutes=15))


def test_a_cron_schedule_is_due_in_its_minute_once():
    schedule = schedule_parse("0 12 * * *")
    assert schedule.is_due(NOON, NOON - timedelta(days=1))
    assert not schedule.is_due(NOON + timedelta(seconds=30), NOON)
    assert not schedule.is_due(NOON + timedelta(minutes=1), None)


def test_it_refuses_schedules_it_cannot_read():
    for text in ("often", "0m", "99 * * * *"):
        with pytest.raises(ValidationError):
            schedule_parse(text)


def test_the_scheduler_queues_due_enabled_sources_only(django_capture_on_commit_callbacks):
    due = SourceFactory(schedule="1h")
    SourceFactory(schedule="1h", enabled=False)
    SourceFactory(schedule="")
    SourceFactory(schedule="1h", last_sync_started_at=datetime.now(UTC))
    assert selectors.sources_due(now=datetime.now(UTC)) == [due]
    with django_capture_on_commit_callbacks(execute=False):
        sync_due_sources.func()
    (job,) = JobRun.objects.filter(name="sources.sync")
    assert job.arguments["source_id"] == due.pk
    # Marked as started, so the next minute does not queue it again.
    assert selectors.sources_due(now=datetime.now(UTC)) == []
