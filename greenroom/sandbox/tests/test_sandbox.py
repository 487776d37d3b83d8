import pytest

from greenroom.accounts.models import Membership
from greenroom.organisation.models import Market, Person, Product, ProductArea, Team
from greenroom.sandbox import company, generator


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
