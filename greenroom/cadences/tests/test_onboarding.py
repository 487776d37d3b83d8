import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from greenroom import registry
from greenroom.accounts.models import AuditEvent
from greenroom.cadences import onboarding
from greenroom.cadences.choices import CompletedVia, StepKind
from greenroom.cadences.models import OnboardingProgramme, StepCompletion
from greenroom.registry import Quantity, Ratio
from greenroom.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
STEPS = """reading: Our product strategy | https://wiki.example/strategy | 7
shadowing: Sit in on a portfolio review | 21
task: Meet your team's engineering lead
first roadmap: Your team's roadmap in the standard template | 45"""


def _programme(personas, name="New PM", steps=STEPS):
    return onboarding.programme_save(
        workspace=personas.workspace,
        actor=personas.ops,
        name=name,
        steps=onboarding.steps_parse(steps),
    )


def _assign(personas, programme, user, started_on=date(2026, 11, 1)):
    return onboarding.assignment_create(
        workspace=personas.workspace,
        actor=personas.ops,
        programme=programme,
        user=user,
        started_on=started_on,
    )


def _tick(personas, assignment, position, at, actor=None):
    step = assignment.programme.steps.get(position=position)
    return onboarding.step_complete(
        workspace=personas.workspace,
        actor=actor or assignment.user,
        assignment=assignment,
        step=step,
        at=at,
    )


def test_it_reads_steps_one_a_line_with_their_links_and_days():
    steps = onboarding.steps_parse(STEPS)
    assert [(s["kind"], s["due_after_days"]) for s in steps] == [
        (StepKind.READING, 7),
        (StepKind.SHADOWING, 21),
        (StepKind.TASK, 14),
        (StepKind.FIRST_ROADMAP, 45),
    ]
    assert steps[0]["link"] == "https://wiki.example/strategy"


def test_it_names_the_line_of_a_step_it_cannot_read():
    with pytest.raises(ValidationError) as error:
        onboarding.steps_parse("reading: Fine\nlunch: With the team\ntask: Ship | soon")
    messages = error.value.message_dict["steps"]
    assert messages[0].startswith("Line 2:") and "Line 3: 'soon'" in messages[1]
    with pytest.raises(ValidationError, match="at least one step"):
        onboarding.steps_parse("\n  \n")


def test_it_assigns_a_programme_only_to_product_managers_of_the_workspace(personas):
    programme = _programme(personas)
    for user in (personas.viewer, personas.outsider, None):
        with pytest.raises(ValidationError):
            _assign(personas, programme, user)
    _assign(personas, programme, personas.pm)
    with pytest.raises(ValidationError, match="already follows"):
        _assign(personas, programme, personas.pm)


def test_it_lets_only_the_new_pm_or_product_ops_tick_a_step(personas):
    assignment = _assign(personas, _programme(personas), personas.pm)
    for user in (personas.viewer, personas.outsider):
        with pytest.raises(PermissionDenied):
            _tick(personas, assignment, 1, NOW, actor=user)
    _tick(personas, assignment, 1, NOW, actor=personas.ops)
    _tick(personas, assignment, 2, NOW)
    assert StepCompletion.objects.count() == 2
    assert AuditEvent.objects.filter(action="onboarding_step.complete").count() == 2


def test_it_refuses_a_step_of_another_programme_or_before_the_start(personas):
    assignment = _assign(personas, _programme(personas), personas.pm)
    other = _programme(personas, name="Other")
    with pytest.raises(ValidationError, match="not part"):
        onboarding.step_complete(
            workspace=personas.workspace,
            actor=personas.pm,
            assignment=assignment,
            step=other.steps.first(),
        )
    with pytest.raises(ValidationError, match="before the onboarding started"):
        _tick(personas, assignment, 1, datetime(2026, 10, 1, tzinfo=UTC))


def test_it_completes_the_assignment_with_its_last_step_and_reopens_it_on_undo(personas):
    assignment = _assign(personas, _programme(personas), personas.pm)
    for position in (1, 2, 3):
        _tick(personas, assignment, position, NOW - timedelta(days=10 - position))
    _tick(personas, assignment, 4, NOW)
    _tick(personas, assignment, 4, NOW + timedelta(days=1))  # again: changes nothing
    assignment.refresh_from_db()
    assert assignment.completed_at == NOW

    onboarding.step_reopen(
        workspace=personas.workspace,
        actor=personas.pm,
        assignment=assignment,
        step=assignment.programme.steps.get(position=4),
    )
    assignment.refresh_from_db()
    assert assignment.completed_at is None


def test_it_keeps_steps_someone_did_when_the_programme_changes(personas):
    programme = _programme(personas)
    assignment = _assign(personas, programme, personas.pm)
    _tick(personas, assignment, 4, NOW)
    with pytest.raises(ValidationError, match="cannot be removed"):
        onboarding.programme_save(
            workspace=personas.workspace,
            actor=personas.ops,
            name="New PM",
            steps=onboarding.steps_parse("reading: Only this"),
            programme=programme,
        )
    assert programme.steps.count() == 4


