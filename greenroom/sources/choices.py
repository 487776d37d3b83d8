from django.db import models


class SourceKind(models.TextChoices):
    """Which connector reads a source: one per real-world export shape, plus the Stripe API."""

    SEGMENT = "segment", "Segment events (JSON lines)"
    AMPLITUDE = "amplitude", "Amplitude export (JSON lines)"
    POSTHOG = "posthog", "PostHog events (CSV or JSON lines)"
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


class SourceStatus(models.TextChoices):
    """How the last sync of a source went."""

    NEW = "new", "Not synced yet"
    RUNNING = "running", "Syncing"
    OK = "ok", "Up to date"
    QUARANTINED = "quarantined", "Loaded, some rows quarantined"
    REJECTED = "rejected", "Last batch rejected"
    FAILED = "failed", "Failed"


class RunStatus(models.TextChoices):
    """The outcome of one sync."""

    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    QUARANTINED = "quarantined", "Loaded, some rows quarantined"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"


class Trigger(models.TextChoices):
    """Who started a sync."""

    CLI = "cli", "Command line"
    WEB = "web", "Web page"
    API = "api", "API"
    SCHEDULE = "schedule", "Schedule"


STATUS_TONE: dict[str, str] = {
    SourceStatus.NEW: "muted",
    SourceStatus.RUNNING: "muted",
    SourceStatus.OK: "ok",
    SourceStatus.QUARANTINED: "warn",
    SourceStatus.REJECTED: "bad",
    SourceStatus.FAILED: "bad",
    RunStatus.SUCCEEDED: "ok",
    RunStatus.INTERRUPTED: "warn",
}


class AuditAction(models.TextChoices):
    """What the audit log records about sources (`<entity>.<verb>`, see accounts/choices.py)."""

    SOURCE_CREATE = "source.create"
    SOURCE_UPDATE = "source.update"
    SOURCE_UPLOAD = "source.upload"
    SOURCE_SYNC = "source.sync"
