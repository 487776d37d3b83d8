from django.db import models


class Role(models.TextChoices):
    """What a member may do, from least to most; each role includes the ones below it."""

    VIEWER = "viewer", "Viewer"
    PRODUCT_MANAGER = "product_manager", "Product manager"
    PRODUCT_OPS = "product_ops", "Product ops"
    ADMIN = "admin", "Admin"


ROLE_RANK = {role: rank for rank, role in enumerate(Role)}
