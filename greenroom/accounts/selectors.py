from django.db.models import QuerySet

from greenroom.accounts.models import ApiToken, AuditEvent, Membership, User, Workspace


def membership_for(*, user: User) -> Membership | None:
    """The user's membership; Greenroom serves one workspace per user."""
    return Membership.objects.select_related("workspace").filter(user=user).first()


def member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    """Everyone in a workspace with their role, by name."""
    return (
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """A user's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def audit_event_list(*, workspace: Workspace) -> QuerySet[AuditEvent]:
    """The workspace's audit trail, newest first."""
    return AuditEvent.objects.filter(workspace=workspace).select_related("actor")
