"""Writes: notable changes saved after a refresh, followed and dismissed; dashboard views."""

from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.health import selectors
from greenroom.health.choices import AuditAction
from greenroom.health.models import DashboardView, Finding


@transaction.atomic
def findings_refresh(*, workspace: Workspace) -> dict[str, int]:
    """Run the detectors on the workspace's published metrics and save what they find: new
    changes are added, known ones (same kind, subject and period) get the latest figures and
    keep their followers and dismissal. Returns how many were new and updated."""
    counts = {"new": 0, "updated": 0}
    for candidate in selectors.detect(workspace=workspace):
        _, created = Finding.objects.update_or_create(
            workspace=workspace,
            kind=candidate.kind,
            subject=candidate.subject,
            period=candidate.period,
            defaults={
                "title": candidate.title,
                "summary": candidate.summary,
                "metric": candidate.metric,
                "value": candidate.score.value,
                "baseline_median": candidate.score.median,
                "z": candidate.score.z,
                "unit": candidate.unit,
                "series": candidate.series,
            },
        )
        counts["new" if created else "updated"] += 1
    return counts


@transaction.atomic
def finding_follow(*, actor: User, finding: Finding, follow: bool = True) -> Finding:
    """Follow (or stop following) a notable change."""
    if follow:
        finding.followers.add(actor)
    else:
        finding.followers.remove(actor)
    audit_record(
        actor=actor,
        workspace=finding.workspace,
        action=AuditAction.FINDING_FOLLOW if follow else AuditAction.FINDING_UNFOLLOW,
        target=finding,
    )
    return finding


@transaction.atomic
def finding_dismiss(*, actor: User, finding: Finding, dismiss: bool = True) -> Finding:
    """Dismiss a notable change for the whole workspace (or bring it back)."""
    finding.dismissed_at = timezone.now() if dismiss else None
    finding.dismissed_by = actor if dismiss else None
    finding.save(update_fields=["dismissed_at", "dismissed_by"])
    audit_record(
        actor=actor,
        workspace=finding.workspace,
        action=AuditAction.FINDING_DISMISS if dismiss else AuditAction.FINDING_RESTORE,
        target=finding,
    )
    return finding


def dashboard_view_record(
    *, workspace: Workspace, user: User | None, role: str, dashboard: str
) -> DashboardView:
    """Note that a member opened a dashboard (not audited: it is the record itself)."""
    return DashboardView.objects.create(
        workspace=workspace, user=user, role=role, dashboard=dashboard
    )
