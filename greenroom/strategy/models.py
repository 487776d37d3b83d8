"""Goals that ladder up: strategic intents → initiatives → team objectives → key results.

A key result is measured either by check-ins or by a metric of the metrics layer (a name, a
slice and a grain); its latest evaluation is kept on it (so pages and roll-ups read one row)
and every evaluation is kept as a ``KeyResultReading``. Roadmap items (next) will point at an
initiative, objective or key result.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.organisation.models import Team
from greenroom.strategy.choices import GRAINS, Source, Status, Trigger
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
