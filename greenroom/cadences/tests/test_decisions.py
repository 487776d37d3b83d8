import statistics
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from greenroom.accounts.models import AuditEvent
from greenroom.cadences import selectors, services
from greenroom.cadences.choices import DecisionStatus
from greenroom.cadences.models import Decision, DecisionEpisode
from greenroom.registry import Quantity, Ratio

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _raise(personas, question="Sunset the legacy plan?", raised_at=None, **kwargs):
    return services.decision_raise(
        workspace=personas.workspace,
        actor=personas.pm,
        question=question,
        decider=kwargs.pop("decider", personas.ops),
        options=kwargs.pop("options", ["Yes", "No"]),
        raised_at=raised_at or NOW - timedelta(days=3),
        **kwargs,
    )


def _decide(decision, actor, at, rationale="Revenue says so."):
    return services.decision_decide(
        decision=decision,
        actor=actor,
        option=decision.options.first(),
        rationale=rationale,
        decided_at=at,
    )


def test_it_refuses_a_decision_with_no_decider(personas):
    with pytest.raises(ValidationError) as error:
        _raise(personas, decider=None)
    assert "needs a decider" in str(error.value)
    assert not Decision.objects.exists()


def test_it_refuses_a_viewer_or_an_outsider_as_decider(personas):
    for user in (personas.viewer, personas.outsider):
        with pytest.raises(ValidationError, match="cannot record decisions"):
            _raise(personas, decider=user)


def test_it_lets_only_the_named_decider_record_the_decision(personas):
    decision = _raise(personas)
    for user in (personas.pm, personas.admin):
        with pytest.raises(PermissionDenied, match="named decider"):
            _decide(decision, user, NOW)
    _decide(decision, personas.ops, NOW)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DECIDED
    assert AuditEvent.objects.filter(action="decision.decide", actor=personas.ops).count() == 1


def test_it_computes_time_to_decision_from_the_first_raise_through_a_reopening(personas):
    raised = NOW - timedelta(days=20)
    decision = _raise(personas, raised_at=raised)
    _decide(decision, personas.ops, raised + timedelta(days=4))
    services.decision_reopen(
        decision=decision,
        actor=personas.pm,
        reason="Churn moved.",
        reopened_at=raised + timedelta(days=10),
    )
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.REOPENED
    assert decision.time_to_decision() is None
    _decide(decision, personas.ops, raised + timedelta(days=15, hours=12))
    decision.refresh_from_db()
    # The rule: first raise to final decision, whatever happened in between.
    assert decision.time_to_decision() == timedelta(days=15, hours=12)
    episodes = list(DecisionEpisode.objects.filter(decision=decision))
    assert len(episodes) == 2
    assert episodes[0].reopen_reason == "Churn moved." and episodes[1].reopened_at is None


def test_it_takes_the_median_over_90_days_with_the_90_before_as_trend(personas):
    # Decided in the window: 2, 5, 9 days (median 5); before it: 10 and 20 (median 15).
    for days, decided_ago in [(2, 1), (5, 30), (9, 80), (10, 100), (20, 170), (1, 200)]:
        decided = NOW - timedelta(days=decided_ago)
        decision = _raise(personas, raised_at=decided - timedelta(days=days))
        _decide(decision, personas.ops, decided)
    _raise(personas, question="Still open", raised_at=NOW - timedelta(days=40))
    result = selectors.time_to_decision(workspace=personas.workspace, now=NOW)
    assert result == Quantity(
        value=statistics.median([2, 5, 9]),
        unit="days",
        count=3,
        previous=statistics.median([10, 20]),
    )
    other = selectors.time_to_decision(
        workspace=personas.outsider.memberships.first().workspace, now=NOW
    )
    assert other.value is None and other.count == 0


