from django.contrib import admin

from greenroom.cadences.models import (
    Cadence,
    Decision,
    MeasureBaseline,
    OnboardingAssignment,
    OnboardingProgramme,
    Tool,
)


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["question", "status", "decider", "raised_at", "decided_at"]
    list_filter = ["status"]


@admin.register(Cadence)
class CadenceAdmin(admin.ModelAdmin):
    list_display = ["name", "rrule", "starts_at"]


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "seats", "renewal_date"]


@admin.register(OnboardingProgramme)
class OnboardingProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "created_at"]


@admin.register(OnboardingAssignment)
class OnboardingAssignmentAdmin(admin.ModelAdmin):
    list_display = ["programme", "user", "started_on", "completed_at"]


@admin.register(MeasureBaseline)
class MeasureBaselineAdmin(admin.ModelAdmin):
    list_display = ["measure_key", "workspace", "value", "set_by", "set_at"]
