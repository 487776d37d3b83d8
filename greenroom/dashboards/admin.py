from django.contrib import admin

from greenroom.dashboards.models import CustomDashboard, Tile


class TileInline(admin.TabularInline):
    model = Tile
    extra = 0
    fields = ["position", "title", "metric", "by", "filter_dimension", "filter_value", "chart"]


@admin.register(CustomDashboard)
class CustomDashboardAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "updated_at"]
    search_fields = ["name"]
    inlines = [TileInline]
