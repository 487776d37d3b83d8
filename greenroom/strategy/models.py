"""Goals that ladder up: strategic intents → initiatives → team objectives → key results.

A key result is measured either by check-ins or by a metric of the metrics layer (a name, a
slice and a grain); its latest evaluation is kept on it (so pages and roll-ups read one row)
and every evaluation is kept as a ``KeyResultReading``. Roadmap items (next) will point at an
initiative, objective or key result.

Roadmaps: every team's items in one template per workspace (``RoadmapTemplate``: its
columns, the fields an item must carry and how items are scored), each ``RoadmapItem``
pointing at the goal it serves and its evidence; ``RoadmapSnapshot`` freezes the whole
portfolio (quarterly) so two moments can be compared.
"""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.feedback.models import Opportunity
from greenroom.organisation.models import Market, ProductArea, Team
from greenroom.strategy.choices import (
    DEFAULT_COLUMNS,
    DEFAULT_REQUIRED,
    DEFAULT_WEIGHTS,
    DRIVERS,
    GRAINS,
    SYNC_OUTCOMES,
    TEMPLATE_FIELDS,
    ImportKind,
    ImportStatus,
    ItemSource,
    ItemStatus,
    Scoring,
    Source,
    Status,
    Trigger,
)
from greenroom.strategy.forecast import Child


class Goal(WorkspaceOwned):
    """Base of every level: a title, an owner and when it was made and changed."""

    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(WorkspaceOwned.Meta):
        abstract = True
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


def _check_period(starts_on: date | None, ends_on: date | None, end_field: str) -> None:
    if starts_on and ends_on and ends_on <= starts_on:
        raise ValidationError({end_field: "Must be after the start."})


class StrategicIntent(Goal):
    """A business challenge the company takes on for a timeframe."""

    challenge = models.TextField(blank=True, help_text="The business challenge, in a few lines.")
    starts_on = models.DateField()
    ends_on = models.DateField()

    def clean(self) -> None:
        _check_period(self.starts_on, self.ends_on, "ends_on")


class Initiative(Goal):
    """A product initiative serving an intent: the problem, the bet, the outcomes sought."""

    intent = models.ForeignKey(
        StrategicIntent, on_delete=models.PROTECT, related_name="initiatives"
    )
    problem = models.TextField(blank=True)
    hypothesis = models.TextField(blank=True, help_text="We believe that … will result in …")
    target_outcomes = models.TextField(blank=True)


class Objective(Goal):
    """A team's objective for a period, usually serving an initiative."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.SET_NULL, null=True, blank=True, related_name="objectives"
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objectives",
        help_text="Leave empty for a company objective (product ops edit it).",
    )
    starts_on = models.DateField()
    ends_on = models.DateField()

    def clean(self) -> None:
        _check_period(self.starts_on, self.ends_on, "ends_on")


class KeyResult(Goal):
    """A measurable result of an objective: from a baseline to a target by a due date."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    baseline = models.FloatField()
    target = models.FloatField()
    unit = models.CharField(max_length=32, blank=True, help_text="e.g. USD, %, accounts.")
    starts_on = models.DateField(help_text="Progress is expected from here (0) to the due date.")
    due_on = models.DateField()
    weight = models.FloatField(default=1.0, help_text="Its share in the objective's progress.")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    metric_name = models.CharField(max_length=64, blank=True)
    metric_where = models.JSONField(default=dict, blank=True)
    metric_grain = models.CharField(max_length=16, choices=GRAINS, blank=True)
    # The latest evaluation (services.key_result_evaluate), also kept as a reading.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NO_DATA)
    message = models.TextField(blank=True)
    value = models.FloatField(null=True, blank=True)
    value_as_of = models.DateField(null=True, blank=True)
    progress = models.FloatField(null=True, blank=True)
    expected = models.FloatField(null=True, blank=True)
    forecast = models.FloatField(null=True, blank=True)
    forecast_low = models.FloatField(null=True, blank=True)
    forecast_high = models.FloatField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.baseline is not None and self.baseline == self.target:
            errors["target"] = "The target equals the baseline: progress could not be measured."
        if self.starts_on and self.due_on and self.due_on <= self.starts_on:
            errors["due_on"] = "Must be after the start."
        if self.weight is not None and self.weight <= 0:
            errors["weight"] = "Must be above zero."
        if self.source == Source.METRIC and not self.metric_name:
            errors["metric_name"] = "Choose the metric this key result follows."
        if errors:
            raise ValidationError(errors)

    @property
    def direction(self) -> str:
        """``increase`` when the target is above the baseline, else ``decrease``."""
        return "increase" if self.target > self.baseline else "decrease"

    @property
    def is_bound(self) -> bool:
        return self.source == Source.METRIC

    def slice_label(self) -> str:
        """The metric slice in words, e.g. ``segment = Enterprise``."""
        parts = [
            f"{dim} = {', '.join(values)}" for dim, values in sorted(self.metric_where.items())
        ]
        return "; ".join(parts) or "all"

    def child(self) -> Child:
        """This key result as its objective's roll-up sees it."""
        return Child(self.status, self.progress, self.expected, self.weight)


