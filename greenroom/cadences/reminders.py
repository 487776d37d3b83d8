"""Reminder emails of onboarding and the team pulse: an onboarding step coming due, one
overdue, and this month's pulse invitation. Each is sent once (``ReminderSent`` keeps what
went out), to active members with an email address; the periodic job
``cadences.send_reminders`` runs them beside the review and overdue-action reminders of
``services.reminders_send``.

A member who switched a kind off on their email preferences page (accounts) gets none of it,
and nothing is recorded as sent, so switching it back on resumes it; a member without an email
address, or deactivated, gets nothing. Each email ends with a link to that page.
"""

from datetime import date, datetime, timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from greenroom.accounts import selectors as account_selectors
from greenroom.accounts.models import Membership, User, Workspace
from greenroom.accounts.permissions import ABILITIES
from greenroom.cadences import onboarding, scorecard
from greenroom.cadences.choices import ReminderEmail
from greenroom.cadences.models import OnboardingAssignment, ReminderSent

# A step is "coming due" this many days before its due date.
DUE_SOON_DAYS = 2
STEP_DUE, STEP_OVERDUE, PULSE = "onboarding-due", "onboarding-overdue", "pulse-invitation"


def _claim(*, workspace: Workspace, kind: str, key: str, user: User, now: datetime) -> bool:
    """Record the reminder as sent; False when it was already (by this run or another)."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                workspace=workspace, kind=kind, key=key, recipient=user, sent_at=now
            )
    except IntegrityError:
        return False
    return True


def _reachable(user: User) -> bool:
    return bool(user.is_active and user.email)


def _footer() -> str:
    return f"\n\nChoose which emails you get: {account_selectors.email_preferences_url()}"


def onboarding_send(*, now: datetime) -> dict[str, int]:
    """Email each new PM one message listing their steps coming due (within two days) and
    those overdue that were not reminded of before; returns how many emails of each."""
    today = timezone.localtime(now).date()
    sent = {"due": 0, "overdue": 0}
    off = account_selectors.email_opted_out(kind=ReminderEmail.ONBOARDING)
    assignments = (
        OnboardingAssignment.objects.filter(completed_at__isnull=True)
        .select_related("programme", "user", "workspace")
        .prefetch_related("programme__steps", "completions")
    )
    for assignment in assignments:
        if not _reachable(assignment.user) or (assignment.workspace_id, assignment.user_id) in off:
            continue
        states = onboarding.progress(assignment=assignment, today=today).steps
        for kind, label in ((STEP_DUE, "due"), (STEP_OVERDUE, "overdue")):
            pending = [s for s in states if not s.done and _matches(kind, s, today)]
            # The claims roll back if the email fails, so the job's retry sends it again.
            with transaction.atomic():
                claimed = [
                    s
                    for s in pending
                    if _claim(
                        workspace=assignment.workspace,
                        kind=kind,
                        key=f"{assignment.pk}:{s.step.pk}",
                        user=assignment.user,
                        now=now,
                    )
                ]
                if claimed:
                    _send_steps(assignment, claimed, label)
                    sent[label] += 1
    return sent


def _matches(kind: str, state: onboarding.StepState, today: date) -> bool:
    if kind == STEP_OVERDUE:
        return state.overdue
    return today <= state.due <= today + timedelta(days=DUE_SOON_DAYS)


def _send_steps(assignment: OnboardingAssignment, steps: list, label: str) -> None:
    lines = "\n".join(f"- {s.step.title} (due {s.due:%Y-%m-%d})" for s in steps)
    subject = (
        f"Onboarding: {len(steps)} step{'s' if len(steps) > 1 else ''} "
        f"{'overdue' if label == 'overdue' else 'coming due'}"
    )
    send_mail(
        subject,
        f"Your onboarding programme '{assignment.programme}':\n{lines}\n\n"
        f"Tick them off on your onboarding page in Greenroom.{_footer()}",
        None,
        [assignment.user.email],
    )


def pulse_send(*, now: datetime) -> int:
    """Invite each product-team member (product managers and up) who has not answered this
    month's pulse yet, once a month; returns how many invitations were sent."""
    month = scorecard.pulse_month(timezone.localtime(now).date())
    sent = 0
    off = account_selectors.email_opted_out(kind=ReminderEmail.PULSE)
    members = Membership.objects.select_related("user", "workspace")
    for membership in members:
        user = membership.user
        if not membership.has_role(ABILITIES["answer_pulse"]) or not _reachable(user):
            continue
        if (membership.workspace_id, user.pk) in off:
            continue
        workspace = membership.workspace
        if scorecard.pulse_answer_get(workspace=workspace, user=user, today=month):
            continue
        with transaction.atomic():
            if not _claim(
                workspace=workspace, kind=PULSE, key=f"{month}:{user.pk}", user=user, now=now
            ):
                continue
            _send_pulse(user, month)
        sent += 1
    return sent


def _send_pulse(user: User, month: date) -> None:
    send_mail(
        f"Team pulse for {month:%B %Y}: one question",
        f"How did your time split between strategic and operational work in {month:%B}? "
        "Answer the team pulse in Greenroom (one slider, a minute); the product ops "
        f"scorecard reads the team's average.{_footer()}",
        None,
        [user.email],
    )
