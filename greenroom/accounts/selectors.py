from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from greenroom import registry
from greenroom.accounts.models import (
    ApiToken,
    AuditEvent,
    EmailOptOut,
    Membership,
    User,
    Workspace,
)
from greenroom.registry import EmailKind, Ratio


def membership_for(*, user: User) -> Membership | None:
    """The user's membership; Greenroom serves one workspace per user."""
    return Membership.objects.select_related("workspace").filter(user=user).first()


def member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    """Everyone in a workspace with their role, by name."""
    return (
        Membership.objects.for_workspace(workspace)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """A user's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def audit_event_list(*, workspace: Workspace) -> QuerySet[AuditEvent]:
    """The workspace's audit trail, newest first."""
    return AuditEvent.objects.for_workspace(workspace).select_related("actor")


def members_active(*, workspace: Workspace, days: int = 30) -> Ratio:
    """Active members who signed in within ``days``, of all active members."""
    since = timezone.now() - timedelta(days=days)
    counts = (
        Membership.objects.for_workspace(workspace)
        .filter(user__is_active=True)
        .aggregate(recent=Count("id", filter=Q(user__last_login__gte=since)), total=Count("id"))
    )
    return Ratio(counts["recent"], counts["total"])


class WorkspaceNotChosen(Exception):
    """A command must act on one workspace and the one meant is not clear."""


def workspace_for_command(*, slug: str | None) -> Workspace:
    """The workspace a command acts on: the one named, else the only one there is.

    With several workspaces and none named, refuse rather than pick one: a command that
    silently loads one company's data into another's store is the worst outcome."""
    workspaces = Workspace.objects.order_by("pk")
    if slug:
        workspace = workspaces.filter(slug=slug).first()
        if workspace is None:
            known = ", ".join(workspaces.values_list("slug", flat=True)) or "none yet"
            raise WorkspaceNotChosen(f"No workspace {slug!r} (workspaces: {known}).")
        return workspace
    found = list(workspaces[:2])
    if not found:
        raise WorkspaceNotChosen("No workspace yet: run 'greenroom createuser --role admin' first.")
    if len(found) > 1:
        known = ", ".join(workspaces.values_list("slug", flat=True))
        raise WorkspaceNotChosen(f"Name the workspace with --workspace ({known}).")
    return found[0]


def email_kinds() -> list[EmailKind]:
    """The kinds of email apps send members, as they registered them."""
    return registry.entries(EmailKind)


def email_opted_out(*, kind: str) -> set[tuple[int, int]]:
    """(workspace id, user id) of every member who switched ``kind`` off: senders ask once
    per run, not once per email."""
    return set(EmailOptOut.objects.filter(kind=kind).values_list("workspace_id", "user_id"))


def email_wanted(*, workspace: Workspace, user: User) -> set[str]:
    """The registered kinds of email ``user`` gets in ``workspace`` (all unless switched off)."""
    off = set(
        EmailOptOut.objects.for_workspace(workspace)
        .filter(user=user)
        .values_list("kind", flat=True)
    )
    return {kind.key for kind in email_kinds() if kind.key not in off}


def email_preferences_url() -> str:
    """The email preferences page, absolute when GREENROOM_BASE_URL is set (emails are read
    in a mail client, where a relative link leads nowhere)."""
    return f"{settings.BASE_URL}{reverse('accounts:email_preferences')}"