class CheckIn(WorkspaceOwned):
    """A value reported by hand for a key result, with a comment and who reported it."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    checked_on = models.DateField()
    value = models.FloatField()
    comment = models.TextField(blank=True)
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(WorkspaceOwned.Meta):
        ordering = ["-checked_on", "-pk"]


class KeyResultReading(WorkspaceOwned):
    """One evaluation of a key result, kept for its history and "what changed since"."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="readings")
    taken_at = models.DateTimeField()
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    message = models.TextField(blank=True)
    value = models.FloatField(null=True)
    value_as_of = models.DateField(null=True)
    progress = models.FloatField(null=True)
    expected = models.FloatField(null=True)
    forecast = models.FloatField(null=True)
    forecast_low = models.FloatField(null=True)
    forecast_high = models.FloatField(null=True)

    class Meta(WorkspaceOwned.Meta):
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["key_result", "taken_at"])]


def _default_columns() -> list[str]:
    return list(DEFAULT_COLUMNS)


def _default_required() -> list[str]:
    return list(DEFAULT_REQUIRED)


def _default_weights() -> dict[str, float]:
    return dict(DEFAULT_WEIGHTS)


def _default_item_types() -> list[str]:
    return ["Epic"]


class RoadmapTemplate(WorkspaceOwned):
    """The workspace's one roadmap format: columns, required fields, scoring (product ops)."""

    columns = models.JSONField(default=_default_columns)
    required = models.JSONField(default=_default_required, blank=True)
    scoring = models.CharField(max_length=16, choices=Scoring.choices, default=Scoring.RICE)
    weights = models.JSONField(default=_default_weights, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(WorkspaceOwned.Meta):
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="strategy_one_roadmap_template")
        ]

    def __str__(self) -> str:
        return "Roadmap template"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        columns = [c.strip() for c in self.columns or [] if str(c).strip()]
        if not 2 <= len(columns) <= 8:
            errors["columns"] = "Give between two and eight columns (e.g. Now, Next, Later)."
        elif len({c.lower() for c in columns}) != len(columns):
            errors["columns"] = "Two columns have the same name."
        elif any(len(c) > 40 for c in columns):
            errors["columns"] = "A column name is longer than 40 characters."
        self.columns = columns
        unknown = set(self.required or []) - set(TEMPLATE_FIELDS)
        if unknown:
            errors["required"] = f"Unknown required field(s): {', '.join(sorted(unknown))}."
        bad = {k for k, v in (self.weights or {}).items() if k not in DRIVERS or float(v) < 0}
        if bad:
            errors["weights"] = f"Weights must be known drivers, zero or more: {sorted(bad)}."
        elif self.scoring == Scoring.WEIGHTED and not any((self.weights or {}).values()):
            errors["weights"] = "Give at least one driver a weight above zero."
        if errors:
            raise ValidationError(errors)


