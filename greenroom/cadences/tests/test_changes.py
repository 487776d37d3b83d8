"""Decisions linked to the roadmap changes they caused: on the decision's page and in the
roadmap item's history, refused for a change of another workspace or from before the question."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from greenroom.accounts.models import AuditEvent
from greenroom.cadences import selectors, services
from greenroom.cadences.models import DecisionChange
from greenroom.strategy import services as strategy
from greenroom.strategy.models import RoadmapItem
from greenroom.testing.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(personas):
    team = TeamFactory(workspace=personas.workspace, name="Invoicing")
    item = strategy.roadmap_item_save(
        actor=personas.ops,
        workspace=personas.workspace,
        data={"title": "Usage invoices", "team": team, "column": "Later"},
    )
    # Created a day ago, before any question of the tests is raised.
    AuditEvent.objects.filter(object_id=str(item.pk)).update(at=timezone.now() - timedelta(days=1))
    return item


def _changes(item: RoadmapItem) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="strategy.roadmapitem", object_id=str(item.pk)
        ).order_by("at", "pk")
    )


def _decision(personas, raised_at=None):
    return services.decision_raise(
        workspace=personas.workspace,
        actor=personas.pm,
        question="Bill by usage?",
        decider=personas.ops,
        options=["Yes", "No"],
        raised_at=raised_at or timezone.now() - timedelta(minutes=5),
    )


def _move_and_drop(personas, item):
    strategy.roadmap_item_move(actor=personas.ops, item=item, column="Now")
    strategy.roadmap_item_save(
        actor=personas.ops, workspace=personas.workspace, data={"status": "dropped"}, instance=item
    )
    return _changes(item)[-2:]


def test_it_names_what_each_roadmap_change_did(personas, item):
    created = _changes(item)[0]
    moved, dropped = _move_and_drop(personas, item)
    assert selectors.change_summary(created) == "created"
    assert selectors.change_summary(moved) == "moved Later → Now"
    assert selectors.change_summary(dropped) == "dropped"


def test_it_links_a_decision_to_the_changes_it_caused_once_each_and_audits_it(personas, item):
    decision = _decision(personas)
    moved, dropped = _move_and_drop(personas, item)
    offered = selectors.change_candidates(decision=decision)
    # The item's creation came before the question: it is not offered.
    assert [event.pk for event in offered] == [dropped.pk, moved.pk]
    for _ in range(2):
        services.decision_link_change(decision=decision, actor=personas.pm, change_id=moved.pk)
    assert DecisionChange.objects.filter(decision=decision).count() == 1
    assert [e.pk for e in selectors.change_candidates(decision=decision)] == [dropped.pk]
    assert AuditEvent.objects.filter(action="decision.link_change").count() == 1


def test_it_refuses_a_change_from_before_the_question_or_of_another_workspace(personas, item):
    decision = _decision(personas)
    with pytest.raises(ValidationError, match="before the question was raised"):
        services.decision_link_change(
            decision=decision, actor=personas.pm, change_id=_changes(item)[0].pk
        )
    foreign = AuditEvent.objects.create(
        workspace=None,
        actor_label="x",
        action="roadmap_item.move",
        object_type="strategy.roadmapitem",
        object_id=str(item.pk),
    )
    with pytest.raises(ValidationError, match="No such roadmap change"):
        services.decision_link_change(decision=decision, actor=personas.pm, change_id=foreign.pk)
    own_decision_event = AuditEvent.objects.filter(action="decision.raise").get()
    with pytest.raises(ValidationError, match="No such roadmap change"):
        services.decision_link_change(
            decision=decision, actor=personas.pm, change_id=own_decision_event.pk
        )
    assert not DecisionChange.objects.exists()


def test_it_shows_the_link_on_the_decision_and_in_the_items_history(personas, item):
    decision = _decision(personas)
    moved, _ = _move_and_drop(personas, item)
    pm = personas.client(personas.pm)
    url = reverse("cadences:decision_change", args=[decision.pk])
    assert personas.client(personas.viewer).post(url, {"change": moved.pk}).status_code == 403
    assert pm.post(url, {"change": "nonsense"}).status_code == 400
    assert pm.post(url, {"change": moved.pk}).status_code == 302
    page = pm.get(reverse("cadences:decision", args=[decision.pk])).content.decode()
    assert "Roadmap changes it caused" in page and "moved Later → Now" in page
    item_page = (
        personas.client(personas.ops)
        .get(reverse("strategy:roadmap_item", args=[item.pk]))
        .content.decode()
    )
    assert "Decisions behind these changes" in item_page
    assert "caused by" in item_page and "Bill by usage?" in item_page
