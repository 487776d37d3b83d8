from django.contrib import admin

from greenroom.strategy.models import (
    CheckIn,
    Initiative,
    JiraConnection,
    KeyResult,
    KeyResultReading,
    Objective,
    RoadmapImport,
    StrategicIntent,
)


@admin.register(StrategicIntent)
class StrategicIntentAdmin(admin.ModelAdmin):
    list_display = ("title", "workspace", "starts_on", "ends_on")


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ("title", "workspace", "intent")


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ("title", "workspace", "team", "starts_on", "ends_on")


@admin.register(KeyResult)
class KeyResultAdmin(admin.ModelAdmin):
    list_display = ("title", "workspace", "objective", "source", "status", "progress")
    list_filter = ("status", "source")


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("key_result", "checked_on", "value", "author")


@admin.register(KeyResultReading)
class KeyResultReadingAdmin(admin.ModelAdmin):
    list_display = ("key_result", "taken_at", "trigger", "status", "progress")


@admin.register(JiraConnection)
class JiraConnectionAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "team", "base_url", "push_back", "last_synced_at")
    readonly_fields = ("last_synced_at", "last_report")


@admin.register(RoadmapImport)
class RoadmapImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "workspace", "team", "kind", "status", "created_at")