class RoadmapItem(WorkspaceOwned):
    """One thing a team plans to do, in a column of the template, with what it serves."""

    title = models.CharField(max_length=300)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="roadmap_items")
    column = models.CharField(max_length=40)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    problem = models.TextField(blank=True, help_text="The customer or business problem.")
    initiative = models.ForeignKey(
        Initiative, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    objective = models.ForeignKey(
        Objective, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    key_result = models.ForeignKey(
        KeyResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    opportunities = models.ManyToManyField(Opportunity, blank=True, related_name="+")
    revenue_unlocked = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Per year."
    )
    cost_reduced = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Per year."
    )
    market_opened = models.ForeignKey(
        Market, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How sure the team is of the impact, 0-100 %."
    )
    product_area = models.ForeignKey(
        ProductArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dependencies = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="dependents"
    )
    reach = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Accounts reached per quarter (RICE); empty: the accounts asking in feedback.",
    )
    impact_score = models.FloatField(null=True, blank=True, help_text="RICE impact, 0.25-3.")
    effort = models.FloatField(null=True, blank=True, help_text="Person-months.")
    target_quarter = models.CharField(
        max_length=7, blank=True, help_text="When it should land, e.g. 2026-Q3 (imports, Jira)."
    )
    notes = models.TextField(blank=True, help_text="Imported columns with no field of their own.")
    # Where an imported item came from, and its key there (a spreadsheet row's id or title,
    # a Jira issue key): a re-import finds the item by it instead of adding a second one.
    source = models.CharField(max_length=16, choices=ItemSource.choices, blank=True)
    source_key = models.CharField(max_length=300, blank=True)
    # A Jira epic's delivery: its child issues done / all, and their story points.
    delivery_done = models.PositiveIntegerField(null=True, blank=True)
    delivery_total = models.PositiveIntegerField(null=True, blank=True)
    delivery_points_done = models.FloatField(null=True, blank=True)
    delivery_points_total = models.FloatField(null=True, blank=True)
    delivery_as_of = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(WorkspaceOwned.Meta):
        ordering = ["team__name", "position", "pk"]
        indexes = [models.Index(fields=["workspace", "team", "column", "position"])]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "team", "source", "source_key"],
                condition=~models.Q(source_key=""),
                name="strategy_item_one_per_source_key",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.confidence is not None and self.confidence > 100:
            errors["confidence"] = "A percentage: 0 to 100."
        if self.effort is not None and self.effort <= 0:
            errors["effort"] = "Must be above zero (person-months)."
        if self.impact_score is not None and not 0 < self.impact_score <= 3:
            errors["impact_score"] = "RICE impact goes from 0.25 (minimal) to 3 (massive)."
        for name in ("revenue_unlocked", "cost_reduced"):
            if (getattr(self, name) or 0) < 0:
                errors[name] = "Cannot be negative."
        if self.target_quarter and not re.fullmatch(r"\d{4}-Q[1-4]", self.target_quarter):
            errors["target_quarter"] = "A quarter like 2026-Q3."
        if errors:
            raise ValidationError(errors)

    @property
    def has_goal(self) -> bool:
        return bool(self.initiative_id or self.objective_id or self.key_result_id)

    @property
    def has_impact(self) -> bool:
        return bool(self.revenue_unlocked or self.cost_reduced or self.market_opened_id)

    @property
    def delivery_share(self) -> float | None:
        """Child issues done / all (0-1), or None when the item follows no Jira epic."""
        if not self.delivery_total:
            return None
        return (self.delivery_done or 0) / self.delivery_total


class RoadmapEvidence(WorkspaceOwned):
    """A roadmap item's evidence other than an opportunity: an insight or experiment (a
    registered kind, resolved by key and id), or a link with a note."""

    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=40)
    reference = models.CharField(max_length=500, blank=True)
    label = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta(WorkspaceOwned.Meta):
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.label


class RoadmapSnapshot(WorkspaceOwned):
    """Every item of every team as it stood at one moment (quarterly, or on demand)."""

    label = models.CharField(max_length=100)
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    items = models.JSONField(default=list)

    class Meta(WorkspaceOwned.Meta):
        ordering = ["-taken_at", "-pk"]

    def __str__(self) -> str:
        return self.label


class RoadmapImport(WorkspaceOwned):
    """An uploaded roadmap file: kept until its columns are mapped, then its report."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    filename = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(WorkspaceOwned.Meta):
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename


class JiraConnection(WorkspaceOwned):
    """One Jira site and query whose epics become one team's roadmap items (a mapping)."""

    name = models.CharField(max_length=100)
    base_url = models.URLField(help_text="e.g. https://acme.atlassian.net")
    email = models.CharField(max_length=254, help_text="The Atlassian account of the token.")
    token_env = models.CharField(
        max_length=100,
        default="JIRA_API_TOKEN",
        help_text="Environment variable holding the API token (never stored here).",
    )
    jql = models.TextField(help_text="e.g. project = PAY AND updated >= -365d")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    item_types = models.JSONField(default=_default_item_types, blank=True)
    status_map = models.JSONField(default=dict, blank=True)
    points_field = models.CharField(max_length=64, default="customfield_10016", blank=True)
    push_back = models.BooleanField(
        default=False, help_text="Write items' status and target quarter back to their epics."
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # How the last sync went, in the vocabulary of every sync (jobs' statuses): succeeded,
    # rejected (an answer missing fields) or failed (Jira unreachable, an error, no token).
    last_status = models.CharField(max_length=20, choices=SYNC_OUTCOMES, blank=True)
    last_report = models.JSONField(default=dict, blank=True)

    class Meta(WorkspaceOwned.Meta):
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.item_types or not all(isinstance(t, str) and t for t in self.item_types):
            errors["item_types"] = 'Name the issue types that become items, e.g. ["Epic"].'
        bad = {k: v for k, v in (self.status_map or {}).items() if v not in ItemStatus.values}
        if bad:
            errors["status_map"] = (
                f"Map to one of {', '.join(ItemStatus.values)}: not {sorted(bad.values())}."
            )
        if errors:
            raise ValidationError(errors)
