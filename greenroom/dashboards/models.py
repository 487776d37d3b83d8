"""The dashboards' own rows: who receives the weekly digest, the board packs written, and
custom dashboards (product ops compose tiles — metric + slice + chart + grain + period — and
publish them to teams, whose members read them). The four fixed dashboards have no models."""

from django.db import models
from django.urls import reverse

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.dashboards.choices import ChartType, Grain


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


class CustomDashboard(WorkspaceOwned):
    """A dashboard composed of tiles, published to the teams whose members may read it."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    teams = models.ManyToManyField(
        "organisation.Team",
        blank=True,
        related_name="custom_dashboards",
        help_text="Members of these teams see the dashboard; none: only product ops and admins.",
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="dashboards_customdashboard_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dashboards:custom_detail", args=[self.pk])


class Tile(WorkspaceOwned):
    """One chart of a custom dashboard. Metric, slice dimension and filter are stored by name,
    so a tile outlives a metric or a segment that later disappears, and says so."""

    dashboard = models.ForeignKey(CustomDashboard, on_delete=models.CASCADE, related_name="tiles")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=120, blank=True, help_text="Blank: the metric's title.")
    metric = models.CharField(max_length=64)
    by = models.CharField(
        max_length=32, blank=True, help_text="Slice by this dimension (one line or bar each)."
    )
    filter_dimension = models.CharField(max_length=32, blank=True)
    filter_value = models.CharField(max_length=200, blank=True)
    chart = models.CharField(max_length=16, choices=ChartType.choices, default=ChartType.LINE)
    grain = models.CharField(max_length=16, choices=Grain.choices, default=Grain.MONTH)
    period = models.CharField(max_length=12, default="12m", help_text="12m, ytd, 2025, 2025Q4…")

    class Meta:
        ordering = ["dashboard", "position", "pk"]

    def __str__(self) -> str:
        return self.title or self.metric
