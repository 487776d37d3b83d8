"""Custom dashboards: product ops compose tiles (metric + slice + chart + grain + period) and
publish the dashboard to teams; members of those teams read it. The four fixed dashboards
have no models."""

from django.db import models
from django.urls import reverse

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.dashboards.choices import ChartType, Grain


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
