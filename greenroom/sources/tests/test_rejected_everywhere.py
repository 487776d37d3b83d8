"""Done when: the status shown after a rejected sync is "rejected" on every surface (the
source page, its sync history, the API, the CLI, the jobs list and API, the scorecard)."""

from io import StringIO

import pytest
from django.core.management import call_command

from greenroom import registry
from greenroom.accounts import services as account_services
from greenroom.jobs.models import JobRun
from greenroom.jobs.registry import run_now
from greenroom.registry import Measure, Ratio
from greenroom.sources.tasks import sync_source
from greenroom.sources.tests.conftest import make_source

pytestmark = pytest.mark.django_db

BAD_COSTS = "date,account,cost centre,amount,currency\n2025-01-31,6100,Billing,x,EUR\n"


@pytest.fixture
def rejected(personas, files):
    (files / "costs.csv").write_text(BAD_COSTS)
    source = make_source(personas.workspace, "costs", files / "costs.csv", name="ledger")
    job_run = run_now(
        sync_source,
        workspace_id=personas.workspace.pk,
        source_id=source.pk,
        actor_id=personas.ops.pk,
    )
    source.refresh_from_db()
    return source, job_run


def test_the_sync_its_source_and_its_job_run_are_all_rejected(rejected):
    source, job_run = rejected
    job_run.refresh_from_db()
    (run,) = source.runs.all()
    assert (run.status, source.status, job_run.status) == ("rejected", "rejected", "rejected")
    # Every row read is counted as rejected (not "Rejected 0").
    assert (run.rows_in, run.rows_rejected, run.rows_loaded) == (1, 1, 0)


def test_the_pages_say_rejected(personas, rejected):
    source, _ = rejected
    client = personas.client(personas.ops)
    detail = client.get(f"/sources/{source.pk}/").text
    assert '<span class="badge badge-bad">Rejected</span>' in detail
    assert ">Succeeded<" not in detail
    assert '<span class="badge badge-bad">Rejected</span>' in client.get("/sources/").text
    jobs = client.get("/jobs/").text
    assert '<span class="badge badge-bad">Rejected</span>' in jobs
    assert '<span class="badge badge-ok">Succeeded</span>' not in jobs


def test_the_api_says_rejected(personas, rejected, client):
    source, job_run = rejected
    _, secret = account_services.token_create(user=personas.ops, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(f"/api/v1/sources/{source.pk}", **auth).json()["status"] == "rejected"
    runs = client.get(f"/api/v1/sources/{source.pk}/runs", **auth).json()["items"]
    assert [item["status"] for item in runs] == ["rejected"]
    assert runs[0]["rows_rejected"] == 1
    job = client.get(f"/api/v1/jobs/runs/{job_run.pk}", **auth).json()
    assert job["status"] == "rejected"


def test_the_cli_says_rejected(personas, rejected):
    slug = ["--workspace", personas.workspace.slug]
    out = StringIO()
    call_command("sources", "list", *slug, stdout=out)
    (line,) = [text for text in out.getvalue().splitlines() if text.startswith("ledger")]
    assert "Rejected" in line and "never" in line  # last attempt is set, last loaded is not
    out = StringIO()
    call_command("sources", "runs", "ledger", *slug, stdout=out)
    assert "Rejected: 1 batch(es): 1 rows read: 0 loaded, 1 rejected" in out.getvalue()


def test_the_scorecard_does_not_count_it_as_a_success(personas, rejected):
    (measure,) = [m for m in registry.entries(Measure) if m.key == "jobs-succeeding"]
    assert measure.compute(workspace=personas.workspace) == Ratio(0, 1)
    assert JobRun.objects.get(name="sources.sync").status == "rejected"
