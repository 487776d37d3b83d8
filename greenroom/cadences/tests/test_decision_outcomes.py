"""A decision's record, started from the playbook's decision-record template, and its
outcome: what was expected, the review day, and what happened, with evidence frozen then."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from greenroom.accounts.models import AuditEvent
from greenroom.cadences import selectors, services
from greenroom.cadences.choices import OutcomeVerdict, TemplateKind
from greenroom.cadences.models import Decision, DecisionEvidence
from greenroom.registry import Ratio

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
RECORD = "# Question\n\n_Q_\n\n# Options\n\n# Evidence\n\n# Decision\n\n# Rationale\n"


@pytest.fixture
def template(personas):
    return services.template_save(
        workspace=personas.workspace,
        actor=personas.ops,
        kind=TemplateKind.DECISION_RECORD,
        body=RECORD,
    )


def _raise(personas, **kwargs):
    return services.decision_raise(
        workspace=personas.workspace,
        actor=personas.pm,
        question="Sunset the legacy plan?",
        decider=kwargs.pop("decider", personas.ops),
        options=["Yes", "No"],
        raised_at=kwargs.pop("raised_at", NOW - timedelta(days=30)),
        **kwargs,
    )


def _decided(personas, review_on=date(2026, 11, 20), **kwargs):
    decision = _raise(personas, **kwargs)
    return services.decision_decide(
        decision=decision,
        actor=decision.decider,
        option=decision.options.first(),
        rationale="Revenue says so.",
        decided_at=NOW - timedelta(days=20),
        expected_outcome="Churn falls by a point.",
        review_on=review_on,
    )


def _outcome(decision, actor, verdict=OutcomeVerdict.AS_EXPECTED, at=NOW):
    return services.decision_outcome_record(
        decision=decision, actor=actor, verdict=verdict, note="Churn fell.", recorded_at=at
    )


def test_it_starts_a_decision_record_from_the_current_template_version(personas, template):
    second = services.template_save(
        workspace=personas.workspace,
        actor=personas.ops,
        kind=TemplateKind.DECISION_RECORD,
        body=RECORD + "\n# Follow-up\n",
    )
    decision = _raise(personas)
    assert decision.record == second.body and decision.record_template == second
    assert AuditEvent.objects.get(action="decision.raise").detail["template_version"] == 2


def test_it_starts_empty_without_a_template_and_keeps_a_given_record(personas):
    assert _raise(personas).record == ""
    assert _raise(personas, record="# Question\nMine").record == "# Question\nMine"


def test_it_raises_through_the_form_from_the_template_and_flags_missing_sections(
    personas, template
):
    client = personas.client(personas.pm)
    form = client.get(reverse("cadences:decision_new")).content.decode()
    assert "# Rationale" in form
    response = client.post(
        reverse("cadences:decision_new"),
        {"question": "Buy SSO?", "decider": personas.ops.pk, "record": "# Question\n<b>x</b>"},
    )
    decision = Decision.objects.get()
    assert response.status_code == 302 and decision.record_template == template
    page = client.get(reverse("cadences:decision", args=[decision.pk])).content.decode()
    # Accepted but flagged, like a launch plan; raw HTML is escaped.
    assert "Missing from the template: Options, Evidence, Decision, Rationale" in page
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "version 1" in page


def test_it_raises_through_the_api_with_the_template_as_record(personas, template):
    client = personas.client(personas.pm)
    response = client.post(
        "/api/v1/cadences/decisions",
        json.dumps({"question": "Buy SSO?", "decider_id": personas.ops.pk}),
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 201
    assert body["record"] == RECORD and body["record_template_version"] == 1
    assert body["outcome"] is None


def test_it_saves_an_edited_record_with_an_audit_event(personas, template):
    decision = _raise(personas)
    response = personas.client(personas.pm).post(
        reverse("cadences:decision_record", args=[decision.pk]), {"record": "# Question\nNew"}
    )
    decision.refresh_from_db()
    assert response.status_code == 302 and decision.record == "# Question\nNew"
    assert AuditEvent.objects.filter(action="decision.save_record").count() == 1
    viewer = personas.client(personas.viewer)
    assert (
        viewer.post(reverse("cadences:decision_record", args=[decision.pk]), {"record": ""})
    ).status_code == 403


def test_it_refuses_a_review_date_before_the_decision(personas):
    decision = _raise(personas)
    with pytest.raises(ValidationError, match="cannot come before the decision"):
        services.decision_decide(
            decision=decision,
            actor=personas.ops,
            option=decision.options.first(),
            rationale="Because.",
            decided_at=NOW,
            review_on=date(2026, 11, 30),
        )
    decision.refresh_from_db()
    assert decision.is_pending() and not decision.episodes.exists()


def test_it_refuses_an_outcome_on_an_undecided_decision(personas):
    decision = _raise(personas)
    with pytest.raises(ValidationError, match="decided decision; this one is open"):
        _outcome(decision, personas.ops)


def test_it_lets_only_the_decider_or_product_ops_record_the_outcome(personas):
    decision = _decided(personas, decider=personas.pm)
    for user in (personas.viewer, personas.outsider):
        with pytest.raises(PermissionDenied, match="the decider, or product ops"):
            _outcome(decision, user)
    _outcome(decision, personas.pm, OutcomeVerdict.TOO_EARLY)
    episode = _outcome(decision, personas.ops, OutcomeVerdict.BETTER)
    assert episode.verdict == OutcomeVerdict.BETTER and episode.outcome_by == personas.ops
    # Each recording is in the history with its author.
    events = AuditEvent.objects.filter(action="decision.record_outcome").order_by("pk")
    assert [(e.actor, e.detail["verdict"]) for e in events] == [
        (personas.pm, "too_early"),
        (personas.ops, "better"),
    ]


def test_it_refuses_an_unknown_verdict_and_an_empty_note(personas):
    decision = _decided(personas)
    with pytest.raises(ValidationError, match="Choose a verdict"):
        _outcome(decision, personas.ops, verdict="great")
    with pytest.raises(ValidationError, match="Say what happened"):
        services.decision_outcome_record(
            decision=decision, actor=personas.ops, verdict="worse", note=" "
        )


def test_it_freezes_outcome_evidence_on_the_decided_episode_and_keeps_it_through_reopening(
    personas,
):
    decision = _decided(personas)
    services.decision_add_evidence(
        decision=decision,
        actor=personas.ops,
        kind="url",
        reference="https://dash.example/churn",
        label="Churn after the change",
        for_outcome=True,
    )
    _outcome(decision, personas.ops)
    episode = decision.episodes.get()
    assert DecisionEvidence.objects.get().outcome_of == episode
    services.decision_reopen(decision=decision, actor=personas.pm, reason="New figures.")
    episode.refresh_from_db()
    assert episode.verdict == OutcomeVerdict.AS_EXPECTED
    assert list(episode.outcome_evidence.values_list("label", flat=True)) == [
        "Churn after the change"
    ]
    with pytest.raises(ValidationError, match="this one is reopened"):
        services.decision_add_evidence(
            decision=decision,
            actor=personas.ops,
            kind="url",
            reference="https://x.example",
            label="x",
            for_outcome=True,
        )


def test_it_surfaces_decisions_whose_review_has_passed_without_an_outcome(personas):
    due = _decided(personas, review_on=date(2026, 11, 25))
    _decided(personas, review_on=date(2027, 1, 10))  # not yet
    reviewed = _decided(personas, review_on=date(2026, 11, 25))
    _outcome(reviewed, personas.ops)
    today = date(2026, 12, 1)
    assert selectors.outcomes_due_for(
        workspace=personas.workspace, user=personas.ops, today=today
    ) == [due]
    assert (
        selectors.outcomes_due_for(workspace=personas.workspace, user=personas.pm, today=today)
        == []
    )


def test_the_decision_log_filters_and_the_home_page_shows_outcomes_due(personas):
    due = _decided(personas, review_on=date(2026, 11, 25))
    _decided(personas, review_on=None)
    client = personas.client(personas.ops)
    log = client.get(reverse("cadences:decisions") + "?status=outcome_due").content.decode()
    assert log.count(reverse("cadences:decision", args=[due.pk])) == 1
    assert "outcome review due" in log
    home = client.get("/").content.decode()
    assert 'data-testid="outcomes-due"' in home
    assert reverse("cadences:decision", args=[due.pk]) in home


def test_the_decision_page_shows_the_outcome_and_only_its_reviewers_get_the_form(personas):
    decision = _decided(personas, decider=personas.pm)
    url = reverse("cadences:decision", args=[decision.pk])
    viewer_page = personas.client(personas.viewer).get(url).content.decode()
    assert "Churn falls by a point." in viewer_page and "Record the outcome" not in viewer_page
    assert personas.client(personas.outsider).get(url).status_code == 404
    response = personas.client(personas.viewer).post(
        reverse("cadences:decision_outcome", args=[decision.pk]),
        {"verdict": "worse", "note": "No."},
    )
    assert response.status_code == 403
    ops = personas.client(personas.ops)
    assert "Record the outcome" in ops.get(url).content.decode()
    response = ops.post(
        reverse("cadences:decision_outcome", args=[decision.pk]),
        {"verdict": "worse", "note": "Churn rose."},
    )
    assert response.status_code == 302
    page = ops.get(url).content.decode()
    assert "Worse than expected" in page and "Churn rose." in page
    response = ops.post(
        reverse("cadences:decision_evidence", args=[decision.pk]),
        {
            "for_outcome": "1",
            "outcome-kind": "url",
            "outcome-reference": "https://dash.example/churn",
            "outcome-label": "Churn since",
        },
    )
    assert response.status_code == 302
    assert decision.episodes.get().outcome_evidence.get().label == "Churn since"
    page = ops.get(url).content.decode()
    assert page.count('id="id_reference"') == 1 and page.count('id="id_outcome-reference"') == 1


def test_it_records_an_outcome_through_the_api(personas):
    decision = _decided(personas)
    client = personas.client(personas.ops)
    response = client.post(
        f"/api/v1/cadences/decisions/{decision.pk}/outcome",
        json.dumps({"verdict": "better", "note": "Churn fell two points."}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["outcome"]["verdict"] == "better"
    assert response.json()["outcome"]["review_on"] == "2026-11-20"
    undecided = _raise(personas)
    response = client.post(
        f"/api/v1/cadences/decisions/{undecided.pk}/outcome",
        json.dumps({"verdict": "better", "note": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "decide it first" in str(response.json()["error"]["details"])


def test_the_reviewed_outcomes_measure_counts_verdicts_of_reviews_fallen_due(personas):
    # Worked example, at 1 Dec 2026: reviews due 20 Nov (as expected), 21 Nov (too early to
    # tell: not reviewed yet), 22 Nov (none) and 10 Jan 2027 (not due: left out), and one due
    # on 1 Nov 2025 (outside the 365 days: left out). Reviewed 1 of 3.
    _outcome(_decided(personas, review_on=date(2026, 11, 20)), personas.ops)
    early = _decided(personas, review_on=date(2026, 11, 21))
    _outcome(early, personas.ops, OutcomeVerdict.TOO_EARLY)
    _decided(personas, review_on=date(2026, 11, 22))
    _decided(personas, review_on=date(2027, 1, 10))
    old = _raise(personas, raised_at=datetime(2025, 10, 1, tzinfo=UTC))
    services.decision_decide(
        decision=old,
        actor=personas.ops,
        option=old.options.first(),
        rationale="Old.",
        decided_at=datetime(2025, 10, 2, tzinfo=UTC),
        review_on=date(2025, 11, 1),
    )
    assert selectors.reviewed_outcomes(workspace=personas.workspace, now=NOW) == Ratio(1, 3)
    # A month before, only the 1 Nov 2025 review was within the window, unreviewed.
    month_before = datetime(2026, 10, 31, tzinfo=UTC)
    assert selectors.reviewed_outcomes(workspace=personas.workspace, now=month_before) == Ratio(
        0, 1
    )
