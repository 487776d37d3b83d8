from django.conf import settings
from django.db import models

from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.health.choices import FindingKind


class DashboardView(WorkspaceOwned):
    """One opening of a dashboard by a member, with the role they had then."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    role = models.CharField(max_length=20)
    dashboard = models.CharField(max_length=60)
    viewed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "viewed_at"])]

    def __str__(self) -> str:
        return f"{self.dashboard} by {self.role}"


class Finding(WorkspaceOwned):
    """A notable change nobody asked about, found after a refresh, with its evidence."""

    kind = models.CharField(max_length=30, choices=FindingKind.choices)
    subject = models.CharField(
        max_length=200, help_text="The segment, feature, product or account."
    )
    period = models.DateField(help_text="The first day of the period that changed.")
    title = models.CharField(max_length=300)
    summary = models.TextField()
    metric = models.CharField(max_length=60, blank=True)
    value = models.FloatField()
    baseline_median = models.FloatField()
    z = models.FloatField(help_text="The robust z-score against the baseline.")
    unit = models.CharField(max_length=20, default="ratio")
    # The series the chart draws: [{"period": "2026-01-01", "value": 0.02}, ...], oldest first.
    series = models.JSONField(default=list)
    found_at = models.DateTimeField(auto_now_add=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="followed_findings"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "subject", "period"], name="health_finding_once"
            )
        ]
        ordering = ["-period", "-found_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def strength(self) -> float:
        """How far out it is, whatever the direction (|z|)."""
        return abs(self.z)
