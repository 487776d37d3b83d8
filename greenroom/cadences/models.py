"""Decisions with their options, evidence and decided episodes; the playbook (versioned
templates, process guides, the tool stack and its seats); cadences, their occurrences and
action items; each member's calendar feed token.

Every model carries its workspace (``WorkspaceOwned``), children too, so every read is
scoped the same way.
"""

from datetime import timedelta

from django.db import models
from django.utils import timezone

from greenroom.accounts.models import AuditEvent, User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.cadences.choices import (
    CompletedVia,
    DecisionStatus,
    OutcomeVerdict,
    StepKind,
    TemplateKind,
)
from greenroom.organisation.models import ProductArea


class Cadence(WorkspaceOwned):
    """A recurring review: its RFC 5545 recurrence rule, attendees, agenda and inputs."""

    name = models.CharField(max_length=200)
    rrule = models.CharField(
        max_length=500, help_text="An RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=1TU"
    )
    starts_at = models.DateTimeField(help_text="The first occurrence (DTSTART), in UTC.")
    duration_minutes = models.PositiveIntegerField(default=60)
    attendees = models.ManyToManyField(User, blank=True, related_name="+")
    agenda = models.TextField(blank=True, help_text="Markdown.")
    required_inputs = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="cadence_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Occurrence(WorkspaceOwned):
    """One meeting of a cadence; its pack covers the time since the one before."""

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="occurrences")
    starts_at = models.DateTimeField()
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cadence", "starts_at"], name="occurrence_unique_start")
        ]

    def __str__(self) -> str:
        return f"{self.cadence.name} {self.starts_at:%Y-%m-%d}"

    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.cadence.duration_minutes)


class Decision(WorkspaceOwned):
    """A question raised, its options and evidence, and who decides; open until decided."""

    question = models.CharField(max_length=500)
    area = models.ForeignKey(
        ProductArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    decider = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    consulted = models.ManyToManyField(User, blank=True, related_name="+")
    status = models.CharField(
        max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    chosen_option = models.ForeignKey(
        "DecisionOption", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    record = models.TextField(
        blank=True, help_text="Markdown: the decision record's narrative, from the playbook."
    )
    record_template = models.ForeignKey(
        "TemplateVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return self.question

    def is_pending(self) -> bool:
        return self.status != DecisionStatus.DECIDED

    def time_to_decision(self) -> timedelta | None:
        """From the first raise to the latest decision; None while pending (docs/cadences.md)."""
        if self.status != DecisionStatus.DECIDED or self.decided_at is None:
            return None
        return self.decided_at - self.raised_at

    def current_episode(self) -> "DecisionEpisode | None":
        """The episode of the decision in force (None while pending): its outcome is the
        decision's. Reads the prefetched episodes when there are some."""
        if self.status != DecisionStatus.DECIDED:
            return None
        episodes = [e for e in self.episodes.all() if e.reopened_at is None]
        return max(episodes, key=lambda e: (e.decided_at, e.pk), default=None)


class DecisionOption(WorkspaceOwned):
    """One option of a decision, in the order it was written."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=500)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class DecisionEvidence(WorkspaceOwned):
    """A link to what a decision rests on: a metric frozen at the time, a registered kind of
    thing (an insight...), or a URL with a note."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=40)
    reference = models.CharField(max_length=500, blank=True)
    label = models.CharField(max_length=300)
    snapshot = models.JSONField(default=dict, blank=True)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    # Set for evidence of what happened after the decision (its outcome), frozen when added.
    outcome_of = models.ForeignKey(
        "DecisionEpisode",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outcome_evidence",
    )

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.label


class DecisionChange(WorkspaceOwned):
    """A roadmap change a decision caused (an item created, moved, changed or dropped): the
    change's own audit event, so it reads the same on the decision and in the item's history."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="changes")
    change = models.ForeignKey(AuditEvent, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["change__at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "change"], name="decisionchange_unique")
        ]


class DecisionEpisode(WorkspaceOwned):
    """One time a decision was decided (and, if so, reopened): reopening keeps these. The
    outcome belongs here: what was expected when deciding, the day to review it, and then
    what happened, so a reopened decision keeps the outcome of what it had decided."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="episodes")
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    chosen = models.CharField(max_length=500)
    rationale = models.TextField()
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(blank=True)
    expected_outcome = models.TextField(blank=True)
    review_on = models.DateField(null=True, blank=True)
    verdict = models.CharField(max_length=20, choices=OutcomeVerdict.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    outcome_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["decided_at", "pk"]

    def outcome_due(self, today) -> bool:
        """Its review day has come and nobody has said what happened yet."""
        return bool(self.review_on and self.review_on <= today and not self.verdict)


class ActionItem(WorkspaceOwned):
    """Something to do, agreed at an occurrence, with an owner and a due date; open ones are
    carried into every later occurrence of the cadence until done."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.title


class PlaybookTemplate(WorkspaceOwned):
    """The workspace's template of one kind (PRD...), with the headings it must keep."""

    kind = models.CharField(max_length=30, choices=TemplateKind.choices)
    required_sections = models.JSONField(default=list)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind"], name="template_unique_kind")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def current(self) -> "TemplateVersion | None":
        return self.versions.order_by("-number").first()


class TemplateVersion(WorkspaceOwned):
    """One saved version of a template's Markdown, by whom."""

    template = models.ForeignKey(
        PlaybookTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    body = models.TextField()
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique")
        ]


class Guide(WorkspaceOwned):
    """A process guide: a Markdown page."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "title"], name="guide_unique_title")
        ]

    def __str__(self) -> str:
        return self.title


class Tool(WorkspaceOwned):
    """A tool in the product stack: who owns it, what for, why it was chosen, what it costs;
    a retired one names what replaced it and why."""

    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=300)
    category = models.CharField(max_length=100, help_text="Purpose category, e.g. roadmapping.")
    why_chosen = models.TextField(blank=True)
    annual_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    seats = models.PositiveIntegerField(default=0)
    renewal_date = models.DateField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced"
    )
    replaced_reason = models.TextField(blank=True)
    retired_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="tool_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ToolSeat(WorkspaceOwned):
    """One login of a tool's seat export: whose, and when they last signed in."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="seat_logins")
    email = models.EmailField()
    last_login = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "email"], name="toolseat_unique_email")
        ]


class ReminderSent(WorkspaceOwned):
    """One reminder email sent (an onboarding step due or overdue, a pulse invitation), so the
    periodic job sends each once: ``key`` names what it was about."""

    kind = models.CharField(max_length=30)
    key = models.CharField(max_length=100)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "key"], name="reminder_unique")
        ]


