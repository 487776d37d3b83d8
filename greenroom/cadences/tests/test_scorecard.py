import csv
import io
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from greenroom import registry
from greenroom.accounts.models import AuditEvent
from greenroom.cadences import scorecard, services
from greenroom.cadences.models import MeasureBaseline, MeasureSnapshot, PulseResponse
from greenroom.registry import Quantity, Ratio
from greenroom.testing.factories import MembershipFactory, TeamFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _measure(key):
    return next(m for m in registry.entries(registry.Measure) if m.key == key)


def _decision(personas, raised, decided):
    decision = services.decision_raise(
        workspace=personas.workspace,
        actor=personas.pm,
        question=f"Q raised {raised:%j}",
        decider=personas.ops,
        options=["Yes"],
        raised_at=raised,
    )
    services.decision_decide(
        decision=decision,
        actor=personas.ops,
        option=decision.options.first(),
        rationale="Because.",
        decided_at=decided,
    )


def test_it_turns_a_share_into_a_percent_and_keeps_an_amount():
    assert scorecard.figure(Ratio(1, 3)) == (33.3, 3)
    assert scorecard.figure(Ratio(0, 0)) == (None, 0)
    assert scorecard.figure(Quantity(value=4.5, unit="days", count=2)) == (4.5, 2)
    assert scorecard.figure(None) == (None, 0)


def test_it_draws_a_sparkline_scaled_to_the_box_skipping_gaps():
    assert scorecard.sparkline([5.0]) == ""
    # x: 0, 60, 120; y: the highest at 2, the lowest at 26 (28 high, 2 of margin).
    assert scorecard.sparkline([10.0, None, 20.0], width=120, height=28) == "0.0,26.0 120.0,2.0"
    assert scorecard.sparkline([3.0, 3.0], width=10, height=20) == "0.0,10.0 10.0,10.0"


def test_it_keeps_time_to_decisions_history_as_it_was_at_each_past_week(personas):
    # Decisions of 2, 4 and 9 days decided on 1 Oct, 1 Nov and 25 Nov: the median over 90
    # days on each Monday snapshot is what time_to_decision said on that day.
    for decided, days in [(date(2026, 10, 1), 2), (date(2026, 11, 1), 4), (date(2026, 11, 25), 9)]:
        at = datetime(decided.year, decided.month, decided.day, 10, tzinfo=UTC)
        _decision(personas, at - timedelta(days=days), at)
    measure = _measure("time-to-decision")
    expected = {}
    for on, known in [
        (date(2026, 9, 28), []),
        (date(2026, 10, 5), [2]),
        (date(2026, 11, 2), [2, 4]),
        (date(2026, 11, 30), [2, 4, 9]),
    ]:
        moment = datetime(on.year, on.month, on.day, 12, tzinfo=UTC)
        scorecard.snapshot_take(workspace=personas.workspace, measures=[measure], on=on, now=moment)
        expected[on] = round(statistics.median(known), 1) if known else None
    kept = dict(
        MeasureSnapshot.objects.filter(measure_key="time-to-decision").values_list(
            "taken_on", "value"
        )
    )
    assert (
        kept
        == expected
        == {
            date(2026, 9, 28): None,
            date(2026, 10, 5): 2.0,
            date(2026, 11, 2): 3.0,
            date(2026, 11, 30): 4.0,
        }
    )
    line = scorecard.lines(
        workspace=personas.workspace, measures=[measure], today=date(2026, 12, 1)
    )[0]
    assert line.history == [None, 2.0, 3.0, 4.0]


def test_it_stores_only_measures_that_can_look_back_when_given_a_past_moment(personas):
    measures = registry.entries(registry.Measure)
    taken = scorecard.snapshot_take(
        workspace=personas.workspace, measures=measures, on=date(2026, 6, 1), now=NOW
    )
    keys = set(MeasureSnapshot.objects.values_list("measure_key", flat=True))
    assert "time-to-decision" in keys and "onboarding-completion" in keys
    assert "data-freshness" not in keys and taken == len(keys)
    # Today, every measure with a compute is stored; again on the same day replaces it.
    for _ in range(2):
        scorecard.snapshot_take(workspace=personas.workspace, measures=measures, on=date.today())
    today = MeasureSnapshot.objects.filter(taken_on=date.today()).count()
    assert today == len([m for m in measures if m.compute])


def test_it_compares_each_measure_with_its_baseline_in_its_direction(personas):
    lower = scorecard.Line(
        _measure("time-to-decision"),
        Quantity(value=6, unit="days", count=3),
        MeasureBaseline(measure_key="time-to-decision", value=10),
    )
    share = scorecard.Line(
        _measure("onboarding-completion"),
        Ratio(3, 4),
        MeasureBaseline(measure_key="onboarding-completion", value=80),
    )
    empty = scorecard.Line(_measure("onboarding-completion"), Ratio(0, 0), share.baseline)
    assert (lower.against_baseline, share.against_baseline, empty.against_baseline) == (
        "better",
        "worse",
        "",
    )


