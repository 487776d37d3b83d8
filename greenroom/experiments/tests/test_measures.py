"""The scorecard measures on worked examples, the review pack's section and experiments as
a decision's evidence (replacing cadences' stand-ins under the same keys)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from greenroom import registry
from greenroom.experiments import measures
from greenroom.experiments.choices import Decision, LaunchStatus, Status
from greenroom.experiments.models import Experiment, Launch
from greenroom.registry import Quantity, Ratio

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def _experiment(personas, name, created_days_ago, started_days_ago=None, plan=None):
    experiment = Experiment.objects.create(
        workspace=personas.workspace,
        name=name,
        hypothesis="h",
        plan=plan or {},
        status=Status.RUNNING if started_days_ago is not None else Status.DRAFT,
    )
    started = NOW - timedelta(days=started_days_ago) if started_days_ago is not None else None
    # created_at is auto_now_add: set afterwards, as the register would have months ago.
    Experiment.objects.filter(pk=experiment.pk).update(
        created_at=NOW - timedelta(days=created_days_ago),
        started_at=started,
        plan_frozen_at=started,
    )
    return experiment


def test_experiments_per_quarter_and_idea_to_running_on_a_worked_example(personas):
    # Started in the last 91 days: registered 20, 10 and 4 days before starting.
    _experiment(personas, "A", created_days_ago=30, started_days_ago=10)
    _experiment(personas, "B", created_days_ago=60, started_days_ago=50)
    _experiment(personas, "C", created_days_ago=94, started_days_ago=90)
    # The quarter before: 40 days from idea to start.
    _experiment(personas, "D", created_days_ago=160, started_days_ago=120)
    # Never started, and started too long ago: neither counts.
    _experiment(personas, "E", created_days_ago=5)
    _experiment(personas, "F", created_days_ago=400, started_days_ago=300)
    ws = personas.workspace
    assert measures.experiments_per_quarter(workspace=ws, now=NOW) == Quantity(
        value=3, unit="experiments", count=3, previous=1, lower_is_better=False
    )
    # Days from idea to start: 20, 10, 4 -> median 10; the quarter before: 40.
    assert measures.idea_to_running(workspace=ws, now=NOW) == Quantity(
        value=10.0, unit="days", count=3, previous=40.0
    )


def test_preregistered_share_counts_frozen_plans_with_a_sample_size(personas):
    _experiment(personas, "Sized", 10, 5, plan={"per_arm": 3623, "baseline": 0.1})
    _experiment(personas, "Also sized", 10, 6, plan={"per_arm": 800})
    _experiment(personas, "Alpha only", 10, 7, plan={"alpha": 0.05})
    _experiment(personas, "Draft with a size", 10, None, plan={"per_arm": 10})
    assert measures.preregistered_share(workspace=personas.workspace, now=NOW) == Ratio(2, 3)


def test_launches_on_time_counts_launches_of_the_last_quarter(personas):
    today = NOW.date()

    def launch(name, planned, launched, status=LaunchStatus.LAUNCHED):
        Launch.objects.create(
            workspace=personas.workspace,
            name=name,
            planned_on=planned,
            launched_on=launched,
            status=status,
        )

    launch("Early", today - timedelta(days=10), today - timedelta(days=12))
    launch("Same day", today - timedelta(days=30), today - timedelta(days=30))
    launch("Late", today - timedelta(days=60), today - timedelta(days=55))
    launch("Too old", today - timedelta(days=200), today - timedelta(days=100))
    launch("Planned", today + timedelta(days=5), None, LaunchStatus.PLANNED)
    assert measures.launches_on_time(workspace=personas.workspace, now=NOW) == Ratio(2, 3)
    assert measures.launches_on_time(workspace=personas.workspace, now=NOW).denominator == 3


def test_the_pack_lists_decisions_and_launches_of_the_period(personas):
    decided = Experiment.objects.create(
        workspace=personas.workspace,
        name="Checklist",
        hypothesis="h",
        status=Status.DECIDED,
        decision=Decision.SHIP,
        decision_rationale="Activation up 4 points.",
        decided_at=NOW - timedelta(days=3),
    )
    Experiment.objects.create(
        workspace=personas.workspace,
        name="Older",
        hypothesis="h",
        status=Status.DECIDED,
        decision=Decision.ROLL_BACK,
        decided_at=NOW - timedelta(days=40),
    )
    Launch.objects.create(
        workspace=personas.workspace,
        name="Bulk edit",
        planned_on=date(2026, 6, 25),
        launched_on=date(2026, 6, 27),
        status=LaunchStatus.LAUNCHED,
    )
    section = measures.pack_section(
        workspace=personas.workspace, since=NOW - timedelta(days=14), until=NOW
    )
    assert [e["name"] for e in section["experiments"]] == [decided.name]
    assert section["experiments"][0]["decision"] == "Ship"
    assert [(row["name"], row["on_time"]) for row in section["launches"]] == [("Bulk edit", False)]


def test_experiments_resolve_as_evidence_by_number_address_or_name(personas):
    experiment = Experiment.objects.create(
        workspace=personas.workspace, name="Checklist", hypothesis="h"
    )
    url = reverse("experiments:detail", args=[experiment.pk])
    for reference in (str(experiment.pk), url, f"https://gr.example{url}", "checklist"):
        label, found = measures.resolve_experiment(
            workspace=personas.workspace, reference=reference
        )
        assert found == url
        assert label.startswith("Experiment: Checklist")
    assert measures.resolve_experiment(workspace=personas.workspace, reference="nope") is None
    other = Experiment.objects.create(
        workspace=registry_outsider_workspace(personas), name="Theirs", hypothesis="h"
    )
    assert (
        measures.resolve_experiment(workspace=personas.workspace, reference=str(other.pk)) is None
    )


def registry_outsider_workspace(personas):
    return personas.outsider.memberships.get().workspace


def test_it_replaces_the_cadences_stand_ins_under_the_same_keys():
    pack = {s.key: s for s in registry.entries(registry.PackSection)}
    evidence = {e.key: e for e in registry.entries(registry.EvidenceKind)}
    assert pack["experiments"].waits_for == "" and pack["experiments"].context is not None
    assert evidence["experiment"].waits_for == "" and evidence["experiment"].resolve is not None
    keys = {m.key for m in registry.entries(registry.Measure)}
    assert {
        "experiments-per-quarter",
        "idea-to-running",
        "experiments-preregistered",
        "launches-on-time",
    } <= keys