def test_it_counts_pending_decisions_within_the_threshold(personas):
    _raise(personas, question="old", raised_at=NOW - timedelta(days=20))
    _raise(personas, question="new", raised_at=NOW - timedelta(days=2))
    done = _raise(personas, question="done", raised_at=NOW - timedelta(days=30))
    _decide(done, personas.ops, NOW - timedelta(days=1))
    assert selectors.pending_within_threshold(workspace=personas.workspace, now=NOW) == Ratio(1, 2)
    pending = selectors.pending_for(workspace=personas.workspace, user=personas.ops, now=NOW)
    assert [d.question for d in pending] == ["old"]


def test_it_shows_the_decider_their_old_pending_decisions_on_the_home_page(personas):
    _raise(personas, question="Move to usage pricing?", raised_at=NOW - timedelta(days=30))
    body = personas.client(personas.ops).get(reverse("home")).content.decode()
    assert "Move to usage pricing?" in body
    body = personas.client(personas.pm).get(reverse("home")).content.decode()
    assert "Move to usage pricing?" not in body


def test_it_keeps_url_evidence_and_refuses_a_metric_without_data(personas):
    decision = _raise(personas)
    services.decision_add_evidence(
        decision=decision,
        actor=personas.pm,
        kind="insight",
        reference="https://research.example.com/insights/42",
        label="Admins want SSO",
    )
    with pytest.raises(ValidationError, match="no business data"):
        services.decision_add_evidence(
            decision=decision, actor=personas.pm, kind="metric", reference="mrr"
        )
    with pytest.raises(ValidationError, match="URL"):
        services.decision_add_evidence(
            decision=decision,
            actor=personas.pm,
            kind="url",
            reference="javascript:alert(1)",
            label="x",
        )
    assert decision.evidence.count() == 1


def test_it_lets_a_pm_raise_and_the_decider_decide_through_the_pages(personas):
    client = personas.client(personas.pm)
    response = client.post(
        reverse("cadences:decision_new"),
        {
            "question": "Drop the Starter plan?",
            "decider": personas.ops.pk,
            "options": "Drop\nKeep",
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get(question="Drop the Starter plan?")
    url = reverse("cadences:decision_decide", args=[decision.pk])
    option = decision.options.get(text="Keep")
    assert client.post(url, {"option": option.pk, "rationale": "x"}).status_code == 403
    response = personas.client(personas.ops).post(
        url, {"option": option.pk, "rationale": "Keeps SMB."}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.chosen_option == option


def test_it_explains_a_missing_decider_on_the_form(personas):
    response = personas.client(personas.pm).post(
        reverse("cadences:decision_new"), {"question": "Who decides?", "options": "a"}
    )
    assert response.status_code == 400
    assert "needs a decider" in response.content.decode()


def test_it_refuses_a_viewer_raising_and_hides_decisions_from_outsiders(personas):
    decision = _raise(personas)
    viewer = personas.client(personas.viewer)
    assert viewer.get(reverse("cadences:decision", args=[decision.pk])).status_code == 200
    assert viewer.post(reverse("cadences:decision_new"), {"question": "x"}).status_code == 403
    outsider = personas.client(personas.outsider)
    assert outsider.get(reverse("cadences:decision", args=[decision.pk])).status_code == 404
    assert "Sunset" not in outsider.get(reverse("cadences:decisions")).content.decode()


def test_it_lists_decisions_in_a_bounded_number_of_queries(personas, django_assert_max_num_queries):
    for index in range(15):
        _raise(personas, question=f"Question {index}")
    client = personas.client(personas.viewer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("cadences:decisions"))
    assert response.status_code == 200


def test_it_shows_time_to_decision_on_the_scorecard(personas):
    decision = _raise(personas, raised_at=datetime.now(UTC) - timedelta(days=6))
    _decide(decision, personas.ops, datetime.now(UTC))
    body = personas.client(personas.viewer).get(reverse("scorecard")).content.decode()
    assert 'data-measure="time-to-decision">6 days' in body
