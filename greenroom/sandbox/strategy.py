"""The sandbox's goals: two strategic intents, their initiatives, the teams' objectives and
key results, some bound to the sandbox's real metrics (targets set from the data so that
some are on track and some are not), others with a year of check-ins; then thirteen weekly
reviews of history, so "what changed since the last review" has something to say.

Everything goes through the strategy app's services, as a user's edits would.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from greenroom.accounts.models import User, Workspace
from greenroom.metrics import selectors as metrics
from greenroom.organisation.kinds import KINDS_BY_SLUG
from greenroom.organisation.models import Person, Team
from greenroom.organisation.services import entity_save
from greenroom.strategy import services
from greenroom.strategy.choices import Source, Trigger

# Share of the way to the target a key result has gone by today, against the expected
# share: ahead, a little behind, far behind.
PACE = {"on": 1.05, "risk": 0.8, "off": 0.35}


@dataclass(frozen=True)
class Bound:
    title: str
    metric: str
    where: dict
    pace: str
    unit: str = ""
    grain: str = "month"


@dataclass(frozen=True)
class Manual:
    title: str
    baseline: float
    target: float
    pace: str
    unit: str = ""


# intent -> initiative -> (team, objective, key results); None: no initiative.
PLAN = {
    (
        "Grow revenue in mid-market and enterprise",
        "Enterprise deals stall on security reviews and missing integrations; mid-market "
        "accounts expand slowly.",
    ): {
        "Land and expand in enterprise": [
            (
                "Access & Admin",
                "Make Harbor enterprise-ready",
                [
                    # Enterprise grows with the company: a target far off its pace would
                    # pass the company's own (coherent_target would cap it anyway).
                    Bound("Enterprise MRR", "mrr", {"segment": ["Enterprise"]}, "on", "USD"),
                    Manual("Minutes to set up SSO", 45, 10, "on", "min"),
                ],
            ),
            (
                "Integrations",
                "Connect the tools enterprises run",
                [Manual("Integrations live", 40, 55, "risk")],
            ),
        ],
        "Monetise payments": [
            (
                "Invoicing",
                "Grow Harbor Pay",
                [
                    Bound("Harbor Pay monthly active users", "mau", {"product": ["pay"]}, "on"),
                    Bound("MRR", "mrr", {}, "on", "USD"),
                ],
            ),
            (
                "Checkout & Payouts",
                "Payouts customers trust",
                [Manual("Payout failure rate", 2.0, 0.5, "off", "%")],
            ),
        ],
    },
    (
        "Keep the customers we have",
        "Logo churn in SMB erodes growth; too many new accounts never reach weekly use.",
    ): {
        "Reduce early churn": [
            (
                "Growth",
                "Onboard every new account",
                [
                    Bound("Active SMB accounts", "active_accounts", {"segment": ["SMB"]}, "risk"),
                    Manual("Activation rate", 35, 50, "on", "%"),
                ],
            ),
            (
                "Notifications",
                "Bring users back every week",
                [Bound("Weekly active users", "wau", {}, "on", grain="week")],
            ),
        ],
    },
    None: {
        None: [
            (
                "Dashboards",
                "Insights people rely on",
                [
                    Bound(
                        "Harbor Insights monthly active users",
                        "mau",
                        {"product": ["insights"]},
                        "risk",
                    )
                ],
            )
        ]
    },
}


def sandbox_strategy(*, workspace: Workspace, seed: int, progress=lambda _: None) -> int:
    """Build the goals for the sandbox workspace; how many key results."""
    rng = random.Random(seed)
    ops = User.objects.filter(memberships__workspace=workspace, email="ops@harbor.example").first()
    _link_demo_pm(workspace, ops)
    as_of = _as_of(workspace)
    year = date(as_of.year, 1, 1)
    half = _month_start(as_of, back=5)
    teams = {t.name: t for t in Team.objects.for_workspace(workspace)}
    wholes = _whole_targets(workspace, half, as_of)
    count = 0
    for intent_key, initiatives in PLAN.items():
        intent = None
        if intent_key is not None:
            intent = services.intent_save(
                actor=ops,
                workspace=workspace,
                data={
                    "title": intent_key[0],
                    "challenge": intent_key[1],
                    "starts_on": year,
                    "ends_on": date(as_of.year + 1, 1, 1),
                    "owner": ops,
                },
            )
        for initiative_title, objectives in initiatives.items():
            initiative = None
            if initiative_title is not None:
                initiative = services.initiative_save(
                    actor=ops,
                    workspace=workspace,
                    data={"title": initiative_title, "intent": intent, "owner": ops},
                )
            for team, title, key_results in objectives:
                objective = services.objective_save(
                    actor=ops,
                    workspace=workspace,
                    data={
                        "title": title,
                        "team": teams.get(team),
                        "initiative": initiative,
                        "starts_on": year,
                        "ends_on": date(as_of.year, 12, 31),
                    },
                )
                for spec in key_results:
                    if isinstance(spec, Bound):
                        whole = wholes.get((spec.metric, spec.grain)) if spec.where else None
                        _bound(workspace, ops, objective, spec, half, as_of, whole)
                    else:
                        _manual(workspace, ops, objective, spec, year, as_of, rng)
                    count += 1
    _weekly_history(workspace, as_of)
    progress(f"  {count} key results, with thirteen weeks of history")
    return count


def _as_of(workspace: Workspace) -> date:
    try:
        return metrics.metric("mrr", workspace=workspace).freshness["as_of"]
    except metrics.MetricsUnavailable:
        return date.today() - timedelta(days=1)


def _month_start(day: date, back: int) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


def _link_demo_pm(workspace: Workspace, ops: User | None) -> None:
    """Marco, the demo product manager, in the Invoicing team (matched by email): a group
    product manager beside the team's own, so each team keeps one product manager."""
    team = Team.objects.for_workspace(workspace).filter(name="Invoicing").first()
    if team is None or Person.objects.for_workspace(workspace).filter(name="Marco Manager"):
        return
    entity_save(
        actor=ops,
        workspace=workspace,
        kind=KINDS_BY_SLUG["people"],
        data={
            "name": "Marco Manager",
            "title": "Group Product Manager",
            "email": "pm@harbor.example",
            "team": team,
        },
    )


