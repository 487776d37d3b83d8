"""The register: pages per role, the outsider, the plan frozen at start, SRM blocking ship."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from greenroom.accounts import services as account_services
from greenroom.accounts.models import AuditEvent
from greenroom.experiments import selectors, services
from greenroom.experiments.choices import Decision, MetricKind, Status
from greenroom.experiments.models import Experiment, PlanChange
from greenroom.research.models import Insight
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db


def _experiment(personas, name="Checkout copy", splits=(50, 50)) -> Experiment:
    return services.experiment_create(
        workspace=personas.workspace,
        actor=personas.pm,
        name=name,
        hypothesis="Clearer copy lifts checkout.",
        variants=[
            services.VariantIn(name=f"Arm {i}", key=f"arm-{i}", split=Decimal(s))
            for i, s in enumerate(splits)
        ],
        metrics=[services.MetricIn(name="Checkout", kind=MetricKind.CONVERSION)],
        plan={"baseline": 0.1, "mde": 0.02},
    )


def _record(personas, experiment, counts):
    metric = experiment.metrics.get()
    for variant, (users, conversions) in zip(experiment.variants.all(), counts, strict=True):
        services.variant_summary_record(
            experiment=experiment,
            actor=personas.pm,
            metric=metric,
            variant=variant,
            users=users,
            total=conversions,
        )


def test_it_registers_an_experiment_from_the_page_as_a_pm(personas):
    response = personas.client(personas.pm).post(
        reverse("experiments:create"),
        {
            "name": "Onboarding checklist",
            "hypothesis": "A checklist lifts activation.",
            "variants": "Control:control:50\nChecklist:checklist:50",
            "metric_name": "Activated",
            "metric_kind": "conversion",
            "metric_event": "activated",
            "baseline": "0.1",
            "mde": "0.02",
            "power": "0.8",
            "alpha": "0.05",
            "cuped_days": "14",
        },
    )
    assert response.status_code == 302, response.content.decode()
    experiment = Experiment.objects.for_workspace(personas.workspace).get()
    assert experiment.plan["cuped_days"] == 14
    assert [v.key for v in experiment.variants.all()] == ["control", "checklist"]
    assert experiment.plan["per_arm"] == 3623 and experiment.plan["alpha"] == 0.05
    assert AuditEvent.objects.filter(action="experiment.create").exists()


def test_it_refuses_a_split_that_does_not_add_up_on_the_page(personas):
    response = personas.client(personas.pm).post(
        reverse("experiments:create"),
        {
            "name": "X",
            "hypothesis": "Y",
            "variants": "A:a:50\nB:b:40",
            "metric_name": "M",
            "metric_kind": "conversion",
        },
    )
    assert response.status_code == 200
    assert "adds up to 90 %, not 100 %" in response.content.decode()
    assert not Experiment.objects.exists()


def test_it_does_not_let_a_viewer_register_or_decide(personas):
    experiment = _experiment(personas)
    client = personas.client(personas.viewer)
    assert client.get(reverse("experiments:create")).status_code == 403
    assert client.post(reverse("experiments:start", args=[experiment.pk])).status_code == 403
    assert client.get(reverse("experiments:detail", args=[experiment.pk])).status_code == 200


def test_it_hides_experiments_from_an_outsider(personas):
    experiment = _experiment(personas)
    client = personas.client(personas.outsider)
    assert client.get(reverse("experiments:detail", args=[experiment.pk])).status_code == 404
    assert client.post(reverse("experiments:start", args=[experiment.pk])).status_code == 404
    assert "Checkout copy" not in client.get(reverse("experiments:list")).content.decode()
    _, secret = account_services.token_create(user=personas.outsider, name="t")
    api = client.get(
        f"/api/v1/experiments/experiments/{experiment.pk}/analysis",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert api.status_code == 404


def test_it_lists_experiments_in_a_bounded_number_of_queries(personas):
    for i in range(5):
        _experiment(personas, name=f"E{i}")
    client = personas.client(personas.viewer)
    with max_queries(12):
        response = client.get(reverse("experiments:list"))
    assert response.status_code == 200 and "E4" in response.content.decode()


def test_it_freezes_the_plan_at_start_and_shows_later_changes(personas):
    experiment = _experiment(personas)
    services.experiment_start(experiment=experiment, actor=personas.pm)
    with pytest.raises(ValidationError):
        services.experiment_change_plan(experiment=experiment, actor=personas.pm, plan={})
    services.experiment_change_plan(
        experiment=experiment,
        actor=personas.pm,
        plan={"baseline": 0.1, "mde": 0.03},
        reason="Traffic halved",
    )
    change = PlanChange.objects.get()
    assert change.before == {"baseline": 0.1, "mde": 0.02}
    page = personas.client(personas.viewer).get(reverse("experiments:detail", args=[experiment.pk]))
    assert "Traffic halved" in page.content.decode()


def test_it_blocks_shipping_on_a_sample_ratio_mismatch_until_acknowledged(personas):
    experiment = _experiment(personas)
    services.experiment_start(experiment=experiment, actor=personas.pm)
    _record(personas, experiment, [(5000, 500), (4500, 540)])
    page = personas.client(personas.pm).get(reverse("experiments:detail", args=[experiment.pk]))
    assert "Sample-ratio mismatch" in page.content.decode()
    with pytest.raises(ValidationError, match="sample-ratio mismatch"):
        services.experiment_decide(
            experiment=experiment, actor=personas.pm, decision=Decision.SHIP, rationale="Looks good"
        )
    services.experiment_acknowledge_srm(experiment=experiment, actor=personas.pm)
    services.experiment_decide(
        experiment=experiment,
        actor=personas.pm,
        decision=Decision.SHIP,
        rationale="Mismatch traced to a logging bug in the control.",
    )
    experiment.refresh_from_db()
    assert experiment.status == Status.DECIDED and experiment.decision == Decision.SHIP


def test_it_refuses_an_exposure_property_that_cannot_be_a_json_name(personas):
    with pytest.raises(ValidationError, match="double quotes"):
        services.experiment_create(
            workspace=personas.workspace,
            actor=personas.pm,
            name="Quoted",
            hypothesis="h",
            variants=[
                services.VariantIn(name="A", key="a", split=Decimal(50)),
                services.VariantIn(name="B", key="b", split=Decimal(50)),
            ],
            metrics=[services.MetricIn(name="Checkout", kind=MetricKind.CONVERSION)],
            variant_property='arm"]',
        )


def test_a_learning_recorded_with_the_decision_becomes_a_research_insight(personas):
    experiment = _experiment(personas)
    services.experiment_start(experiment=experiment, actor=personas.pm)
    personas.client(personas.pm).post(
        reverse("experiments:decide", args=[experiment.pk]),
        {
            "decision": Decision.ITERATE,
            "rationale": "No lift at 80 % power.",
            "learning": "Copy alone does not move checkout; price does.",
        },
    )
    experiment.refresh_from_db()
    insight = Insight.objects.for_workspace(personas.workspace).get()
    assert experiment.status == Status.DECIDED and experiment.learning_insight == insight
    assert insight.statement == "Copy alone does not move checkout; price does."
    assert "Checkout copy" in insight.detail and "iterate because No lift" in insight.detail
    page = personas.client(personas.viewer).get(reverse("experiments:detail", args=[experiment.pk]))
    assert reverse("research:insight", args=[insight.pk]) in page.content.decode()


def test_it_analyses_recorded_sums_and_says_when_there_is_too_little(personas):
    experiment = _experiment(personas)
    _record(personas, experiment, [(4000, 400), (4000, 480)])
    result = selectors.experiment_analysis(experiment=experiment)
    assert result.analysis is not None and not result.analysis.sample_ratio_mismatch
    (comparison,) = result.analysis.comparisons
    assert comparison.frequentist is not None and comparison.frequentist.estimate == pytest.approx(
        0.2
    )
    _record(personas, experiment, [(10, 1), (12, 2)])
    (small,) = selectors.experiment_analysis(experiment=experiment).analysis.comparisons
    assert small.error is not None and small.error.code == "not_enough_data"


def test_it_answers_the_calculator_by_htmx(personas):
    response = personas.client(personas.viewer).get(
        reverse("experiments:design"),
        {
            "kind": "proportion",
            "baseline": "0.1",
            "mde": "0.02",
            "power": "0.8",
            "alpha": "0.05",
            "arms": "2",
            "daily_users": "1000",
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "3623" in body and "8 days" in body


def test_it_answers_the_calculator_by_the_api_and_names_a_bad_field(personas, client):
    _, secret = account_services.token_create(user=personas.viewer, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    ok = client.post(
        "/api/v1/experiments/design",
        {"baseline": 0.1, "mde": 0.02},
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 200 and ok.json()["per_arm"] == 3623
    bad = client.post(
        "/api/v1/experiments/design",
        {"baseline": 1.5, "mde": 0.02},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["details"]["field"] == "baseline"


def test_it_decides_by_the_api_and_refuses_a_viewer(personas, client):
    experiment = _experiment(personas)
    viewer, pm = (
        {"HTTP_AUTHORIZATION": f"Bearer {account_services.token_create(user=u, name='t')[1]}"}
        for u in (personas.viewer, personas.pm)
    )
    base = f"/api/v1/experiments/experiments/{experiment.pk}"
    assert client.post(f"{base}/start", **viewer).status_code == 403
    assert client.post(f"{base}/start", **pm).json()["status"] == "running"
    _record(personas, experiment, [(5000, 500), (4500, 540)])
    refused = client.post(
        f"{base}/decision",
        {"decision": "ship", "rationale": "Up"},
        content_type="application/json",
        **pm,
    )
    assert refused.status_code == 422, refused.content
    assert "sample-ratio mismatch" in refused.json()["error"]["message"] + str(
        refused.json()["error"]["details"]
    )
    assert client.post(f"{base}/acknowledge-srm", **pm).status_code == 200
    decided = client.post(
        f"{base}/decision",
        {"decision": "ship", "rationale": "Traced"},
        content_type="application/json",
        **pm,
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "ship"


def test_per_variant_sums_are_recorded_by_the_api_and_bad_ones_refused(personas, client):
    experiment = _experiment(personas)
    _, secret = account_services.token_create(user=personas.pm, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = f"/api/v1/experiments/experiments/{experiment.pk}/summaries"

    def post(body):
        return client.post(url, body, content_type="application/json", **auth)

    ok = post({"metric": "Checkout", "variant": "arm-0", "users": 4000, "total": 400})
    assert ok.status_code == 200 and ok.json()["users"] == 4000
    assert post({"metric": "Nope", "variant": "arm-0", "users": 1, "total": 0}).status_code == 422
    impossible = post({"metric": "Checkout", "variant": "arm-1", "users": 10, "total": 11})
    assert impossible.status_code == 422 and "impossible" in impossible.content.decode()
    assert post({"metric": "Checkout", "variant": "arm-1", "users": "ten"}).status_code == 422
