"""The same jobs through a real Redis queue, worked by a consumer in threads, as in production
with GREENROOM_JOBS_URL=redis://…"""

import logging
import uuid

import pytest
import redis
from huey import RedisHuey

from greenroom.jobs.choices import JobStatus
from greenroom.jobs.models import JobRun
from greenroom.jobs.registry import enqueue, job
from greenroom.jobs.tests.waiting import wait_for
from greenroom.jobs.worker import start_embedded_worker

REDIS_URL = "redis://127.0.0.1:6379/15"
logger = logging.getLogger("greenroom.tests.jobs")

# The worker threads must see rows the test commits, so no wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_huey():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    # A queue name of its own, so a parallel run or a leftover queue cannot interfere.
    huey = RedisHuey(f"greenroom-test-{uuid.uuid4().hex[:12]}", url=REDIS_URL)
    yield huey
    huey.storage.flush_all()
    huey.storage.conn.close()


@pytest.fixture
def worker(redis_huey):
    started = []

    def start():
        started.append(start_embedded_worker(huey=redis_huey, workers=2))

    yield start
    for handle in started:
        handle.stop(timeout=10)


def test_it_runs_a_job_through_a_redis_queue(redis_huey, worker):
    @job(name="reports.refresh", huey=redis_huey)
    def refresh(*, report_id: int) -> None:
        logger.info("Refreshing report %s on a worker", report_id)

    queued = enqueue(refresh, report_id=11)
    assert len(redis_huey) == 1  # waiting in Redis until a worker takes it
    worker()

    assert wait_for(lambda: JobRun.objects.get(pk=queued.pk).status == JobStatus.SUCCEEDED)
    run = JobRun.objects.get()
    assert run.pk == queued.pk and run.attempt == 1
    assert "Refreshing report 11 on a worker" in run.log_tail
    assert len(redis_huey) == 0


def test_it_retries_through_the_redis_schedule(redis_huey, worker):
    @job(name="crm.sync", retries=2, retry_delay=0.5, huey=redis_huey)
    def sync(*, source_id: int) -> None:
        if not JobRun.objects.filter(name="crm.sync", status=JobStatus.RETRYING).exists():
            raise ConnectionError("first call fails")

    worker()
    enqueue(sync, source_id=1)

    assert wait_for(lambda: JobRun.objects.filter(status=JobStatus.SUCCEEDED).exists())
    runs = list(JobRun.objects.order_by("attempt").values_list("attempt", "status"))
    assert runs == [(1, "retrying"), (2, "succeeded")]
