"""What health does when lower apps signal: find notable changes after a refresh, note who
opened which dashboard. Connected at start-up (apps.py); neither sender imports health."""

from django.dispatch import receiver

from greenroom.dashboards.signals import dashboard_viewed
from greenroom.health import services
from greenroom.metrics.signals import refreshed


@receiver(refreshed, dispatch_uid="health.findings_refresh")
def _after_refresh(sender, *, workspace, **_kwargs) -> None:
    services.findings_refresh(workspace=workspace)


@receiver(dashboard_viewed, dispatch_uid="health.dashboard_view_record")
def _dashboard_viewed(sender, *, workspace, user, role, dashboard, **_kwargs) -> None:
    services.dashboard_view_record(
        workspace=workspace,
        user=user if getattr(user, "is_authenticated", False) else None,
        role=role,
        dashboard=dashboard,
    )
