"""Data sources (one connector instance each) and the history of their syncs.

The data and each source's incremental cursor live in the analytics store (``meta.batches``),
committed together; these rows are the application's view: settings, schedule, outcomes.
"""

from django.db import models

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.sources.choices import STATUS_TONE, RunStatus, SourceKind, SourceStatus, Trigger


class Source(WorkspaceOwned):
    """A configured connector: what it reads, how often, and how its last sync went."""

    # Unique within the workspace: its raw tables record the source by name.
    name = models.SlugField(max_length=80)
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    settings = models.JSONField(default=dict, blank=True)
    path_trusted = models.BooleanField(
        default=False,
        help_text="The path was set on the server's command line, so it may read any folder; "
        "otherwise every file it matches must lie in GREENROOM_SOURCE_FOLDERS.",
    )
    schedule = models.CharField(max_length=60, blank=True)
    enabled = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=SourceStatus.choices, default=SourceStatus.NEW)
    last_sync_started_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(
        null=True, blank=True, help_text="When data was last committed (the freshness)."
    )
    rows_total = models.BigIntegerField(
        default=0,
        help_text="Rows the analytics store holds from this source (embedded objects "
        "included), as of its last sync.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="source_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name

    def tone(self) -> str:
        """The badge colour for the last sync's outcome: ok, warn, bad or muted."""
        return STATUS_TONE.get(self.status, "muted")


class SyncRun(models.Model):
    """One sync of a source: counts, the row-level error report and the cursor it moved."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.CLI)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Records of the input (rows, lines, API objects): read = loaded + rejected + skipped.
    rows_in = models.BigIntegerField(default=0, help_text="Rows read.")
    rows_loaded = models.BigIntegerField(default=0)
    rows_rejected = models.BigIntegerField(default=0)
    rows_skipped = models.BigIntegerField(
        default=0, help_text="Rows read but not kept, e.g. exact repeats of an earlier row."
    )
    embedded_loaded = models.BigIntegerField(
        default=0, help_text="Objects inside rows (invoice lines, subscription items) loaded."
    )
    batches = models.PositiveIntegerField(default=0)
    batches_rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="Row-level problems: file, row, field, reason."
    )
    errors_total = models.PositiveIntegerField(default=0)
    notices = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    cursor_before = models.JSONField(null=True, blank=True)
    cursor_after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["source", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.source} sync at {self.started_at:%Y-%m-%d %H:%M}"

    def tone(self) -> str:
        """The badge colour for this sync's outcome: ok, warn, bad or muted."""
        return STATUS_TONE.get(self.status, "muted")

    def duration_s(self) -> float | None:
        """Seconds the sync took, once finished."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
