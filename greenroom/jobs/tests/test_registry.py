import logging
import threading
from datetime import UTC

import pytest
from django.db import transaction
from huey import MemoryHuey

from greenroom.jobs.choices import JobStatus
from greenroom.jobs.models import JobRun
from greenroom.jobs.registry import JobArgumentError, enqueue, job, run_now

pytestmark = pytest.mark.django_db

logger = logging.getLogger("greenroom.tests.jobs")


def _only_run() -> JobRun:
    (run,) = JobRun.objects.all()
    return run


def test_it_records_a_succeeded_run_with_its_log_tail(
    immediate_huey, django_capture_on_commit_callbacks
):
    @job(name="reports.refresh", huey=immediate_huey)
    def refresh(*, report_id: int) -> None:
        logger.info("Refreshing report %s", report_id)
        logger.warning("Report %s had 2 stale rows", report_id)

    with django_capture_on_commit_callbacks(execute=True):
        queued = enqueue(refresh, report_id=7)
        assert queued.status == JobStatus.QUEUED

    run = _only_run()
    assert run.pk == queued.pk
    assert run.status == JobStatus.SUCCEEDED
    assert run.name == "reports.refresh" and run.arguments == {"report_id": 7}
    assert run.attempt == 1
    assert run.started_at and run.finished_at and run.duration_ms is not None
    assert "INFO greenroom.tests.jobs Refreshing report 7" in run.log_tail
    assert "WARNING greenroom.tests.jobs Report 7 had 2 stale rows" in run.log_tail
    assert run.error == ""


def test_it_keeps_only_the_last_fifty_log_lines(immediate_huey):
    @job(name="chatty", huey=immediate_huey)
    def chatty() -> None:
        for line in range(80):
            logger.info("line %d", line)

    run = run_now(chatty)

    lines = run.log_tail.splitlines()
    assert len(lines) == 50
    assert lines[0].endswith("line 30") and lines[-1].endswith("line 79")


def test_it_does_not_capture_what_other_threads_log(immediate_huey):
    @job(name="quiet", huey=immediate_huey)
    def quiet() -> None:
        other = threading.Thread(target=logger.info, args=("from a web request",))
        other.start()
        other.join()
        logger.info("from the job")

    run = run_now(quiet)

    assert "from the job" in run.log_tail
    assert "from a web request" not in run.log_tail


def test_it_retries_a_failing_job_with_growing_delays_and_then_fails(
    queue_huey: MemoryHuey, django_capture_on_commit_callbacks
):
    calls = []

    @job(name="crm.sync", retries=3, retry_delay=10, huey=queue_huey)
    def sync(*, source_id: int) -> None:
        calls.append(source_id)
        logger.info("Calling the CRM")
        raise ConnectionError("CRM unreachable")

    with django_capture_on_commit_callbacks(execute=True):
        enqueue(sync, source_id=3)

    task = queue_huey.dequeue()
    queue_huey.execute(task)
    etas = []
    # Work the schedule by hand, jumping the clock to each retry's due time.
    while queue_huey.scheduled_count():
        (retry,) = queue_huey.scheduled()
        etas.append(retry.eta)
        (due,) = queue_huey.read_schedule(retry.eta)
        queue_huey.execute(due, timestamp=retry.eta)

    assert calls == [3, 3, 3, 3]
    runs = list(JobRun.objects.order_by("attempt"))
    assert [run.attempt for run in runs] == [1, 2, 3, 4]
    assert [run.status for run in runs] == ["retrying", "retrying", "retrying", "failed"]
    assert len({run.task_id for run in runs}) == 1
    waits = [(run.next_attempt_at - run.finished_at).total_seconds() for run in runs[:3]]
    assert waits == pytest.approx([10, 20, 40], abs=1)
    # The queue itself waits as long as the record says: each retry is due when its run says
    # the next attempt is (measured from the run, so a slow machine does not count).
    due_at = [run.next_attempt_at.astimezone(UTC).replace(tzinfo=None) for run in runs[:3]]
    lateness = [(eta - due).total_seconds() for eta, due in zip(etas, due_at, strict=True)]
    assert lateness == pytest.approx([0, 0, 0], abs=1)
    assert runs[-1].next_attempt_at is None
    assert "ConnectionError: CRM unreachable" in runs[-1].error
    assert "Calling the CRM" in runs[-1].log_tail


def test_it_recovers_when_a_retry_succeeds(queue_huey: MemoryHuey):
    attempts = []

    @job(name="flaky", retries=2, retry_delay=1, huey=queue_huey)
    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise TimeoutError("slow upstream")

    queue_huey.execute(flaky.task.s())
    (retry,) = queue_huey.scheduled()
    (due,) = queue_huey.read_schedule(retry.eta)
    queue_huey.execute(due, timestamp=retry.eta)

    runs = list(JobRun.objects.order_by("attempt"))
    assert [(run.attempt, run.status) for run in runs] == [(1, "retrying"), (2, "succeeded")]
    assert queue_huey.scheduled_count() == 0


