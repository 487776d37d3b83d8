"""A small goal tree every strategy test starts from."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from greenroom.organisation.models import Person
from greenroom.strategy import services
from greenroom.testing.factories import TeamFactory

TODAY = timezone.localdate()


@pytest.fixture
def goals(personas):
    """An intent, an initiative, the PM's team's objective with a manual key result, and
    another team's objective."""
    ws = personas.workspace
    mine, other = (
        TeamFactory(workspace=ws, name="Invoicing"),
        TeamFactory(workspace=ws, name="Growth"),
    )
    Person.objects.create(workspace=ws, name="Marco", email=personas.pm.email, team=mine)
    intent = services.intent_save(
        actor=personas.ops,
        workspace=ws,
        data={
            "title": "Win mid-market",
            "starts_on": date(2026, 1, 1),
            "ends_on": date(2027, 1, 1),
        },
    )
    initiative = services.initiative_save(
        actor=personas.ops, workspace=ws, data={"title": "Self-serve upgrades", "intent": intent}
    )
    start = TODAY - timedelta(days=90)
    objectives = {}
    for name, team in (("mine", mine), ("other", other)):
        objectives[name] = services.objective_save(
            actor=personas.ops,
            workspace=ws,
            data={
                "title": f"Objective of {team}",
                "team": team,
                "initiative": initiative,
                "starts_on": start,
                "ends_on": start + timedelta(days=180),
            },
        )
    kr = services.key_result_save(
        actor=personas.ops,
        workspace=ws,
        data={
            "objective": objectives["mine"],
            "title": "Accounts on annual plans",
            "baseline": 100.0,
            "target": 200.0,
            "starts_on": start,
            "due_on": start + timedelta(days=180),
        },
    )
    return {"intent": intent, "initiative": initiative, "kr": kr, **objectives}
