import signal
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from huey import SqliteHuey, crontab

from greenroom.jobs.choices import JobStatus
from greenroom.jobs.management.commands.worker import Command as WorkerCommand
from greenroom.jobs.models import JobRun
from greenroom.jobs.registry import enqueue, job
from greenroom.jobs.tests.waiting import wait_for
from greenroom.jobs.worker import flush_job_locks, start_embedded_worker, uses_embedded_worker


@pytest.fixture
def sqlite_huey(tmp_path):
    """The default mode: a SQLite queue file in the data folder."""
    return SqliteHuey(f"test-{uuid.uuid4().hex[:8]}", filename=str(tmp_path / "jobs.sqlite3"))


@pytest.mark.django_db(transaction=True)
def test_it_works_the_sqlite_queue_in_background_threads(sqlite_huey):
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    @job(name="digest.send", huey=sqlite_huey)
    def send_digest(*, workspace_id: int) -> None:
        pass

    @job(name="every.minute", huey=sqlite_huey, periodic=crontab())
    def every_minute() -> None:
        pass

    worker = start_embedded_worker(huey=sqlite_huey, workers=1)
    try:
        queued = enqueue(send_digest, workspace_id=1)
        assert wait_for(lambda: JobRun.objects.get(pk=queued.pk).status == JobStatus.SUCCEEDED)
        # The scheduler runs too: it starts periodic jobs due this minute straight away.
        assert wait_for(lambda: JobRun.objects.filter(name="every.minute").exists())
        # The web server that embeds the worker keeps its own signal handling.
        assert {sig: signal.getsignal(sig) for sig in handlers} == handlers
    finally:
        worker.stop(timeout=10)
    assert not worker.is_running()


def test_it_starts_nothing_when_jobs_run_elsewhere(settings):
    settings.JOBS_URL = "redis://127.0.0.1:6379/0"
    assert not uses_embedded_worker()
    start_embedded_worker().stop()  # a handle that does nothing

    settings.JOBS_URL = ""
    settings.JOBS_IMMEDIATE = True
    assert not uses_embedded_worker()


def test_it_releases_locks_left_by_a_dead_worker(sqlite_huey):
    @job(name="stuck", huey=sqlite_huey)
    def stuck() -> None:
        pass

    sqlite_huey.lock_task(stuck.lock_name({})).acquire()
    sqlite_huey.lock_task("not-a-job-lock").acquire()

    assert flush_job_locks(sqlite_huey) == ["jobs:stuck"]
    assert not sqlite_huey.is_locked("jobs:stuck")
    assert sqlite_huey.is_locked("not-a-job-lock")


def test_it_documents_the_worker_command():
    parser = WorkerCommand().create_parser("greenroom", "worker")
    text = parser.format_help()
    assert "--workers" in text and "--no-scheduler" in text and "GREENROOM_JOBS_URL" in text


def test_it_refuses_to_start_a_worker_in_immediate_mode(settings):
    settings.JOBS_IMMEDIATE = True
    with pytest.raises(CommandError, match="IMMEDIATE"):
        call_command("worker")
