from django.contrib import admin
from django.http import HttpRequest

from greenroom.jobs.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Job runs are written by the job machinery only, so the admin can look but not touch."""

    list_display = ["name", "status", "attempt", "enqueued_at", "started_at", "duration_ms"]
    list_filter = ["status", "name"]
    search_fields = ["name", "task_id", "error"]
    date_hierarchy = "enqueued_at"
    list_select_related = ["workspace"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: JobRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: JobRun | None = None) -> bool:
        return False
