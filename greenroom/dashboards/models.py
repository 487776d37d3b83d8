"""The dashboards' own rows: who receives the weekly digest, and the board packs written.

Each model has its own migration (``0001_digests``, ``0002_board_packs``), so that other
work on this app (custom dashboards) adds its own beside them.
"""

from django.db import models

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned


class DigestSubscription(WorkspaceOwned):
    """A member who receives the weekly email of headline figures and new insights."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_digest_per_member")
        ]

    def __str__(self) -> str:
        return f"Weekly digest for {self.user}"


class BoardPack(WorkspaceOwned):
    """A quarter's board pack asked for from the page: its progress while a job writes it,
    then its files (or why there are none)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Writing"
        DONE = "done", "Ready"
        NO_DATA = "no_data", "Nothing to report"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    quarter = models.CharField(max_length=6, help_text="e.g. 2025Q4")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    step = models.CharField(max_length=200, blank=True, help_text="What it is doing now.")
    message = models.TextField(blank=True, help_text="Why there is no pack, when there is none.")
    filename = models.CharField(max_length=200, blank=True, help_text="Without the extension.")
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Board pack {self.quarter}"

    def is_active(self) -> bool:
        """Queued or being written: the page keeps showing its progress."""
        return self.status in self.ACTIVE