def test_it_does_not_retry_in_immediate_mode(immediate_huey, django_capture_on_commit_callbacks):
    # Immediate mode has no scheduler to run a delayed retry, so the first failure is final.
    @job(name="always.fails", retries=3, huey=immediate_huey)
    def always_fails() -> None:
        raise ValueError("bad data")

    with django_capture_on_commit_callbacks(execute=True):
        enqueue(always_fails)

    run = _only_run()
    assert (run.status, run.attempt) == ("failed", 1)
    assert "ValueError: bad data" in run.error
    assert immediate_huey.scheduled_count() == 0


def test_it_skips_a_run_while_another_run_holds_the_lock(immediate_huey):
    calls = []

    @job(name="digest.send", huey=immediate_huey)
    def send_digest() -> None:
        calls.append(1)

    with immediate_huey.lock_task(send_digest.lock_name({})):
        run = run_now(send_digest)

    assert calls == []
    assert run.status == JobStatus.SKIPPED
    assert run.error == "" and "another run" in run.log_tail
    # The lock is free again afterwards.
    assert run_now(send_digest).status == JobStatus.SUCCEEDED


def test_it_skips_a_job_that_is_started_again_while_it_runs(immediate_huey):
    @job(name="reminders.send", huey=immediate_huey)
    def send_reminders() -> None:
        # Someone presses the button twice: the second run finds the first still going.
        inner = run_now(send_reminders)
        logger.info("inner run was %s", inner.status)

    run = run_now(send_reminders)

    assert run.status == JobStatus.SUCCEEDED
    assert "inner run was skipped" in run.log_tail
    assert JobRun.objects.filter(status=JobStatus.SKIPPED).count() == 1


def test_it_lets_runs_with_other_arguments_overlap_when_locked_by_arguments(immediate_huey):
    @job(name="sources.sync", lock="arguments", huey=immediate_huey)
    def sync_source(*, source_id: int) -> None:
        logger.info("synced %s", source_id)

    with immediate_huey.lock_task(sync_source.lock_name({"source_id": 1})):
        blocked = run_now(sync_source, source_id=1)
        other = run_now(sync_source, source_id=2)

    assert blocked.status == JobStatus.SKIPPED
    assert other.status == JobStatus.SUCCEEDED


def test_it_runs_now_with_the_same_record_and_raises_failures(immediate_huey):
    @job(name="cli.import", retries=3, huey=immediate_huey)
    def import_file(*, path: str) -> None:
        raise FileNotFoundError(path)

    with pytest.raises(FileNotFoundError):
        run_now(import_file, path="/nowhere.csv")

    run = _only_run()
    assert run.status == JobStatus.FAILED and run.attempt == 1
    assert run.arguments == {"path": "/nowhere.csv"}
    assert "FileNotFoundError: /nowhere.csv" in run.error


def test_it_refuses_model_objects_as_arguments(immediate_huey, personas):
    @job(name="needs.ids", huey=immediate_huey)
    def needs_ids(*, workspace_id: int) -> None:
        pass

    with pytest.raises(JobArgumentError, match="never model objects"):
        enqueue(needs_ids, workspace_id=personas.workspace)
    with pytest.raises(JobArgumentError, match="reserved"):
        enqueue(needs_ids, task=1)
    assert not JobRun.objects.exists()


def test_it_passes_arguments_huey_would_otherwise_take_as_options(
    immediate_huey, django_capture_on_commit_callbacks
):
    seen = {}

    @job(name="options.clash", huey=immediate_huey)
    def clash(*, id: int, delay: int, priority: str) -> None:
        seen.update(id=id, delay=delay, priority=priority)

    with django_capture_on_commit_callbacks(execute=True):
        enqueue(clash, id=1, delay=2, priority="high")

    assert seen == {"id": 1, "delay": 2, "priority": "high"}


def test_it_records_the_workspace_a_job_is_about(immediate_huey, personas):
    @job(name="workspace.digest", huey=immediate_huey)
    def digest(*, workspace_id: int) -> None:
        pass

    run = run_now(digest, workspace_id=personas.workspace.pk)
    orphan = run_now(digest, workspace_id=987654)

    assert run.workspace == personas.workspace
    assert orphan.workspace is None


def test_it_waits_for_the_transaction_to_commit_before_queueing(queue_huey):
    @job(name="after.commit", huey=queue_huey)
    def after_commit() -> None:
        pass

    with transaction.atomic():
        enqueue(after_commit)
        assert len(queue_huey) == 0
    # pytest-django wraps the test in a transaction, so on_commit never fires here; the
    # behaviour that matters is that nothing was queued inside the block.
    assert JobRun.objects.get().status == JobStatus.QUEUED


def test_it_refuses_to_be_called_like_a_function(immediate_huey):
    @job(name="not.callable", huey=immediate_huey)
    def not_callable() -> None:
        pass

    with pytest.raises(TypeError, match="enqueue"):
        not_callable()
