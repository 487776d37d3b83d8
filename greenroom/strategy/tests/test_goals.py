"""The goal pages, services and permissions: who edits what, history with authors, check-ins,
"what changed since", and the refresh that re-evaluates bound key results."""

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from scipy import stats

from greenroom.accounts.models import AuditEvent
from greenroom.metrics import store
from greenroom.metrics.tests import fixtures
from greenroom.metrics.tests.raw import RawLoader
from greenroom.strategy import selectors, services
from greenroom.strategy.models import KeyResult, KeyResultReading, Objective
from greenroom.strategy.tests.conftest import TODAY
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db


def test_it_shows_the_tree_with_statuses_to_a_viewer(personas, goals):
    client = personas.client(personas.viewer)
    with max_queries(12):
        response = client.get(reverse("strategy:goals"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Win mid-market" in body and "Accounts on annual plans" in body
    assert "No data" in body
    assert "New intent" not in body  # viewers read


def test_it_shows_a_pm_their_teams_goals_with_edit_links(personas, goals):
    client = personas.client(personas.pm)
    body = client.get(reverse("strategy:goals")).content.decode()
    assert reverse("strategy:objective_edit", args=[goals["mine"].pk]) in body
    assert reverse("strategy:objective_edit", args=[goals["other"].pk]) not in body
    team = goals["mine"].team_id
    mine = client.get(reverse("strategy:goals"), {"team": team}).content.decode()
    assert "Objective of Invoicing" in mine and "Objective of Growth" not in mine


def test_it_answers_404_to_an_outsider(personas, goals):
    client = personas.client(personas.outsider)
    assert client.get(reverse("strategy:key_result", args=[goals["kr"].pk])).status_code == 404
    assert client.get(reverse("strategy:goals")).content.decode().count("Win mid-market") == 0


def test_it_lets_a_pm_check_in_on_their_teams_key_result_and_records_the_author(personas, goals):
    kr = goals["kr"]
    client = personas.client(personas.pm)
    response = client.post(
        reverse("strategy:check_in", args=[kr.pk]),
        {"value": "150", "checked_on": TODAY.isoformat(), "comment": "Annual push landed"},
    )
    assert response.status_code == 302
    kr.refresh_from_db()
    assert kr.value == 150.0 and kr.progress == pytest.approx(0.5)
    assert kr.status == "on_track"  # 50 % done, 50 % expected
    event = AuditEvent.objects.get(action="check_in.create", object_id=str(kr.pk))
    assert event.actor == personas.pm
    page = client.get(reverse("strategy:key_result", args=[kr.pk])).content.decode()
    assert "Annual push landed" in page and "check_in.create" in page
    assert KeyResultReading.objects.filter(key_result=kr, trigger="check_in").count() == 1


def test_it_refuses_a_pm_of_another_team_and_a_viewer(personas, goals):
    other_kr = services.key_result_save(
        actor=personas.ops,
        workspace=personas.workspace,
        data={
            "objective": goals["other"],
            "title": "Trials converted",
            "baseline": 10.0,
            "target": 20.0,
            "starts_on": goals["other"].starts_on,
            "due_on": goals["other"].ends_on,
        },
    )
    data = {"value": "12", "checked_on": TODAY.isoformat()}
    pm = personas.client(personas.pm)
    assert pm.post(reverse("strategy:check_in", args=[other_kr.pk]), data).status_code == 403
    assert pm.get(reverse("strategy:objective_edit", args=[goals["other"].pk])).status_code == 403
    assert pm.get(reverse("strategy:intent_create")).status_code == 403
    viewer = personas.client(personas.viewer)
    assert viewer.post(reverse("strategy:check_in", args=[goals["kr"].pk]), data).status_code == 403
    ops = personas.client(personas.ops)
    assert ops.post(reverse("strategy:check_in", args=[other_kr.pk]), data).status_code == 302


def test_it_offers_a_pm_only_their_own_teams_for_a_new_objective(personas, goals):
    response = personas.client(personas.pm).get(reverse("strategy:objective_create"))
    body = response.content.decode()
    assert "Invoicing" in body and "Growth" not in body


def test_it_records_what_changed_with_old_and_new_values(personas, goals):
    client = personas.client(personas.pm)
    kr = goals["kr"]
    response = client.post(
        reverse("strategy:key_result_edit", args=[kr.pk]),
        {
            "title": kr.title,
            "baseline": "100",
            "target": "250",
            "unit": "accounts",
            "starts_on": kr.starts_on.isoformat(),
            "due_on": kr.due_on.isoformat(),
            "weight": "1",
            "source": "manual",
            "metric_name": "",
            "metric_slice": "",
            "metric_grain": "",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="key_result.update", object_id=str(kr.pk))
    assert event.detail["changed"]["target"] == [200.0, 250.0]
    assert event.actor == personas.pm
    page = client.get(reverse("strategy:key_result", args=[kr.pk])).content.decode()
    assert "target: 200.0 → 250.0" in page


def test_it_explains_a_target_equal_to_its_baseline(personas, goals):
    kr = goals["kr"]
    with pytest.raises(ValidationError, match="target equals the baseline"):
        services.key_result_save(
            actor=personas.ops, workspace=personas.workspace, data={"target": 100.0}, instance=kr
        )
    response = personas.client(personas.ops).post(
        reverse("strategy:key_result_create", args=[goals["mine"].pk]),
        {"title": "Flat", "baseline": "5", "target": "5", "starts_on": "2026-01-01",
         "due_on": "2026-06-30", "weight": "1", "source": "manual"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "progress could not be measured" in response.content.decode()


def test_it_refuses_a_bad_slice_and_a_check_in_on_a_bound_key_result(personas, goals):
    response = personas.client(personas.ops).post(
        reverse("strategy:key_result_create", args=[goals["mine"].pk]),
        {"title": "MRR", "baseline": "5", "target": "6", "starts_on": "2026-01-01",
         "due_on": "2026-06-30", "weight": "1", "source": "metric", "metric_name": "mrr",
         "metric_slice": "segment Enterprise", "metric_grain": "month"},
    )  # fmt: skip
    assert "is not dimension=value" in response.content.decode()
    kr = services.key_result_save(
        actor=personas.ops,
        workspace=personas.workspace,
        data={"source": "metric", "metric_name": "mrr", "metric_grain": "month"},
        instance=goals["kr"],
    )
    with pytest.raises(ValidationError, match="follows a metric"):
        services.check_in_create(actor=personas.ops, key_result=kr, value=1, checked_on=TODAY)


def test_it_lists_what_changed_since_a_review(personas, goals):
    kr = goals["kr"]
    KeyResultReading.objects.filter(key_result=kr).update(
        taken_at=timezone.now() - timedelta(days=20)
    )
    services.check_in_create(actor=personas.pm, key_result=kr, value=180, checked_on=TODAY)
    changes = selectors.changes_since(
        workspace=personas.workspace, since=TODAY - timedelta(days=10)
    )
    assert [(c.key_result.pk, c.before.status, c.status_changed) for c in changes] == [
        (kr.pk, "no_data", True)
    ]
    page = personas.client(personas.viewer).get(
        reverse("strategy:changes"), {"since": (TODAY - timedelta(days=10)).isoformat()}
    )
    assert "Accounts on annual plans" in page.content.decode()
    assert not selectors.changes_since(workspace=personas.workspace, since=TODAY)


def test_it_rolls_the_key_results_up_the_tree(personas, goals):
    services.check_in_create(actor=personas.pm, key_result=goals["kr"], value=150, checked_on=TODAY)
    tree = selectors.goal_tree(workspace=personas.workspace)
    intent = tree.intents[0]
    initiative = intent.children[0]
    mine = next(o for o in initiative.children if o.item == goals["mine"])
    assert mine.rollup.progress == pytest.approx(0.5)
    # The other team's objective has no key result: it does not weigh on the roll-up.
    assert initiative.rollup.progress == pytest.approx(0.5)
    assert intent.rollup.status == "on_track"


def _load_metrics(workspace) -> None:
    with store.writer(workspace.pk) as connection:
        fixtures.load_revenue(RawLoader(connection))
    call_command(
        "refresh",
        "--as-of",
        fixtures.AS_OF.isoformat(),
        "--workspace",
        workspace.slug,
        stdout=io.StringIO(),
    )


def test_it_recomputes_bound_key_results_after_each_refresh(personas, goals):
    ws = personas.workspace
    objective = goals["mine"]
    data = {
        "objective": objective,
        "baseline": 500.0,
        "target": 1000.0,
        "starts_on": date(2026, 1, 1),
        "due_on": date(2027, 6, 30),
        "source": "metric",
        "metric_grain": "month",
    }
    bound = services.key_result_save(
        actor=personas.ops, workspace=ws, data={**data, "title": "MRR", "metric_name": "mrr"}
    )
    assert bound.status == "unavailable"  # no refresh yet
    assert "No business data yet" in bound.message
    gone = services.key_result_save(
        actor=personas.ops, workspace=ws, data={**data, "title": "Old", "metric_name": "gone"}
    )
    _load_metrics(ws)
    bound.refresh_from_db()
    gone.refresh_from_db()
    # Complete months of the fixture (docs: metrics/tests/fixtures.py), dated by their last
    # day, after the baseline on the first day; compared with scipy's least squares.
    points = [(date(2026, 1, 1), 500.0)] + [
        (date(2026, m, 1) + timedelta(days=-1 + 31 * 0), v) for m, v in ()
    ]
    expected = {date(2026, 1, 31): 505.0, date(2026, 2, 28): 770.0, date(2026, 3, 31): 740.0,
                date(2026, 4, 30): 750.0, date(2026, 5, 31): 830.0}  # fmt: skip
    points = [(date(2026, 1, 1), 500.0), *sorted(expected.items())]
    xs = [(on - date(2026, 1, 1)).days for on, _ in points]
    line = stats.linregress(xs, [v for _, v in points])
    assert bound.value == 830.0 and bound.value_as_of == date(2026, 5, 31)
    assert bound.progress == pytest.approx(330 / 500)
    x_due = (date(2027, 6, 30) - date(2026, 1, 1)).days
    assert bound.forecast == pytest.approx(line.intercept + line.slope * x_due)
    reading = KeyResultReading.objects.filter(key_result=bound).first()
    assert reading.trigger == "refresh"
    assert gone.status == "unavailable"
    assert "no longer works" in gone.message and "Unknown metric 'gone'" in gone.message


def test_it_counts_one_row_per_slice_or_says_to_narrow_it(personas, goals):
    _load_metrics(personas.workspace)
    points, problem = services.metric_points(
        workspace=personas.workspace,
        name="mrr",
        where={"product": ["nothing-like-this"]},
        grain="month",
        starts_on=date(2026, 1, 1),
        due_on=date(2026, 12, 31),
    )
    assert points == [] and problem is None
    kr = KeyResult.objects.get(pk=goals["kr"].pk)
    assert kr.objective == goals["mine"]
    assert Objective.objects.for_workspace(personas.workspace).count() == 2


def test_it_reads_slices_together_with_the_numbers_each_would_get_alone(personas, goals):
    ws = personas.workspace
    _load_metrics(ws)
    slices = [
        ("mrr", {"product": ["workspace"]}),
        ("mrr", {"product": ["insights"]}),
        ("mrr", {"product": ["workspace", "insights"]}),  # several values: read alone
        ("mrr", {}),
        ("paying_accounts", {"product": ["workspace"]}),
    ]
    key_results = [
        services.key_result_save(
            actor=personas.ops,
            workspace=ws,
            data={
                "objective": goals["mine"],
                "title": f"{name} {where}",
                "baseline": 1.0,
                "target": 2.0,
                "starts_on": date(2026, 1, 1),
                "due_on": date(2026, 12, 31),
                "source": "metric",
                "metric_name": name,
                "metric_where": where,
                "metric_grain": "month",
            },
        )
        for name, where in slices
    ]
    together = services._metric_series(ws, key_results)
    for kr, (name, where) in zip(key_results, slices, strict=True):
        alone = services.metric_points(
            workspace=ws,
            name=name,
            where=where,
            grain="month",
            starts_on=kr.starts_on,
            due_on=kr.due_on,
        )
        assert together[kr.pk] == alone, (name, where)
    assert together[key_results[0].pk][0]  # the fixture bills Workspace every month


def test_a_failing_listener_does_not_fail_the_refresh(personas, goals, monkeypatch):
    def broken(*, workspace):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "key_results_recompute", broken)
    _load_metrics(personas.workspace)  # the refresh command returns normally
    assert store.published(personas.workspace.pk)


def test_it_finds_key_results_from_the_search_box(personas, goals):
    response = personas.client(personas.viewer).get(reverse("search"), {"q": "annual plans"})
    assert reverse("strategy:key_result", args=[goals["kr"].pk]) in response.content.decode()
