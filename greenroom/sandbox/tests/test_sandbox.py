import pytest

from greenroom.accounts.models import Membership
from greenroom.organisation.models import Market, Person, Product, ProductArea, Team
from greenroom.sandbox import company, generator, strategy
from greenroom.strategy.models import KeyResult


def test_it_generates_the_same_files_from_the_same_seed(tmp_path):
    first = generator.generate(out_dir=tmp_path / "a", scale="small", seed=3)
    second = generator.generate(out_dir=tmp_path / "b", scale="small", seed=3)
    other = generator.generate(out_dir=tmp_path / "c", scale="small", seed=4)
    assert first.organisation.read_text() == second.organisation.read_text()
    assert first.organisation.read_text() != other.organisation.read_text()


def test_it_sizes_the_company_by_scale(tmp_path):
    import json

    def people(scale: str) -> int:
        files = generator.generate(out_dir=tmp_path / scale, scale=scale, seed=1)
        return len(json.loads(files.organisation.read_text())["people"])

    assert people("small") < people("medium") < people("large")


def test_it_refuses_an_unknown_scale(tmp_path):
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        generator.generate(out_dir=tmp_path, scale="huge")


@pytest.mark.django_db
def test_it_builds_a_coherent_company_through_the_importers(built_sandbox):
    workspace = built_sandbox.workspace
    teams = Team.objects.filter(workspace=workspace)
    assert 10 <= teams.count() <= 15
    assert Product.objects.filter(workspace=workspace).count() == 4
    assert not ProductArea.objects.filter(workspace=workspace, owner_team__isnull=True).exists()
    assert all(team.people.exists() for team in teams)
    assert Person.objects.filter(workspace=workspace, title="Product Manager").count() == 12
    assert Market.objects.filter(workspace=workspace).count() == 12
    roles = set(Membership.objects.filter(workspace=workspace).values_list("role", flat=True))
    assert roles == {"admin", "product_ops", "product_manager", "viewer"}


@pytest.mark.django_db
def test_it_lets_every_demo_user_sign_in(client, built_sandbox):
    for email, *_ in company.DEMO_USERS:
        response = client.post("/login/", {"username": email, "password": company.DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout/")


@pytest.mark.django_db
def test_it_loads_the_business_data_through_the_connectors_and_refreshes_metrics(built_sandbox):
    from greenroom.metrics.selectors import metric
    from greenroom.sources.models import Source

    workspace = built_sandbox.workspace
    sources = Source.objects.filter(workspace=workspace)
    assert {source.kind for source in sources} == {
        "fx_rates", "stripe_files", "posthog", "costs", "headcount",
    }  # fmt: skip
    assert all(source.status == "succeeded" for source in sources)
    mrr = metric("mrr", workspace=workspace, grain="month")
    assert mrr.rows and mrr.rows[-1]["value"] > 0
    assert {entry["source"] for entry in mrr.lineage} >= {"stripe-billing"}
    mau = metric("mau", workspace=workspace, by=["product"], grain="month")
    assert {row["product"] for row in mau.rows} >= {"workspace", "automate", "insights"}


def test_a_slices_target_stays_within_its_wholes():
    # Whole: MRR 100 now, target 120; the slice has 70 of it, so the rest has 30 and the
    # slice may be asked for at most 120 - 30 = 90.
    assert strategy.coherent_target(150.0, 70.0, (100.0, 120.0)) == 90.0
    assert strategy.coherent_target(85.0, 70.0, (100.0, 120.0)) == 85.0
    assert strategy.coherent_target(150.0, 70.0, None) == 150.0


@pytest.mark.django_db
def test_its_sliced_key_results_ask_no_more_than_the_company_ones(built_sandbox):
    bound = KeyResult.objects.filter(workspace=built_sandbox.workspace, source="metric")
    wholes = {(kr.metric_name, kr.metric_grain): kr for kr in bound if not kr.metric_where}
    sliced = [kr for kr in bound if kr.metric_where and (kr.metric_name, kr.metric_grain) in wholes]
    assert sliced, "the sandbox binds a key result to a slice of a company-wide one"
    for kr in sliced:
        whole = wholes[(kr.metric_name, kr.metric_grain)]
        assert kr.target <= whole.target, (kr.title, kr.target, whole.title, whole.target)
