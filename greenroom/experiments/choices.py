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
