from django.db import models


class SourceKind(models.TextChoices):
    """Which connector reads a source: one per real-world export shape, plus the Stripe API."""

    SEGMENT = "segment", "Segment events (JSON lines)"
    AMPLITUDE = "amplitude", "Amplitude export (JSON lines)"
    POSTHOG = "posthog", "PostHog events (CSV, JSON lines or Parquet)"
    STRIPE_FILES = "stripe_files", "Stripe objects (JSON lines or list JSON)"
    COSTS = "costs", "General-ledger cost lines (CSV)"
    HEADCOUNT = "headcount", "HR headcount (CSV)"
    SALESFORCE = "salesforce", "Salesforce accounts (CSV)"
    HUBSPOT = "hubspot", "HubSpot companies (CSV)"
    FX_RATES = "fx_rates", "FX rates (CSV)"
    STRIPE_API = "stripe_api", "Stripe API"
    BILLING_CHARGES = "billing_charges", "Billing charges per period (CSV, XLSX, Parquet)"
    BILLING_LINES = "billing_lines", "Billing subscription lines (CSV, XLSX, Parquet)"
    RECURLY = "recurly", "Recurly subscriptions export (CSV)"


class RunStatus(models.TextChoices):
    """The outcome of one sync, in the vocabulary every surface uses (jobs list, sources pages,
    scorecard, API, CLI): a sync's job run carries the same value (see tasks.py)."""

    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTLY_LOADED = "partly_loaded", "Partly loaded"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"
    # Nothing new to load: the sync read no batch.
    SKIPPED = "skipped", "Skipped"


class SourceStatus(models.TextChoices):
    """How the last sync of a source went: a sync's outcome, or not synced yet."""

    NEW = "new", "Not synced yet"
    RUNNING = "running", "Syncing"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTLY_LOADED = "partly_loaded", "Partly loaded"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Trigger(models.TextChoices):
    """Who started a sync."""

    CLI = "cli", "Command line"
    WEB = "web", "Web page"
    API = "api", "API"
    SCHEDULE = "schedule", "Schedule"


# One colour per status value; SourceStatus and RunStatus share their values.
STATUS_TONE: dict[str, str] = {
    SourceStatus.NEW: "muted",
    SourceStatus.RUNNING: "muted",
    SourceStatus.SUCCEEDED: "ok",
    SourceStatus.PARTLY_LOADED: "warn",
    SourceStatus.REJECTED: "bad",
    SourceStatus.FAILED: "bad",
    SourceStatus.SKIPPED: "muted",
}


class AuditAction(models.TextChoices):
    """What the audit log records about sources (`<entity>.<verb>`, see accounts/choices.py)."""

    SOURCE_CREATE = "source.create"
    SOURCE_UPDATE = "source.update"
    SOURCE_UPLOAD = "source.upload"
    SOURCE_SYNC = "source.sync"
    SOURCE_DELETE = "source.delete"
    SOURCE_FILE_DELETE = "source_file.delete"