def test_it_measures_the_share_of_steps_done_over_a_years_assignments(personas):
    # Worked example: two PMs on a 4-step programme (8 steps), one on a 2-step one (2 steps),
    # plus one who started 400 days ago (left out). Done: 3 + 1 + 2 = 6 of 10 → 60%.
    four = _programme(personas)
    two = _programme(personas, name="Short", steps="task: A\ntask: B")
    second_pm = MembershipFactory(workspace=personas.workspace, role="product_manager").user
    a = _assign(personas, four, personas.pm, started_on=date(2026, 10, 1))
    b = _assign(personas, four, second_pm, started_on=date(2026, 11, 1))
    c = _assign(personas, two, personas.ops, started_on=date(2026, 11, 15))
    old = _assign(personas, two, personas.pm, started_on=date(2025, 10, 27))
    for position in (1, 2, 3):
        _tick(personas, a, position, NOW - timedelta(days=1))
    _tick(personas, b, 1, NOW - timedelta(days=1))
    _tick(personas, c, 1, NOW - timedelta(days=1))
    _tick(personas, c, 2, NOW - timedelta(days=1))
    _tick(personas, old, 1, datetime(2025, 11, 1, tzinfo=UTC))

    assert onboarding.completion_ratio(workspace=personas.workspace, now=NOW) == Ratio(6, 10)
    assert onboarding.completion_ratio(
        workspace=personas.outsider.memberships.first().workspace
    ) == Ratio(0, 0)


def test_it_takes_the_median_time_to_first_roadmap_with_the_year_before_as_trend(personas):
    # Roadmaps done 10, 20.5 and 40 days after the start this year (median 20.5); 30 and 50
    # days the year before (median 40).
    programme = _programme(personas)
    cases = [
        (date(2026, 9, 1), 10),
        (date(2026, 6, 1), 20.5),
        (date(2026, 3, 1), 40),
        (date(2025, 3, 1), 30),
        (date(2025, 1, 5), 50),
    ]
    for started, days in cases:
        user = MembershipFactory(workspace=personas.workspace, role="product_manager").user
        assignment = _assign(personas, programme, user, started_on=started)
        at = datetime(started.year, started.month, started.day, tzinfo=UTC) + timedelta(days=days)
        _tick(personas, assignment, 4, at)

    result = onboarding.time_to_first_roadmap(workspace=personas.workspace, now=NOW)

    assert result == Quantity(
        value=statistics.median([10, 20.5, 40]),
        unit="days",
        count=3,
        previous=statistics.median([30, 50]),
    )


def test_it_completes_the_first_roadmap_step_when_an_app_registers_the_milestone(personas):
    assignment = _assign(personas, _programme(personas), personas.pm)
    assert onboarding.milestones_sync(workspace=personas.workspace) == 0
    reached = datetime(2026, 11, 20, 9, tzinfo=UTC)
    seen = []

    def first_roadmap(*, workspace, user):
        seen.append((workspace, user))
        return reached if user == personas.pm else None

    with registry.scratch(empty=(registry.Milestone,)):
        registry.register(
            registry.Milestone(
                key="first-roadmap", title="Roadmap saved", weight=1, reached=first_roadmap
            )
        )
        assert onboarding.milestones_sync(workspace=personas.workspace) == 1
        assert onboarding.milestones_sync(workspace=personas.workspace) == 0

    done = StepCompletion.objects.get()
    assert (done.completed_at, done.via, done.step.kind) == (
        reached,
        CompletedVia.MILESTONE,
        StepKind.FIRST_ROADMAP,
    )
    assert seen == [(personas.workspace, personas.pm)]
    assert assignment.pk == done.assignment_id


def test_it_lets_product_ops_write_and_assign_a_programme_from_the_pages(personas):
    ops = personas.client(personas.ops)
    response = ops.post(
        reverse("cadences:programme_new"), {"name": "New PM", "description": "", "steps": STEPS}
    )
    programme = OnboardingProgramme.objects.get()
    assert response.url == reverse("cadences:programme", args=[programme.pk])
    response = ops.post(
        reverse("cadences:programme", args=[programme.pk]),
        {"user": personas.pm.pk, "started_on": "2026-11-02"},
    )
    assert response.status_code == 302
    bad = ops.post(reverse("cadences:programme_new"), {"name": "X", "steps": "lunch: yes"})
    assert bad.status_code == 400 and "Line 1" in bad.text


def test_it_shows_the_new_pm_their_steps_and_lets_them_tick_one(personas):
    assignment = _assign(personas, _programme(personas), personas.pm)
    step = assignment.programme.steps.get(position=4)
    pm = personas.client(personas.pm)
    page = pm.get(reverse("cadences:onboarding")).text
    assert "Your onboarding" in page
    url = reverse("cadences:step_done", args=[assignment.pk, step.pk])
    pm.post(url, {"note": "https://roadmaps.example/team-a"})
    detail = pm.get(reverse("cadences:assignment", args=[assignment.pk])).text
    assert "1 of 4 steps done" in detail and "https://roadmaps.example/team-a" in detail


@pytest.mark.parametrize(
    ("who", "status"), [("viewer", 403), ("pm", 403), ("ops", 200), ("outsider", 404)]
)
def test_it_keeps_programme_writing_to_product_ops_and_the_workspace(personas, who, status):
    programme = _programme(personas)
    user = getattr(personas, who)
    client = personas.client(user)
    edit = client.get(reverse("cadences:programme_edit", args=[programme.pk]))
    if who == "outsider":
        assert edit.status_code in (403, 404)
        assert client.get(reverse("cadences:programme", args=[programme.pk])).status_code == 404
    else:
        assert edit.status_code == status
    tick = client.post(
        reverse(
            "cadences:step_done",
            args=[_assign(personas, programme, personas.admin).pk, programme.steps.first().pk],
        )
    )
    assert tick.status_code in ((302,) if who == "ops" else (403, 404))
