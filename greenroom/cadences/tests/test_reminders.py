"""Reminder emails of onboarding steps (coming due, overdue) and the monthly pulse
invitation: each sent once, to active members with an address, against Django's locmem
mail backend; and the periodic job that sends every kind."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from greenroom.cadences import onboarding, reminders, scorecard, services, tasks
from greenroom.cadences.choices import ReminderEmail
from greenroom.cadences.models import ReminderSent
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import run_now

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 10, 9, tzinfo=UTC)
PREFERENCES = "/settings/profile/email/"


@pytest.fixture(autouse=True)
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def assignment(personas):
    programme = onboarding.programme_save(
        workspace=personas.workspace,
        actor=personas.ops,
        name="New PM",
        steps=[
            {"kind": "reading", "title": "Read the strategy", "due_after_days": 3},
            {"kind": "task", "title": "Meet the team", "due_after_days": 10},
            {"kind": "shadowing", "title": "Shadow a review", "due_after_days": 11},
            {"kind": "task", "title": "Write a PRD", "due_after_days": 30},
        ],
    )
    # Started 1 Dec: due 4 Dec (overdue on the 10th), 11 Dec and 12 Dec (within two days),
    # 31 Dec (not yet).
    return onboarding.assignment_create(
        workspace=personas.workspace,
        actor=personas.ops,
        programme=programme,
        user=personas.pm,
        started_on=date(2026, 12, 1),
    )


def test_it_emails_a_new_pm_their_steps_coming_due_and_overdue_once(personas, assignment):
    assert reminders.onboarding_send(now=NOW) == {"due": 1, "overdue": 1}
    due, overdue = mail.outbox
    assert due.to == overdue.to == [personas.pm.email]
    assert due.subject == "Onboarding: 2 steps coming due"
    assert "Meet the team (due 2026-12-11)" in due.body and "Shadow a review" in due.body
    assert "Write a PRD" not in due.body
    assert overdue.subject == "Onboarding: 1 step overdue"
    assert "Read the strategy (due 2026-12-04)" in overdue.body
    assert reminders.onboarding_send(now=NOW + timedelta(hours=1)) == {"due": 0, "overdue": 0}
    # Two days later the step due on the 11th is overdue: reminded of again, as overdue.
    assert reminders.onboarding_send(now=NOW + timedelta(days=2)) == {"due": 0, "overdue": 1}
    assert (
        "Meet the team" in mail.outbox[-1].body and "Read the strategy" not in mail.outbox[-1].body
    )


def test_it_does_not_remind_of_done_steps_inactive_members_or_finished_programmes(
    personas, assignment
):
    steps = list(assignment.programme.steps.all())
    onboarding.step_complete(
        workspace=personas.workspace, assignment=assignment, step=steps[0], actor=personas.pm
    )
    assert reminders.onboarding_send(now=NOW) == {"due": 1, "overdue": 0}
    personas.pm.is_active = False
    personas.pm.save()
    assert reminders.onboarding_send(now=NOW + timedelta(days=2)) == {"due": 0, "overdue": 0}


def test_it_keeps_no_claim_when_the_email_fails_so_the_retry_sends_it(
    personas, assignment, monkeypatch
):
    def broken(*args, **kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    with pytest.raises(ConnectionError):
        reminders.onboarding_send(now=NOW)
    assert not ReminderSent.objects.exists()
    monkeypatch.undo()
    assert reminders.onboarding_send(now=NOW) == {"due": 1, "overdue": 1}


def test_it_invites_the_product_team_to_the_pulse_once_a_month_until_they_answer(personas):
    # Admin, product ops and the PM here; the outsider as admin of their own workspace.
    assert reminders.pulse_send(now=NOW) == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.admin.email, personas.ops.email, personas.pm.email, personas.outsider.email]
    )
    assert mail.outbox[0].subject == "Team pulse for December 2026: one question"
    assert reminders.pulse_send(now=NOW + timedelta(days=5)) == 0
    scorecard.pulse_answer(
        workspace=personas.workspace,
        actor=personas.pm,
        strategic_percent=40,
        today=date(2027, 1, 2),
    )
    # January: the PM has answered already; the other three are invited.
    assert reminders.pulse_send(now=datetime(2027, 1, 3, 9, tzinfo=UTC)) == 3


def test_the_periodic_job_sends_every_kind_and_skips_when_nothing_is_due(
    personas, assignment, monkeypatch
):
    monkeypatch.setattr(tasks.timezone, "now", lambda: NOW)
    assert tasks.send_reminders.func() == (
        "0 review reminders, 0 overdue-action reminders, 1 onboarding-due and "
        "1 onboarding-overdue reminders, 4 pulse invitations"
    )
    assert len(mail.outbox) == 6
    assert run_now(tasks.send_reminders).status == JobStatus.SKIPPED


def _opt_out(personas, user, *kinds):
    """Switch ``kinds`` off for ``user``, every other kind on."""
    from greenroom.accounts import selectors as account_selectors
    from greenroom.accounts import services as account_services

    every = {kind.key for kind in account_selectors.email_kinds()}
    account_services.email_preferences_save(
        workspace=personas.workspace, user=user, wanted=every - set(kinds)
    )


def test_a_member_who_switched_onboarding_reminders_off_gets_none_until_back_on(
    personas, assignment
):
    _opt_out(personas, personas.pm, ReminderEmail.ONBOARDING)
    assert reminders.onboarding_send(now=NOW) == {"due": 0, "overdue": 0}
    assert not mail.outbox and not ReminderSent.objects.exists()
    _opt_out(personas, personas.pm)  # everything back on
    assert reminders.onboarding_send(now=NOW) == {"due": 1, "overdue": 1}
    assert all(PREFERENCES in m.body for m in mail.outbox)


def test_a_member_who_switched_pulse_invitations_off_is_left_out_and_others_invited(personas):
    _opt_out(personas, personas.ops, ReminderEmail.PULSE)
    assert reminders.pulse_send(now=NOW) == 3
    assert personas.ops.email not in [m.to[0] for m in mail.outbox]
    assert "Choose which emails you get: " in mail.outbox[0].body


def test_review_and_overdue_reminders_leave_out_members_who_switched_them_off(personas):
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    cadence = services.cadence_save(
        workspace=personas.workspace,
        actor=personas.ops,
        name="Review",
        rrule="FREQ=MONTHLY;BYDAY=1TU",
        starts_at=start,
        attendees=[personas.pm, personas.ops],
        now=datetime(2026, 11, 15, tzinfo=UTC),
    )
    first = cadence.occurrences.first()
    for owner in (personas.pm, personas.ops):
        services.action_item_add(
            occurrence=first, actor=owner, title="Late", owner=owner, due=date(2026, 11, 20)
        )
    _opt_out(personas, personas.pm, ReminderEmail.REVIEW)
    _opt_out(personas, personas.ops, ReminderEmail.OVERDUE_ACTION)
    assert services.reminders_send(now=first.starts_at - timedelta(hours=20)) == {
        "reviews": 1,
        "overdue": 1,
    }
    review, overdue = mail.outbox
    assert review.to == [personas.ops.email] and overdue.to == [personas.pm.email]
    assert PREFERENCES in review.body and PREFERENCES in overdue.body
