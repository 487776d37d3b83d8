from django.contrib import admin

from greenroom.sources.models import Source, SyncRun


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "workspace", "status", "last_synced_at", "rows_total")
    list_filter = ("kind", "status", "workspace")
    search_fields = ("name",)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("source", "status", "trigger", "started_at", "rows_in", "rows_loaded")
    list_filter = ("status", "trigger")
    list_select_related = ("source",)
    readonly_fields = [field.name for field in SyncRun._meta.fields]
