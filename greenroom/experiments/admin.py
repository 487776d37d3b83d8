from django.contrib import admin

from greenroom.experiments.models import Experiment


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "status", "decision", "started_at"]
    list_filter = ["status", "decision"]
    search_fields = ["name", "hypothesis"]
