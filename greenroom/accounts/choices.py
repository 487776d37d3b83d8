from django.db import models


class Role(models.TextChoices):
    """What a member may do, from least to most; each role includes the ones below it."""

    VIEWER = "viewer", "Viewer"
    PRODUCT_MANAGER = "product_manager", "Product manager"
    PRODUCT_OPS = "product_ops", "Product ops"
    ADMIN = "admin", "Admin"


ROLE_RANK = {role: rank for rank, role in enumerate(Role)}


# Audit actions are named `<entity>.<verb>`: the entity is what the event is about (snake_case,
# singular, usually the target's model), the verb is in the present tense and may name what
# it acts on (`user.change_role`). Each app declares its own in its choices.py; renaming a
# value needs a data migration of the stored rows (accounts/migrations/0002).
class AuditAction(models.TextChoices):
    """What the audit log records about users and tokens."""

    USER_CREATE = "user.create"
    USER_CHANGE_ROLE = "user.change_role"
    USER_ACTIVATE = "user.activate"
    USER_DEACTIVATE = "user.deactivate"
    TOKEN_CREATE = "token.create"
    TOKEN_REVOKE = "token.revoke"
    WORKSPACE_UPDATE = "workspace.update"
    EMAIL_PREFERENCES_SAVE = "email_preferences.save"
