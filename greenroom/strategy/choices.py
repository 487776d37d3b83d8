from django.db import models

from greenroom.jobs.choices import JobStatus
from greenroom.strategy import forecast


class AuditAction(models.TextChoices):
    INTENT_CREATE = "intent.create", "Strategic intent created"
    INTENT_UPDATE = "intent.update", "Strategic intent changed"
    INITIATIVE_CREATE = "initiative.create", "Initiative created"
    INITIATIVE_UPDATE = "initiative.update", "Initiative changed"
    OBJECTIVE_CREATE = "objective.create", "Objective created"
    OBJECTIVE_UPDATE = "objective.update", "Objective changed"
    KEY_RESULT_CREATE = "key_result.create", "Key result created"
    KEY_RESULT_UPDATE = "key_result.update", "Key result changed"
    CHECK_IN_CREATE = "check_in.create", "Check-in added"
    ROADMAP_ITEM_CREATE = "roadmap_item.create", "Roadmap item created"
    ROADMAP_ITEM_UPDATE = "roadmap_item.update", "Roadmap item changed"
    ROADMAP_ITEM_MOVE = "roadmap_item.move", "Roadmap item moved"
    ROADMAP_ITEM_ADD_EVIDENCE = "roadmap_item.add_evidence", "Evidence added to a roadmap item"
    ROADMAP_TEMPLATE_UPDATE = "roadmap_template.update", "Roadmap template changed"
    ROADMAP_TEMPLATE_CREATE = "roadmap_template.create", "Roadmap template set"
    ROADMAP_SNAPSHOT_CREATE = "roadmap_snapshot.create", "Roadmap snapshot taken"
    ROADMAP_IMPORT = "roadmap.import", "Roadmap imported"
    JIRA_CONNECTION_SAVE = "jira_connection.save", "Jira connection set"
    JIRA_CONNECTION_DELETE = "jira_connection.delete", "Jira connection removed"
    JIRA_SYNC = "jira.sync", "Jira synced"
    JIRA_PUSH = "jira.push", "Roadmap item pushed to its Jira epic"


class Status(models.TextChoices):
    ON_TRACK = forecast.ON_TRACK, "On track"
    AT_RISK = forecast.AT_RISK, "At risk"
    OFF_TRACK = forecast.OFF_TRACK, "Off track"
    NO_DATA = forecast.NO_DATA, "No data"
    UNAVAILABLE = forecast.UNAVAILABLE, "Cannot compute"


class Source(models.TextChoices):
    MANUAL = "manual", "Manual check-ins"
    METRIC = "metric", "A metric"


class Trigger(models.TextChoices):
    REFRESH = "refresh", "Metrics refresh"
    CHECK_IN = "check_in", "Check-in"
    EDIT = "edit", "Key result changed"
    RECOMPUTE = "recompute", "Recomputed"


GRAINS = [("day", "Day"), ("week", "Week"), ("month", "Month"), ("quarter", "Quarter")]


class ItemStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ItemSource(models.TextChoices):
    """Where an item came from: made in Greenroom, or imported (kept for re-imports)."""

    GREENROOM = "", "Greenroom"
    SPREADSHEET = "spreadsheet", "Spreadsheet import"
    JIRA = "jira", "Jira"


class ImportKind(models.TextChoices):
    SPREADSHEET = "spreadsheet", "A roadmap spreadsheet (CSV or XLSX)"
    JIRA_CSV = "jira_csv", "Jira's CSV export"


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "Waiting for its column mapping"
    DONE = "done", "Imported"
    FAILED = "failed", "Nothing imported"


# What an item must carry to meet the template (product ops choose which are required).
TEMPLATE_FIELDS = {
    "goal": "Goal linked (an initiative, objective or key result)",
    "evidence": "Evidence (an opportunity, insight, experiment or link)",
    "impact": "Expected impact (revenue unlocked, cost reduced or market opened)",
    "problem": "The problem, in words",
    "confidence": "Confidence",
    "product_area": "Product area",
}
DEFAULT_COLUMNS = ["Now", "Next", "Later"]
DEFAULT_REQUIRED = ["goal", "evidence", "impact"]


class Scoring(models.TextChoices):
    RICE = "rice", "RICE (reach, impact, confidence, effort)"
    WEIGHTED = "weighted", "Weighted drivers"


# RICE's impact scale (Intercom's): massive 3, high 2, medium 1, low 0.5, minimal 0.25.
RICE_IMPACT = [(3.0, "Massive (3)"), (2.0, "High (2)"), (1.0, "Medium (1)"), (0.5, "Low (0.5)"),
               (0.25, "Minimal (0.25)")]  # fmt: skip
# The weighted formula's drivers, each scaled 0-1 among the items scored together.
DRIVERS = {
    "value": "Revenue unlocked + cost reduced",
    "arr": "ARR of the accounts asking (feedback)",
    "accounts": "Accounts asking (feedback)",
    "confidence": "Confidence",
    "ease": "Ease (least effort scores 1)",
}
DEFAULT_WEIGHTS = {"value": 2.0, "arr": 2.0, "accounts": 1.0, "confidence": 1.0, "ease": 1.0}


# How a Jira sync ended, in the one vocabulary of sync runs (jobs' statuses, whose values
# sources' runs share too): the outcomes a finished sync can have.
SYNC_OUTCOMES = [
    (status.value, status.label)
    for status in (
        JobStatus.SUCCEEDED,
        JobStatus.PARTLY_LOADED,
        JobStatus.REJECTED,
        JobStatus.FAILED,
        JobStatus.SKIPPED,
    )
]
