from django.contrib import admin

from greenroom.health.models import DashboardView, Finding


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "period", "z", "dismissed_at"]
    list_filter = ["kind"]


@admin.register(DashboardView)
class DashboardViewAdmin(admin.ModelAdmin):
    list_display = ["dashboard", "role", "viewed_at"]
    list_filter = ["dashboard", "role"]
