"""The selector, the API, the refresh command and the page, on a store in the data folder."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from greenroom.jobs.models import JobRun
from greenroom.metrics import selectors, services, store
from greenroom.metrics.tests import fixtures, test_usage
from greenroom.metrics.tests.raw import RawLoader
from greenroom.organisation.models import Market, ProductArea, Region
from greenroom.testing.factories import ProductFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(settings, tmp_path, personas):
    """The revenue and usage fixtures in the store, refreshed by the command."""
    _organisation(personas.workspace)
    with store.writer(personas.workspace.pk) as connection:
        loader = RawLoader(connection)
        fixtures.load_revenue(loader)
        loader.rows("events", test_usage.EVENTS, source="segment")
    out = io.StringIO()
    call_command(
        "refresh",
        "--as-of",
        fixtures.AS_OF.isoformat(),
        "--workspace",
        personas.workspace.slug,
        stdout=out,
    )
    return personas, out.getvalue()


def _organisation(workspace) -> None:
    dashboards = TeamFactory(workspace=workspace, name="Dashboards")
    reporting = TeamFactory(workspace=workspace, name="Reporting")
    insights = ProductFactory(
        workspace=workspace, name="Harbor Insights", key="insights", owner_team=dashboards
    )
    ProductFactory(workspace=workspace, name="Harbor Workspace", key="workspace")
    for name, team in (("Charts", dashboards), ("Exports", reporting), ("Alerts", reporting)):
        ProductArea.objects.create(
            workspace=workspace, product=insights, name=name, owner_team=team
        )
    emea = Region.objects.create(workspace=workspace, name="EMEA", code="EMEA")
    Market.objects.create(workspace=workspace, name="DACH", region=emea, countries="DE, at")


def test_it_passes_product_keys_markets_and_team_shares_to_the_store(loaded):
    personas, _ = loaded
    reference = services.reference_for(workspace=personas.workspace)
    assert reference.markets == [("DE", "DACH", "EMEA"), ("AT", "DACH", "EMEA")]
    assert sorted(reference.team_products) == [
        ("Dashboards", "insights", "Charts", 1.0),
        ("Reporting", "insights", "Alerts", 0.5),
        ("Reporting", "insights", "Exports", 0.5),
    ]


def test_it_refreshes_with_progress_as_a_recorded_job(loaded):
    _, output = loaded
    assert "Revenue: subscription lines" in output
    assert "refreshed." in output
    assert JobRun.objects.filter(name="metrics.refresh", status="succeeded").count() == 1


def test_it_returns_rows_with_definition_freshness_and_lineage(loaded):
    personas, _ = loaded
    result = selectors.metric(
        "mrr", workspace=personas.workspace, by=["product"], period=(date(2026, 5, 1), None)
    )
    assert {r["product"]: r["value"] for r in result.rows} == pytest.approx(
        {"insights": 200, "workspace": 630}
    )
    assert result.definition["formula"].startswith("sum over subscription invoice lines")
    assert result.freshness["as_of"] == fixtures.AS_OF
    tables = {entry["table"] for entry in result.lineage}
    assert {"raw.stripe_invoices", "raw.fx_rates", "raw.crm_accounts"} <= tables
    assert "raw.events" not in tables


def test_it_lists_metric_definitions_to_members(loaded):
    personas, _ = loaded
    response = personas.client(personas.viewer).get("/api/v1/metrics/?limit=100")
    assert response.status_code == 200
    names = {item["name"] for item in response.json()["items"]}
    assert {"mrr", "mrr_movements", "nrr", "grr", "mau", "feature_adoption"} <= names


def test_it_computes_a_metric_over_the_api(loaded):
    personas, _ = loaded
    response = personas.client(personas.viewer).get(
        "/api/v1/metrics/mau?by=product&where=product:workspace&start=2026-01-01"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["rows"] == [
        {"period": "2026-01-01", "product": "workspace", "value": 2, "partial": False},
        {"period": "2026-02-01", "product": "workspace", "value": 3, "partial": False},
    ]
    assert body["lineage"][0]["table"] == "raw.crm_accounts"
    assert body["freshness"]["as_of"] == "2026-05-31"


def test_it_answers_a_bad_query_with_a_clear_422(loaded):
    personas, _ = loaded
    client = personas.client(personas.viewer)
    response = client.get("/api/v1/metrics/cost?grain=day")
    assert response.status_code == 422
    assert "at grain month, quarter" in response.json()["error"]["details"]["query"][0]
    assert client.get("/api/v1/metrics/mrr?where=segment").status_code == 422
    assert client.get("/api/v1/metrics/nope").status_code == 422


def test_it_shows_an_outsider_nothing(loaded):
    personas, _ = loaded
    client = personas.client(personas.outsider)
    assert client.get("/api/v1/metrics/mrr").status_code == 404
    assert client.get("/metrics/").status_code == 200
    assert "Acme" not in client.get("/metrics/").content.decode()
    assert "No business data" in client.get("/metrics/").content.decode()


def test_it_refuses_anonymous_requests(loaded):
    personas, _ = loaded
    assert personas.client(None).get("/api/v1/metrics/mrr").status_code == 401


def test_it_renders_the_dashboard_with_freshness_and_lineage(loaded):
    personas, _ = loaded
    page = personas.client(personas.viewer).get("/metrics/").content.decode()
    for text in (
        "MRR",
        "830",
        "Net revenue retention",
        "Monthly active users",
        "raw.stripe_invoices",
        "2026-05-31",
    ):
        assert text in page


def test_it_says_what_to_do_before_any_data(personas):
    page = personas.client(personas.viewer).get("/metrics/").content.decode()
    assert "greenroom refresh" in page