def _whole_targets(
    workspace: Workspace, starts_on: date, as_of: date
) -> dict[tuple[str, str], tuple[float, float]]:
    """(current value, target) of each key result bound to a whole metric (no slice), by
    metric and grain: the sliced key results of the same metric are kept within them."""
    found = {}
    for initiatives in PLAN.values():
        for objectives in initiatives.values():
            for _, _, key_results in objectives:
                for spec in key_results:
                    if isinstance(spec, Bound) and not spec.where:
                        _, current, target = _bound_figures(workspace, spec, starts_on, as_of)
                        found[(spec.metric, spec.grain)] = (current, target)
    return found


def _bound_figures(
    workspace: Workspace, spec: Bound, starts_on: date, as_of: date
) -> tuple[float, float, float]:
    """Baseline, current value and target (before coherence) of a bound key result."""
    points, _ = services.metric_points(
        workspace=workspace,
        name=spec.metric,
        where=spec.where,
        grain=spec.grain,
        starts_on=starts_on - timedelta(days=31 if spec.grain == "month" else 7),
        due_on=_due(starts_on),
    )
    baseline = points[0][1] if points else 100.0
    current = points[-1][1] if points else baseline
    target = _target(baseline, current, starts_on, _due(starts_on), as_of, PACE[spec.pace])
    return baseline, current, target


def _due(starts_on: date) -> date:
    """The last day of the sixth month from ``starts_on``."""
    due = date(starts_on.year + (starts_on.month + 5) // 12, (starts_on.month + 5) % 12 + 1, 1)
    return due - timedelta(days=1)


def coherent_target(target: float, current: float, whole: tuple[float, float] | None) -> float:
    """A slice's target kept within its whole's (``whole``: the whole's current value and
    target): at most the whole's target less what the rest of the whole has now, so reaching
    it never asks more than the company is asked for (Enterprise MRR's target above the whole
    company's, say). A pace that wants more is a wish the whole's target does not allow."""
    if whole is None:
        return target
    whole_current, whole_target = whole
    return min(target, whole_target - (whole_current - current))


def _bound(
    workspace,
    ops,
    objective,
    spec: Bound,
    starts_on: date,
    as_of: date,
    whole: tuple[float, float] | None,
) -> None:
    baseline, current, target = _bound_figures(workspace, spec, starts_on, as_of)
    target = coherent_target(target, current, whole)
    services.key_result_save(
        actor=ops,
        workspace=workspace,
        data={
            "objective": objective,
            "title": spec.title,
            "baseline": round(baseline, 2),
            "target": round(target, 2),
            "unit": spec.unit,
            "starts_on": starts_on,
            "due_on": _due(starts_on),
            "owner": ops,
            "source": Source.METRIC,
            "metric_name": spec.metric,
            "metric_where": spec.where,
            "metric_grain": spec.grain,
        },
    )


def _target(baseline, current, starts_on, due, as_of, pace) -> float:
    """The target that puts ``current`` at ``pace`` times the expected progress."""
    expected = max((as_of - starts_on).days / (due - starts_on).days, 0.05)
    moved = current - baseline
    if abs(moved) < abs(baseline) * 0.01:  # flat data: ask for 10 % more
        moved = abs(baseline) * 0.1 * expected * pace or 1.0
    return baseline + moved / (expected * pace)


def _manual(workspace, ops, objective, spec: Manual, starts_on, as_of, rng) -> None:
    due = objective.ends_on
    key_result = services.key_result_save(
        actor=ops,
        workspace=workspace,
        data={
            "objective": objective,
            "title": spec.title,
            "baseline": float(spec.baseline),
            "target": float(spec.target),
            "unit": spec.unit,
            "starts_on": starts_on,
            "due_on": due,
            "owner": ops,
            "source": Source.MANUAL,
        },
    )
    span = (due - starts_on).days
    day = starts_on + timedelta(days=14)
    while day <= as_of:
        share = (day - starts_on).days / span * PACE[spec.pace]
        noise = rng.gauss(0, 0.03) * abs(spec.target - spec.baseline)
        value = spec.baseline + (spec.target - spec.baseline) * share + noise
        services.check_in_create(
            actor=ops,
            key_result=key_result,
            value=round(value, 2),
            checked_on=day,
            evaluate=False,
            comment=rng.choice(["", "", "On plan.", "Shipped an improvement.", "Slower week."]),
        )
        day += timedelta(days=14)


def _weekly_history(workspace: Workspace, as_of: date) -> None:
    """Thirteen weekly reviews up to today, as if each had been evaluated that day."""
    for weeks in range(13, 0, -1):
        services.key_results_evaluate(
            workspace=workspace, trigger=Trigger.RECOMPUTE, today=as_of - timedelta(weeks=weeks)
        )
    services.key_results_evaluate(workspace=workspace, trigger=Trigger.REFRESH)
