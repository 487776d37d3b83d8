import hashlib
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

from greenroom.accounts.choices import ROLE_RANK, Role
from greenroom.accounts.scoping import WorkspaceOwned


class Workspace(models.Model):
    """A company using Greenroom; everything a member sees is scoped to one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    reporting_currency = models.CharField(max_length=3, default="USD")
    # The company's colour on its board pack and digests (title bands, headings, chart marks).
    brand_colour = models.CharField(
        max_length=7,
        default="#2f6f4f",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Write a colour as #RRGGBB.")],
        help_text="Used on the board pack and the weekly digest, e.g. #2f6f4f.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who can sign in; their role lives on their membership of a workspace."""

    email = models.EmailField("email address", unique=True)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(WorkspaceOwned):
    """A user's role in a workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} as {self.get_role_display()}"

    def has_role(self, minimum: str) -> bool:
        """Whether this member's role is ``minimum`` or above."""
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(minimum)]


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored, the secret is shown once."""

    PREFIX = "grt_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        """The stored form of a token secret."""
        return hashlib.sha256(secret.encode()).hexdigest()


class AuditEvent(WorkspaceOwned):
    """Who did what to which object, and when; written by services, never edited."""

    # Nullable, unlike WorkspaceOwned's: sign-in and system events belong to no workspace.
    workspace = models.ForeignKey(  # type: ignore[assignment]
        Workspace, on_delete=models.CASCADE, related_name="audit_events", null=True
    )
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_label = models.CharField(max_length=200, help_text="Kept if the actor is deleted.")
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_label}"

    def detail_pairs(self) -> list[tuple[str, Any]]:
        """The detail's keys and values, for pages: a template reading ``detail.items`` gets
        the value of a key named "items" (a roadmap snapshot's count), not the pairs."""
        return list(self.detail.items()) if isinstance(self.detail, dict) else []


class EmailOptOut(WorkspaceOwned):
    """A kind of email (a registered ``registry.EmailKind`` key) a member has switched off.
    Only the switched-off kinds are kept, so every kind, and any new one, is on by default."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_opt_outs")
    kind = models.CharField(max_length=60)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user", "kind"], name="email_opt_out_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} opted out of {self.kind}"
