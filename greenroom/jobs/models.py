from django.db import models
from django.utils import timezone

from greenroom.accounts.models import Workspace
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.jobs.choices import STATUS_TONE, JobStatus


class JobRun(WorkspaceOwned):
    """One attempt at running a background job, with its outcome and the end of its log."""

    name = models.CharField(max_length=100)
    # Huey's task id: the same for every attempt of one enqueued job, so retries can be grouped.
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    # Nullable, unlike WorkspaceOwned's: system jobs belong to no workspace.
    workspace = models.ForeignKey(  # type: ignore[assignment]
        Workspace,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="job_runs",
        help_text="Set when the job was given a workspace_id; empty for system jobs.",
    )
    arguments = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempt = models.PositiveSmallIntegerField(default=1)
    enqueued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When a retrying job will be tried again."
    )
    log_tail = models.TextField(blank=True, help_text="The last lines logged during the run.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-enqueued_at", "-id"]
        indexes = [
            models.Index(fields=["-enqueued_at", "-id"], name="jobrun_newest"),
            models.Index(fields=["name", "-enqueued_at"], name="jobrun_name_newest"),
            models.Index(fields=["status", "-enqueued_at"], name="jobrun_status_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"

    def tone(self) -> str:
        """The badge colour for this run's status: ok, warn, bad or muted."""
        return STATUS_TONE.get(self.status, "muted")

    def duration_display(self) -> str:
        """The run time for people: "340 ms", "12.4 s" or "3 min 5 s"."""
        if self.duration_ms is None:
            return ""
        if self.duration_ms < 1000:
            return f"{self.duration_ms} ms"
        seconds = self.duration_ms / 1000
        if seconds < 60:
            return f"{seconds:.1f} s"
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest} s"
