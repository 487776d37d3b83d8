from django.db import models


class JobStatus(models.TextChoices):
    """Where one attempt of a job stands."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    # A job may report a finer outcome than "it did not raise" (a sync's: see
    # sources/choices.py RunStatus, whose values these are).
    PARTLY_LOADED = "partly_loaded", "Partly loaded"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"
    RETRYING = "retrying", "Retrying"
    SKIPPED = "skipped", "Skipped"


# The badge colour of each status: only failures are "bad"; a skip is the lock doing its job.
STATUS_TONE: dict[str, str] = {
    JobStatus.QUEUED: "muted",
    JobStatus.RUNNING: "muted",
    JobStatus.SUCCEEDED: "ok",
    JobStatus.PARTLY_LOADED: "warn",
    JobStatus.REJECTED: "bad",
    JobStatus.FAILED: "bad",
    JobStatus.RETRYING: "warn",
    JobStatus.SKIPPED: "muted",
}

FINISHED = (
    JobStatus.SUCCEEDED,
    JobStatus.PARTLY_LOADED,
    JobStatus.REJECTED,
    JobStatus.FAILED,
    JobStatus.RETRYING,
    JobStatus.SKIPPED,
)
# What a job function may return to name its outcome (returning nothing means succeeded);
# failing is raising.
REPORTED_OUTCOMES = (
    JobStatus.SUCCEEDED,
    JobStatus.PARTLY_LOADED,
    JobStatus.REJECTED,
    JobStatus.SKIPPED,
)
