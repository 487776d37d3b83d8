"""The experiment register: experiments, their variants and metrics, the frozen plan's history,
per-variant summaries (entered by hand or written by an analysis: the statistics need nothing
per user) and uploaded assignment files.

Roadmap items and key results cite an experiment as evidence (the "experiment" evidence kind);
a decision's learning is kept as an insight in the research repository.
"""

from django.db import models

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.customers.models import Contact, Outreach
from greenroom.experiments.choices import (
    Decision,
    Evidence,
    GoDecision,
    LaunchStatus,
    MetricKind,
    MetricRole,
    ParticipantStatus,
    Stage,
    Status,
)
from greenroom.feedback.models import Tag
from greenroom.organisation.models import ProductArea, Team
from greenroom.research.models import Insight


class Experiment(WorkspaceOwned):
    """A hypothesis tested by splitting traffic between a control and variants."""

    name = models.CharField(max_length=200)
    hypothesis = models.TextField()
    brief = models.TextField(
        blank=True, help_text="The experiment brief, in Markdown (starts from the playbook's)."
    )
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
    # The exposure event, the property naming the flag and the one holding the variant:
    # PostHog's `$feature_flag_called` with `$feature_flag` and `$feature_flag_response`.
    exposure_event = models.CharField(max_length=200, default="$feature_flag_called")
    flag_property = models.CharField(max_length=200, default="$feature_flag")
    variant_property = models.CharField(max_length=200, default="$feature_flag_response")
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
    # What was learnt, recorded with the decision; kept as an insight in the research
    # repository, where it is searched and cited like any other.
    learning = models.TextField(blank=True)
    learning_insight = models.ForeignKey(
        Insight, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The last analysis of the usage events: when, users left out for seeing several
    # variants, and users whose variant is none of this experiment's.
    analysed_at = models.DateTimeField(null=True, blank=True)
    excluded_users = models.PositiveIntegerField(null=True, blank=True)
    unknown_variant_users = models.PositiveIntegerField(null=True, blank=True)
    # Accounts left out of revenue per account because their users saw different variants.
    excluded_accounts = models.PositiveIntegerField(null=True, blank=True)
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
    # CUPED: the same metric over the days before each user's first exposure (the plan's
    # "cuped_days"), its sum of squares, and the sum over users of post * pre.
    pre_sum = models.FloatField(null=True, blank=True)
    pre_sum_squares = models.FloatField(null=True, blank=True)
    cross_sum = models.FloatField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "variant"], name="summary_one_per_arm")
        ]


class AssignmentUpload(WorkspaceOwned):
    """An uploaded assignment file (user, variant, optional timestamp and account): the
    exposures an analysis reads instead of the flag's events. The rows are kept as a Parquet
    file in the data folder (assignments.path_of); the latest upload is the one in use."""

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="assignment_uploads"
    )
    file_name = models.CharField(max_length=255)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the file as uploaded.")
    rows = models.PositiveIntegerField()
    # Users per variant key (each counted once), and users given more than one variant:
    # left out of the analysis and counted.
    users = models.JSONField(default=dict)
    two_variants = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]


class BetaProgramme(WorkspaceOwned):
    """Early access to a feature for a chosen few, from concept to general availability."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.CONCEPT)
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    # The flag the participant list is exported for, and how usage of the feature shows in
    # the usage events: their `feature` value, or else an event name.
    flag_key = models.CharField(max_length=200, blank=True)
    usage_feature = models.CharField(max_length=200, blank=True)
    # Feedback is a lower app: the programme names the tag its feedback carries.
    feedback_tag = models.ForeignKey(
        Tag, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    experiment = models.ForeignKey(
        Experiment, on_delete=models.SET_NULL, null=True, blank=True, related_name="programmes"
    )
    capacity = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="beta_programme_unique_name_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.name


class BetaParticipant(WorkspaceOwned):
    """A contact in a programme, waiting, invited (logged as outreach) or taking part."""

    programme = models.ForeignKey(
        BetaProgramme, on_delete=models.CASCADE, related_name="participants"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=20, choices=ParticipantStatus.choices, default=ParticipantStatus.WAITLISTED
    )
    outreach = models.ForeignKey(
        Outreach, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "contact"], name="beta_participant_once_per_programme"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} in {self.programme}"


class ChecklistTemplate(WorkspaceOwned):
    """A launch checklist product ops keeps: ``items`` are dicts of title, area, evidence
    and days before the launch date each is due."""

    name = models.CharField(max_length=200)
    items = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="checklist_template_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Launch(WorkspaceOwned):
    """A release with a date, its readiness checklist, a go/no-go call and, once out, its
    adoption against a target."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    planned_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=LaunchStatus.choices, default=LaunchStatus.PLANNED
    )
    launched_on = models.DateField(null=True, blank=True)
    programme = models.ForeignKey(
        BetaProgramme, on_delete=models.SET_NULL, null=True, blank=True, related_name="launches"
    )
    experiment = models.ForeignKey(
        Experiment, on_delete=models.SET_NULL, null=True, blank=True, related_name="launches"
    )
    # Adoption: the share of active accounts using the feature (its `feature` value in the
    # usage events, or an event name) within `adoption_days` of launching, against a target.
    adoption_feature = models.CharField(max_length=200, blank=True)
    adoption_target = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent of accounts."
    )
    adoption_days = models.PositiveSmallIntegerField(default=30)
    go_decision = models.CharField(max_length=10, choices=GoDecision.choices, blank=True)
    go_decided_at = models.DateTimeField(null=True, blank=True)
    go_decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    go_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["planned_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="launch_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def on_time(self) -> bool | None:
        """Whether it launched on or before its planned date (None until it launches)."""
        if self.launched_on is None:
            return None
        return self.launched_on <= self.planned_on


class ChecklistItem(WorkspaceOwned):
    """One thing that must be true before a launch, with its owner, due date and evidence."""

    launch = models.ForeignKey(Launch, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(max_length=200)
    area = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    evidence = models.CharField(max_length=20, choices=Evidence.choices, blank=True)
    evidence_experiment = models.ForeignKey(
        Experiment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence_programme = models.ForeignKey(
        BetaProgramme, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence_url = models.URLField(max_length=500, blank=True)
    evidence_note = models.CharField(max_length=500, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["launch", "position", "pk"]

    def __str__(self) -> str:
        return self.title
