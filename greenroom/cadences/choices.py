from django.db import models


class DecisionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"
    REOPENED = "reopened", "Reopened"


class OutcomeVerdict(models.TextChoices):
    AS_EXPECTED = "as_expected", "As expected"
    BETTER = "better", "Better than expected"
    WORSE = "worse", "Worse than expected"
    TOO_EARLY = "too_early", "Too early to tell"


class TemplateKind(models.TextChoices):
    PRD = "prd", "PRD"
    RESEARCH_PLAN = "research_plan", "Research plan"
    EXPERIMENT_BRIEF = "experiment_brief", "Experiment brief"
    LAUNCH_PLAN = "launch_plan", "Launch plan"
    DECISION_RECORD = "decision_record", "Decision record"


class AuditAction(models.TextChoices):
    DECISION_RAISE = "decision.raise", "Decision raised"
    DECISION_ADD_EVIDENCE = "decision.add_evidence", "Evidence added to a decision"
    DECISION_DECIDE = "decision.decide", "Decision recorded"
    DECISION_REOPEN = "decision.reopen", "Decision reopened"
    DECISION_LINK_CHANGE = "decision.link_change", "Roadmap change linked to a decision"
    DECISION_SAVE_RECORD = "decision.save_record", "Decision record edited"
    DECISION_RECORD_OUTCOME = "decision.record_outcome", "Decision outcome recorded"
    DECISION_ADD_OUTCOME_EVIDENCE = (
        "decision.add_outcome_evidence",
        "Evidence added to a decision's outcome",
    )
    TEMPLATE_SAVE = "template.save", "Playbook template saved"
    GUIDE_SAVE = "guide.save", "Process guide saved"
    TOOL_SAVE = "tool.save", "Tool saved"
    TOOL_REPLACE = "tool.replace", "Tool replaced"
    TOOL_IMPORT_SEATS = "tool.import_seats", "Tool seat export imported"
    CADENCE_SAVE = "cadence.save", "Cadence saved"
    ACTION_ITEM_ADD = "action_item.add", "Action item added"
    ACTION_ITEM_COMPLETE = "action_item.complete", "Action item completed"
    CALENDAR_TOKEN_RESET = "calendar_token.reset", "Calendar feed address reset"
    ONBOARDING_PROGRAMME_SAVE = "onboarding_programme.save", "Onboarding programme saved"
    ONBOARDING_ASSIGNMENT_CREATE = "onboarding_assignment.create", "Onboarding assigned"
    ONBOARDING_STEP_COMPLETE = "onboarding_step.complete", "Onboarding step completed"
    ONBOARDING_STEP_REOPEN = "onboarding_step.reopen", "Onboarding step reopened"
    MEASURE_BASELINE_SET = "measure_baseline.set", "Scorecard baseline set"
    PULSE_RESPONSE_SAVE = "pulse_response.save", "Pulse survey answered"


class StepKind(models.TextChoices):
    READING = "reading", "Reading"
    TASK = "task", "Task"
    SHADOWING = "shadowing", "Shadowing"
    # Completes by itself when an app registers the "first-roadmap" Milestone (strategy's
    # roadmaps), or by hand until then.
    FIRST_ROADMAP = "first_roadmap", "First roadmap in the standard template"


class CompletedVia(models.TextChoices):
    MANUAL = "manual", "Ticked by hand"
    MILESTONE = "milestone", "Reached in the app"


class ReminderEmail(models.TextChoices):
    """The kinds of email cadences sends, registered as ``registry.EmailKind``s: a member may
    switch each off on their email preferences page."""

    REVIEW = "review-reminder", "Review reminders"
    OVERDUE_ACTION = "overdue-action", "Overdue action items"
    ONBOARDING = "onboarding-reminder", "Onboarding reminders"
    PULSE = "pulse-invitation", "Team pulse invitations"
