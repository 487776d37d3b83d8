from django.contrib import admin

from greenroom.cadences.models import Cadence, Decision, Tool


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