def test_it_lets_product_ops_set_and_clear_baselines_with_an_audit_trail(personas):
    url = reverse("cadences:scorecard_baselines")
    for user in (personas.viewer, personas.pm):
        assert personas.client(user).get(url).status_code == 403
    ops = personas.client(personas.ops)
    assert ops.get(url).status_code == 200
    response = ops.post(url, {"time-to-decision": "12.5"})
    assert response.url == reverse("scorecard")
    assert MeasureBaseline.objects.get().value == 12.5
    ops.post(url, {"time-to-decision": ""})
    assert not MeasureBaseline.objects.exists()
    assert AuditEvent.objects.filter(action="measure_baseline.set").count() == 2
    with pytest.raises(ValidationError, match="No measure"):
        scorecard.baseline_set(
            workspace=personas.workspace, actor=personas.ops, measure_key="nope", value=1
        )


def test_it_shows_baselines_no_data_states_and_history_on_the_scorecard(personas):
    scorecard.baseline_set(
        workspace=personas.workspace, actor=personas.ops, measure_key="time-to-decision", value=9
    )
    _decision(personas, NOW - timedelta(days=100), NOW - timedelta(days=95))
    _decision(
        personas, datetime.now(UTC) - timedelta(days=5), datetime.now(UTC) - timedelta(days=1)
    )
    for weeks in (2, 1):
        MeasureSnapshot.objects.create(
            workspace=personas.workspace,
            measure_key="time-to-decision",
            taken_on=date.today() - timedelta(weeks=weeks),
            value=5 + weeks,
        )
    response = personas.client(personas.viewer).get(reverse("scorecard"))
    line = next(m for m in response.context["measures"] if m.measure.key == "time-to-decision")
    assert (line.current, line.against_baseline, line.history) == (4.0, "better", [7.0, 6.0])
    assert 'data-against="better"' in response.text and "<polyline" in response.text
    pulse = next(m for m in response.context["measures"] if m.measure.key == "pm-strategic-time")
    assert not pulse.has_data and "no data yet" in response.text
    assert "Set baselines" not in response.text


def test_it_exports_the_scorecard_as_csv_and_excel(personas):
    scorecard.baseline_set(
        workspace=personas.workspace,
        actor=personas.ops,
        measure_key="onboarding-completion",
        value=75,
    )
    client = personas.client(personas.viewer)
    with registry.scratch():
        registry.register(
            registry.Measure(
                key="toy",
                title="Toy",
                explanation="A toy.",
                weight=999,
                waits_for="the toy capability",
            )
        )
        text = b"".join(client.get(reverse("scorecard"), {"export": "csv"}).streaming_content)
        xlsx = client.get(reverse("scorecard"), {"export": "xlsx"})
    rows = list(csv.DictReader(io.StringIO(text.decode())))
    by_key = {row["measure"]: row for row in rows}
    assert by_key["onboarding-completion"]["baseline"] == "75.0"
    assert by_key["onboarding-completion"]["status"] == "no data yet"
    assert by_key["toy"]["status"] == "waits for the toy capability"
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:3] == ["measure", "title", "value"]
    assert sheet.max_row == len(rows) + 1


def test_it_averages_the_latest_pulse_round_with_the_round_before_as_trend(personas):
    # November: 40 and 60 → 50; October: 20 and 30 and 40 → 30; September is older (ignored).
    second = MembershipFactory(workspace=personas.workspace, role="product_manager").user
    third = MembershipFactory(workspace=personas.workspace, role="product_manager").user
    answers = [
        (date(2026, 9, 10), personas.pm, 90),
        (date(2026, 10, 10), personas.pm, 20),
        (date(2026, 10, 11), second, 30),
        (date(2026, 10, 12), third, 40),
        (date(2026, 11, 3), personas.pm, 40),
        (date(2026, 11, 4), second, 60),
    ]
    for today, user, percent in answers:
        scorecard.pulse_answer(
            workspace=personas.workspace, actor=user, strategic_percent=percent, today=today
        )
    result = scorecard.pulse_strategic_share(workspace=personas.workspace, now=NOW)
    assert result == Quantity(
        value=statistics.fmean([40, 60]),
        unit="% strategic",
        count=2,
        previous=statistics.fmean([20, 30, 40]),
        lower_is_better=False,
    )
    october = scorecard.pulse_strategic_share(
        workspace=personas.workspace, now=datetime(2026, 10, 31, tzinfo=UTC)
    )
    assert (october.value, october.previous) == (30, 90)


def test_it_lets_the_product_team_answer_the_pulse_once_a_month(personas):
    url = reverse("cadences:pulse")
    assert personas.client(personas.viewer).get(url).status_code == 403
    pm = personas.client(personas.pm)
    assert pm.post(url, {"strategic_percent": "140"}).status_code == 400
    pm.post(url, {"strategic_percent": "35", "comment": "Too many status decks"})
    pm.post(url, {"strategic_percent": "45"})
    answer = PulseResponse.objects.get()
    assert answer.strategic_percent == 45
    home = pm.get(reverse("home")).text
    assert "You answered this month" in home
    with pytest.raises(PermissionDenied):
        scorecard.pulse_answer(
            workspace=personas.workspace, actor=personas.viewer, strategic_percent=10
        )


def test_it_reads_the_scorecard_in_a_bounded_number_of_queries(personas):
    for n in range(5):
        TeamFactory(workspace=personas.workspace, headcount_plan=n)
    client = personas.client(personas.admin)
    # One query per measure that reads (strategy's adherence three, experiments' four, health's
    # dashboard readers five), plus baselines and history: the shell's scorecard test's bound.
    with max_queries(35):
        assert client.get(reverse("scorecard")).status_code == 200
