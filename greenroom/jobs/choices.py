from django.db import models


class JobStatus(models.TextChoices):
    """Where one attempt of a job stands."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    RETRYING = "retrying", "Retrying"
    SKIPPED = "skipped", "Skipped"


# The badge colour of each status: only failures are "bad"; a skip is the lock doing its job.
STATUS_TONE: dict[str, str] = {
    JobStatus.QUEUED: "muted",
    JobStatus.RUNNING: "muted",
    JobStatus.SUCCEEDED: "ok",
    JobStatus.FAILED: "bad",
    JobStatus.RETRYING: "warn",
    JobStatus.SKIPPED: "muted",
}

FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.RETRYING, JobStatus.SKIPPED)
