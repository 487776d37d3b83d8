from django.db import models


class ChartType(models.TextChoices):
    """How a tile draws its metric."""

    NUMBER = "number", "Headline number"
    LINE = "line", "Line over time"
    BAR = "bar", "Bars over time"
    RANKED = "ranked", "Bars by slice (latest period)"


class Grain(models.TextChoices):
    """The periods a tile's metric is counted over (metrics' grains)."""

    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class AuditAction(models.TextChoices):
    """What the audit log records about board packs, digest subscriptions and custom
    dashboards (`<entity>.<verb>`)."""

    BOARD_PACK_REQUEST = "board_pack.request", "Board pack asked for"
    BOARD_PACK_DOWNLOAD = "board_pack.download", "Board pack downloaded"
    DIGEST_SUBSCRIPTION_CREATE = "digest_subscription.create", "Subscribed to the weekly digest"
    DIGEST_SUBSCRIPTION_DELETE = "digest_subscription.delete", "Unsubscribed from the digest"

    CUSTOM_DASHBOARD_CREATE = "custom_dashboard.create", "Dashboard created"
    CUSTOM_DASHBOARD_UPDATE = "custom_dashboard.update", "Dashboard changed"
    CUSTOM_DASHBOARD_PUBLISH = "custom_dashboard.publish", "Dashboard published to teams"
    CUSTOM_DASHBOARD_DELETE = "custom_dashboard.delete", "Dashboard deleted"
    TILE_ADD = "tile.add", "Tile added to a dashboard"
    TILE_UPDATE = "tile.update", "Dashboard tile changed"
    TILE_MOVE = "tile.move", "Dashboard tile moved"
    TILE_REMOVE = "tile.remove", "Dashboard tile removed"
