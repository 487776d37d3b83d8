"""The experiment register: experiments, their variants and metrics, the frozen plan's history
and per-variant summaries entered by hand (the statistics need nothing per user).

Seams for apps that do not exist yet (strategy's key results and roadmap items, research's
insights): an experiment will be linked from them, so nothing here points at them.
"""

from django.db import models

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.experiments.choices import Decision, MetricKind, MetricRole, Status
from greenroom.organisation.models import ProductArea, Team


class Experiment(WorkspaceOwned):
    """A hypothesis tested by splitting traffic between a control and variants."""

    name = models.CharField(max_length=200)
    hypothesis = models.TextField()
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_area = models.ForeignKey(
        ProductArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The exposure event and its flag: PostHog's `$feature_flag_called` with `$feature_flag`.
    exposure_event = models.CharField(max_length=200, default="$feature_flag_called")
    flag_key = models.CharField(max_length=200, blank=True)
    # The design (calculator inputs and answer, analysis settings); frozen when it starts.
    plan = models.JSONField(default=dict, blank=True)
    plan_frozen_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_rationale = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    srm_acknowledged_at = models.DateTimeField(null=True, blank=True)
    srm_acknowledged_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    learning = models.TextField(blank=True)
    # The last analysis of the usage events: when, users left out for seeing several
    # variants, and users whose variant is none of this experiment's.
    analysed_at = models.DateTimeField(null=True, blank=True)
    excluded_users = models.PositiveIntegerField(null=True, blank=True)
    unknown_variant_users = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="experiment_unique_name_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Variant(WorkspaceOwned):
    """One arm; the first by position is the control. ``key`` is the flag's response value."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=100)
    key = models.CharField(max_length=100)
    split = models.DecimalField(max_digits=6, decimal_places=3, help_text="Percent of traffic.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["experiment", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "key"], name="variant_unique_key")
        ]

    def __str__(self) -> str:
        return self.name


class ExperimentMetric(WorkspaceOwned):
    """A metric the experiment reads, with its role and how it is computed per user."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=MetricRole.choices, default=MetricRole.PRIMARY)
    kind = models.CharField(max_length=30, choices=MetricKind.choices)
    event_name = models.CharField(max_length=200, blank=True)
    event_property = models.CharField(max_length=200, blank=True)
    # Lower is better (errors, churn): chance to win and risk are read the other way.
    inverse = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["experiment", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "name"], name="metric_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PlanChange(WorkspaceOwned):
    """A change to a plan after it was frozen: shown on the experiment, never hidden."""

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="plan_changes"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    before = models.JSONField()
    after = models.JSONField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]


class VariantSummary(WorkspaceOwned):
    """Per-variant sums for one metric, uploaded by hand or written by an analysis run."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="summaries")
    metric = models.ForeignKey(ExperimentMetric, on_delete=models.CASCADE, related_name="summaries")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="summaries")
    users = models.PositiveIntegerField()
    total = models.FloatField(help_text="Sum of the metric over users (conversions for a rate).")
    sum_squares = models.FloatField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "variant"], name="summary_one_per_arm")
        ]
