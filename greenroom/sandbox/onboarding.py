"""The sandbox's PM onboarding, team pulse and scorecard history: a programme, two product
managers mid-onboarding (Marco, five weeks in, and a newcomer, Nadia, twelve days in), one who
finished last winter (Priya, before she moved to product ops), six months of pulse answers and
half a year of weekly scorecard snapshots of the measures that can look back (the others
start their history with the weekly job). Everything goes
through the cadences app's own services."""

import random
import time
from datetime import UTC, datetime, timedelta

from greenroom import registry
from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import user_create
from greenroom.cadences import onboarding, scorecard

PROGRAMME = """reading: This year's strategy and goals | https://wiki.harbor.example/strategy | 5
reading: The playbook: PRD, experiment brief and decision record templates | 7
shadowing: Sit in on the monthly portfolio review | 30
shadowing: Two customer calls with customer success | 21
task: Meet your team's engineering and design leads | 10
task: Read the last 90 days of your area's feedback themes | 14
first roadmap: Your team's roadmap in the standard template | 45"""
BASELINES = {
    "time-to-decision": 21.0,
    "onboarding-completion": 70.0,
    "time-to-first-roadmap": 60.0,
    "pm-strategic-time": 30.0,
}
NEWCOMER = ("nadia@harbor.example", "Nadia", "Newman")


def sandbox_onboarding(*, workspace: Workspace, seed: int, now: datetime | None = None) -> dict:
    """Build the onboarding, pulse and scorecard-history part of the sandbox; returns counts."""
    started_at = time.perf_counter()
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    users = {
        u.email.split("@")[0]: u for u in User.objects.filter(memberships__workspace=workspace)
    }
    ops = users["ops"]
    newcomer = users.get("nadia") or user_create(
        actor=ops,
        workspace=workspace,
        email=NEWCOMER[0],
        role="product_manager",
        first_name=NEWCOMER[1],
        last_name=NEWCOMER[2],
    )
    programme = onboarding.programme_save(
        workspace=workspace,
        actor=ops,
        name="New product manager: the first 60 days",
        description="Everything a new PM needs in their first two months, in order.",
        steps=onboarding.steps_parse(PROGRAMME),
    )
    # who, days since they started, how many steps done (in order), days each took
    plan = [(ops, 300, 7), (users["pm"], 36, 4), (newcomer, 12, 2)]
    for user, days_in, done in plan:
        started = (now - timedelta(days=days_in)).date()
        assignment = onboarding.assignment_create(
            workspace=workspace, actor=ops, programme=programme, user=user, started_on=started
        )
        start = datetime(started.year, started.month, started.day, 9, tzinfo=UTC)
        for step in list(programme.steps.all())[:done]:
            at = start + timedelta(days=min(step.due_after_days - rng.randint(0, 4), days_in - 1))
            onboarding.step_complete(
                workspace=workspace, actor=user, assignment=assignment, step=step, at=at
            )
    # Who answers the pulse, and for how many months back.
    answers = _pulse(workspace, rng, now, [(ops, 5), (users["pm"], 1), (newcomer, 0)])
    snapshots = _history(workspace, now)
    # Where the function started when it set the scorecard up, last year.
    for key, value in BASELINES.items():
        scorecard.baseline_set(workspace=workspace, actor=ops, measure_key=key, value=value)
    return {
        "onboarding": len(plan),
        "pulse answers": answers,
        "scorecard snapshots": snapshots,
        "seconds": round(time.perf_counter() - started_at, 2),
    }


def _pulse(
    workspace: Workspace, rng: random.Random, now: datetime, team: list[tuple[User, int]]
) -> int:
    # Six monthly rounds, strategic time creeping up from about 30% as reviews prepare
    # themselves; each member answers from the month they joined.
    answers = 0
    for months_ago in range(5, -1, -1):
        day = (now.replace(day=1) - timedelta(days=30 * months_ago - 14)).date()
        for user, tenure in team:
            if months_ago > tenure:
                continue
            percent = max(5, min(90, 30 + 3 * (5 - months_ago) + rng.randint(-8, 8)))
            scorecard.pulse_answer(
                workspace=workspace, actor=user, strategic_percent=percent, today=day
            )
            answers += 1
    return answers


def _history(workspace: Workspace, now: datetime) -> int:
    # Weekly snapshots for the last half year, as the job would have kept them: only the
    # measures that can say what they were at a past moment (compute takes ``now``).
    measures = registry.entries(registry.Measure)
    taken = 0
    for weeks in range(scorecard.HISTORY_POINTS - 1, -1, -1):
        moment = now - timedelta(weeks=weeks)
        taken += scorecard.snapshot_take(
            workspace=workspace, measures=measures, on=moment.date(), now=moment
        )
    return taken
