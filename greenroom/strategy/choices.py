from django.db import models

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
