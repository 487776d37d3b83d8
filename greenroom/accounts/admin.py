from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from greenroom.accounts.models import ApiToken, AuditEvent, Membership, User, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class GreenroomUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ("email", "first_name", "last_name", "is_active", "last_login")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "reporting_currency", "created_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("digest", "hint", "created_at", "last_used_at")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by services and never edited."""

    list_display = ("at", "actor_label", "action", "object_label")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_label", "action")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
