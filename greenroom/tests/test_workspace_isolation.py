"""Two companies on one install never see or change each other's business data: their
sources, syncs, refreshes, metrics and job runs stay apart through pages, API and commands."""

import io

import pytest
from django.core.management import CommandError, call_command

from greenroom.accounts import services as account_services
from greenroom.jobs.models import JobRun
from greenroom.metrics import selectors, store
from greenroom.sources import services as source_services
from greenroom.sources.models import Source

pytestmark = pytest.mark.django_db

HEADER = "Entry ID,Posting Date,GL Account,Cost Center,Amount,Currency,Memo\n"
AS_OF = "2025-02-28"


def _ledger(tmp_path, name: str, amount: str):
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + f"JE-{name},2025-01-31,6100 Salaries,Billing,{amount},USD,payroll\n")
    return path


def _costs_source(workspace, path, name="ledger"):
    source = source_services.source_create(
        actor=None,
        workspace=workspace,
        name=name,
        kind="costs",
        settings={"path": str(path)},
        trusted=True,
    )
    source_services.source_sync(source=source)
    return source


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_companies(personas, tmp_path):
    """Acme and the outsider's company, each with a ledger source of the same name."""
    other = personas.outsider.memberships.get().workspace
    _costs_source(personas.workspace, _ledger(tmp_path, "acme", "1000.00"))
    _costs_source(other, _ledger(tmp_path, "other", "99999999.00"))
    _costs_source(other, _ledger(tmp_path, "other-more", "5.00"), name="other-only")
    for workspace in (personas.workspace, other):
        _command("refresh", "--as-of", AS_OF, "--workspace", workspace.slug)
    return personas, other


def _january_cost(workspace) -> float:
    rows = selectors.metric("cost", workspace=workspace).rows
    return sum(row["value"] for row in rows if str(row["period"]) == "2025-01-01")


def test_each_workspace_has_its_own_store_and_metrics(two_companies):
    personas, other = two_companies
    assert _january_cost(personas.workspace) == pytest.approx(1000)
    assert _january_cost(other) == pytest.approx(99999999 + 5)
    assert store.workspace_folder(personas.workspace.pk) != store.workspace_folder(other.pk)
    lineage = selectors.metric("cost", workspace=personas.workspace).lineage
    assert [(entry["source"], entry["rows_loaded"]) for entry in lineage] == [("ledger", 1)]


def test_source_names_are_unique_per_workspace_only(two_companies):
    _, other = two_companies
    assert Source.objects.filter(name="ledger").count() == 2
    with pytest.raises(Exception, match="already exists"):
        _costs_source(other, "unused.csv")


def test_the_api_and_pages_show_only_the_workspace_s_own_data(two_companies):
    personas, other = two_companies
    client = personas.client(personas.ops)
    auth = _bearer(personas.ops)
    body = client.get("/api/v1/metrics/cost", **auth).json()
    assert "99999999" not in str(body)
    assert {entry["source"] for entry in body["lineage"]} == {"ledger"}
    names = [item["name"] for item in client.get("/api/v1/sources/", **auth).json()["items"]]
    assert names == ["ledger"]
    assert "other-only" not in client.get("/sources/").content.decode()
    assert "99,999,999" not in client.get("/metrics/").content.decode()
    theirs = Source.objects.get(workspace=other, name="other-only")
    assert client.get(f"/api/v1/sources/{theirs.pk}", **auth).status_code == 404
    assert client.get(f"/sources/{theirs.pk}/").status_code == 404


def test_refresh_job_runs_belong_to_their_workspace(two_companies):
    personas, other = two_companies
    mine = JobRun.objects.get(name="metrics.refresh", workspace=personas.workspace)
    theirs = JobRun.objects.get(name="metrics.refresh", workspace=other)
    client = personas.client(personas.admin)
    auth = _bearer(personas.admin)
    listed = {item["id"] for item in client.get("/api/v1/jobs/runs", **auth).json()["items"]}
    assert mine.pk in listed and theirs.pk not in listed
    assert client.get(f"/api/v1/jobs/runs/{theirs.pk}", **auth).status_code == 404


def test_commands_act_on_the_named_workspace_and_refuse_to_guess(two_companies):
    personas, other = two_companies
    listing = _command("sources", "list", "--workspace", other.slug)
    assert "other-only" in listing and listing.count("ledger") == 1
    assert "other-only" not in _command("sources", "list", "--workspace", personas.workspace.slug)
    for args in (("sources", "list"), ("refresh",), ("sources", "sync", "--all")):
        with pytest.raises(CommandError, match="--workspace"):
            _command(*args)
    with pytest.raises(CommandError, match="No source named 'other-only'"):
        _command("sources", "sync", "other-only", "--workspace", personas.workspace.slug)
