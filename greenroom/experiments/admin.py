from django.contrib import admin

from greenroom.experiments.models import BetaProgramme, Experiment, Launch


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "status", "decision", "started_at"]
    list_filter = ["status", "decision"]
    search_fields = ["name", "hypothesis"]


@admin.register(BetaProgramme)
class BetaProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "stage", "flag_key", "created_at"]
    list_filter = ["stage"]
    search_fields = ["name"]


@admin.register(Launch)
class LaunchAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "planned_on", "status", "go_decision", "launched_on"]
    list_filter = ["status", "go_decision"]
    search_fields = ["name"]
