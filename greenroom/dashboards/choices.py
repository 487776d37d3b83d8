from django.db import models


class AuditAction(models.TextChoices):
    """What the audit log records about board packs and digest subscriptions."""

    BOARD_PACK_REQUEST = "board_pack.request"
    BOARD_PACK_DOWNLOAD = "board_pack.download"
    DIGEST_SUBSCRIPTION_CREATE = "digest_subscription.create"
    DIGEST_SUBSCRIPTION_DELETE = "digest_subscription.delete"
