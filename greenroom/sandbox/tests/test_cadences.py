import statistics
from datetime import UTC, datetime

import pytest

from greenroom.accounts.choices import Role
from greenroom.cadences import selectors
from greenroom.cadences.choices import DecisionStatus
from greenroom.cadences.models import Decision, DecisionEpisode, Tool
from greenroom.lib.markdown import missing_sections
from greenroom.testing.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_it_builds_a_year_of_reviews_decisions_and_a_tool_stack():
    from greenroom.sandbox.cadences import sandbox_cadences

    workspace = WorkspaceFactory()
    for name, role in [
        ("ops", Role.PRODUCT_OPS),
        ("pm", Role.PRODUCT_MANAGER),
        ("admin", Role.ADMIN),
    ]:
        MembershipFactory(
            workspace=workspace, role=role, user=UserFactory(email=f"{name}@harbor.example")
        )
    counts = sandbox_cadences(workspace=workspace, seed=7, now=NOW)
    decided = Decision.objects.for_workspace(workspace).filter(status=DecisionStatus.DECIDED)
    days = [d.time_to_decision().total_seconds() / 86400 for d in decided]
    assert counts["decisions"] >= 30 and counts["reopened"] >= 1
    assert 3 <= statistics.median(days) <= 10
    assert DecisionEpisode.objects.filter(reopened_at__isnull=False).exists()
    ttd = selectors.time_to_decision(workspace=workspace, now=NOW)
    assert ttd.value is not None and ttd.previous is not None
    assert [(a.name, b.name) for a, b in selectors.redundant_pairs(workspace=workspace)] == [
        ("Jira", "Linear")
    ]
    assert Tool.objects.get(name="Trello").replaced_by.name == "Jira"
    ops = workspace.memberships.get(role=Role.PRODUCT_OPS).user
    assert selectors.pending_for(workspace=workspace, user=ops, now=NOW)
    # Each decision carries a short record in the playbook's sections, and a year of
    # outcomes: most reviewed, some due, a few too early to tell.
    required = ["Question", "Options", "Evidence", "Decision", "Rationale"]
    records = Decision.objects.for_workspace(workspace).values_list("record", flat=True)
    assert all(not missing_sections(record, required) for record in records)
    verdicts = set(DecisionEpisode.objects.exclude(verdict="").values_list("verdict", flat=True))
    assert {"as_expected", "better", "worse", "too_early"} <= verdicts
    assert selectors.decision_list(workspace=workspace, status=selectors.OUTCOME_DUE).exists()


def test_it_links_the_roadmaps_moves_to_the_decisions_that_caused_them():
    from greenroom.cadences.models import DecisionChange
    from greenroom.sandbox.cadences import sandbox_cadences, sandbox_decision_changes
    from greenroom.strategy import services as strategy
    from greenroom.testing.factories import TeamFactory

    workspace = WorkspaceFactory()
    for name, role in [
        ("ops", Role.PRODUCT_OPS),
        ("pm", Role.PRODUCT_MANAGER),
        ("admin", Role.ADMIN),
    ]:
        MembershipFactory(
            workspace=workspace, role=role, user=UserFactory(email=f"{name}@harbor.example")
        )
    now = datetime.now(UTC)
    sandbox_cadences(workspace=workspace, seed=7, now=now)
    ops = workspace.memberships.get(role=Role.PRODUCT_OPS).user
    item = strategy.roadmap_item_save(
        actor=ops,
        workspace=workspace,
        data={
            "title": "Board templates",
            "team": TeamFactory(workspace=workspace),
            "column": "Next",
        },
    )
    strategy.roadmap_item_move(actor=ops, item=item, column="Now")
    assert sandbox_decision_changes(workspace=workspace) == 1
    link = DecisionChange.objects.get()
    assert link.decision.question == "Bring board templates forward to Now?"
    assert link.decision.time_to_decision() is not None
    assert selectors.change_summary(link.change) == "moved Next → Now"