class CalendarToken(WorkspaceOwned):
    """The secret in a member's calendar feed address (like a calendar's private address:
    whoever has it reads the member's review dates, nothing else)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="calendartoken_unique_user")
        ]


# ---------------------------------------------------------------------------- onboarding


class OnboardingProgramme(WorkspaceOwned):
    """What a new product manager works through: readings, tasks, shadowing and a first
    roadmap in the standard template, in order."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="programme_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class OnboardingStep(WorkspaceOwned):
    """One step of a programme: what to read, do or shadow, due some days after the start."""

    programme = models.ForeignKey(
        OnboardingProgramme, on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    title = models.CharField(max_length=300)
    link = models.URLField(blank=True, help_text="What to read, or where the task lives.")
    due_after_days = models.PositiveIntegerField(default=14)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class OnboardingAssignment(WorkspaceOwned):
    """A programme given to one new product manager, from the day they start."""

    programme = models.ForeignKey(
        OnboardingProgramme, on_delete=models.PROTECT, related_name="assignments"
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField()
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="assignment_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.programme} for {self.user}"


class StepCompletion(WorkspaceOwned):
    """A step done by the member it was assigned to: when, and whether by hand or because the
    app saw it happen (a registered Milestone)."""

    assignment = models.ForeignKey(
        OnboardingAssignment, on_delete=models.CASCADE, related_name="completions"
    )
    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField()
    via = models.CharField(max_length=10, choices=CompletedVia.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["completed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "step"], name="completion_unique_step")
        ]


# ---------------------------------------------------------------------------- the scorecard


class MeasureBaseline(WorkspaceOwned):
    """The value a workspace compares one scorecard measure against (a percent for a share,
    the measure's unit for an amount)."""

    measure_key = models.CharField(max_length=80)
    value = models.FloatField()
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["measure_key"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "measure_key"], name="baseline_unique")
        ]


class MeasureSnapshot(WorkspaceOwned):
    """A scorecard measure's value on one day, kept for its trend (None: nothing to measure)."""

    measure_key = models.CharField(max_length=80)
    taken_on = models.DateField()
    value = models.FloatField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["measure_key", "taken_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "measure_key", "taken_on"], name="snapshot_unique_day"
            )
        ]


class PulseRound(WorkspaceOwned):
    """One month's short pulse survey of the product team: how their time split between
    strategic and operational work."""

    month = models.DateField(help_text="The first day of the month it asks about.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "month"], name="pulse_round_unique_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}"


class PulseResponse(WorkspaceOwned):
    """One member's answer to a round: the share of their time on strategic work."""

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    strategic_percent = models.PositiveSmallIntegerField()
    comment = models.CharField(max_length=500, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "respondent"], name="pulse_response_unique")
        ]
