from django.db import models


class Status(models.TextChoices):
    """An experiment's life: designed, collecting data, being read, decided."""

    DRAFT = "draft", "Draft"
    RUNNING = "running", "Running"
    ANALYSING = "analysing", "Analysing"
    DECIDED = "decided", "Decided"


class Decision(models.TextChoices):
    """What was done with the change the experiment tested."""

    SHIP = "ship", "Ship"
    ROLL_BACK = "roll_back", "Roll back"
    ITERATE = "iterate", "Iterate"


class MetricRole(models.TextChoices):
    """Why a metric is in the experiment: it decides, it informs, or it must not get worse."""

    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    GUARDRAIL = "guardrail", "Guardrail"


class MetricKind(models.TextChoices):
    """How a metric is computed per exposed user."""

    CONVERSION = "conversion", "Conversion to an event"
    EVENTS_PER_USER = "events_per_user", "Events per user"
    REVENUE_PER_ACCOUNT = "revenue_per_account", "Revenue per account"


class AuditAction(models.TextChoices):
    """What the audit log records about experiments (`<entity>.<verb>`)."""

    EXPERIMENT_CREATE = "experiment.create"
    EXPERIMENT_CHANGE_PLAN = "experiment.change_plan"
    EXPERIMENT_START = "experiment.start"
    EXPERIMENT_STOP = "experiment.stop"
    EXPERIMENT_ACKNOWLEDGE_SRM = "experiment.acknowledge_srm"
    EXPERIMENT_DECIDE = "experiment.decide"
    EXPERIMENT_ANALYSE = "experiment.analyse"
    VARIANT_SUMMARY_RECORD = "variant_summary.record"
    ASSIGNMENT_UPLOAD = "assignment.upload"
    BETA_PROGRAMME_CREATE = "beta_programme.create"
    BETA_PROGRAMME_CHANGE_STAGE = "beta_programme.change_stage"
    BETA_PARTICIPANT_INVITE = "beta_participant.invite"
    BETA_PARTICIPANT_WAITLIST = "beta_participant.waitlist"
    BETA_PARTICIPANT_CHANGE_STATUS = "beta_participant.change_status"
    BETA_PARTICIPANTS_EXPORT = "beta_participants.export"
    CHECKLIST_TEMPLATE_SAVE = "checklist_template.save"
    LAUNCH_CREATE = "launch.create"
    LAUNCH_DECIDE_GO = "launch.decide_go"
    LAUNCH_MARK_LAUNCHED = "launch.mark_launched"
    CHECKLIST_ITEM_COMPLETE = "checklist_item.complete"
    CHECKLIST_ITEM_REOPEN = "checklist_item.reopen"


class Stage(models.TextChoices):
    """Where a beta programme is on the way to everyone."""

    CONCEPT = "concept", "Concept"
    ALPHA = "alpha", "Alpha"
    BETA = "beta", "Beta"
    GA = "ga", "General availability"


STAGE_ORDER = list(Stage.values)


class ParticipantStatus(models.TextChoices):
    """A contact's place in a programme: waiting, asked, taking part, or gone."""

    WAITLISTED = "waitlisted", "On the waitlist"
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Taking part"
    LEFT = "left", "Left"


class Evidence(models.TextChoices):
    """What a checklist item must point at before it can be ticked."""

    NONE = "", "Nothing"
    EXPERIMENT = "experiment", "An experiment result"
    BETA_FEEDBACK = "beta_feedback", "Beta feedback"
    DOCUMENT = "document", "A signed-off document"


class LaunchStatus(models.TextChoices):
    """A launch is planned, has shipped, or was called off."""

    PLANNED = "planned", "Planned"
    LAUNCHED = "launched", "Launched"
    CANCELLED = "cancelled", "Cancelled"


class GoDecision(models.TextChoices):
    """The go/no-go call on a launch."""

    GO = "go", "Go"
    NO_GO = "no_go", "No go"
