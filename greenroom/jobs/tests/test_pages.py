import pytest
from django.urls import reverse

from greenroom.jobs.choices import JobStatus
from greenroom.jobs.tests.factories import JobRunFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db

URL = "/jobs/"


def test_it_is_mounted_where_the_navigation_expects():
    assert reverse("jobs:run_list") == URL


def test_it_explains_jobs_when_none_has_run(personas):
    response = personas.client(personas.admin).get(URL)

    assert response.status_code == 200
    assert "No job has run yet" in response.text
    assert "Background jobs do the work" in response.text
    assert "<table" not in response.text


def test_it_lists_runs_newest_first_with_status_and_log(personas):
    JobRunFactory(name="older.job", workspace=personas.workspace)
    JobRunFactory(
        name="crm.sync",
        workspace=personas.workspace,
        status=JobStatus.FAILED,
        attempt=3,
        duration_ms=2500,
        log_tail="INFO crm Calling the CRM",
        error="ConnectionError: CRM unreachable",
    )

    response = personas.client(personas.admin).get(URL)

    body = response.text
    assert response.status_code == 200
    assert body.index("crm.sync") < body.index("older.job")
    assert '<span class="badge badge-bad">Failed</span>' in body
    assert '<span class="badge badge-ok">Succeeded</span>' in body
    assert "2.5 s" in body
    assert "<details>" in body and "ConnectionError: CRM unreachable" in body


def test_it_filters_by_status_rerendering_only_the_table_for_htmx(personas):
    JobRunFactory(name="good.job", status=JobStatus.SUCCEEDED)
    JobRunFactory(name="bad.job", status=JobStatus.FAILED)

    response = personas.client(personas.admin).get(
        URL, {"status": "failed"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "bad.job" in response.text and "good.job" not in response.text
    assert "<html" not in response.text and "<table" in response.text


def test_it_says_when_nothing_matches_the_filter(personas):
    JobRunFactory(status=JobStatus.SUCCEEDED)

    response = personas.client(personas.admin).get(URL, {"status": "skipped"})

    assert "No runs match this filter" in response.text
    assert "No job has run yet" not in response.text


def test_it_ignores_an_unknown_status_in_the_address(personas):
    JobRunFactory(name="any.job")

    response = personas.client(personas.admin).get(URL, {"status": "exploded"})

    assert response.status_code == 200 and "any.job" in response.text


@pytest.mark.parametrize("role", ["ops", "pm", "viewer"])
def test_it_is_for_admins_only(personas, role):
    response = personas.client(getattr(personas, role)).get(URL)
    assert response.status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(personas):
    response = personas.client(None).get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_hides_another_workspaces_runs_from_an_outsider(personas):
    JobRunFactory(name="acme.digest", workspace=personas.workspace)
    JobRunFactory(name="jobs.housekeeping", workspace=None)

    response = personas.client(personas.outsider).get(URL)

    assert response.status_code == 200
    assert "acme.digest" not in response.text
    assert "jobs.housekeeping" in response.text  # system jobs are everyone's


def test_it_lists_in_a_constant_number_of_queries(personas):
    JobRunFactory.create_batch(40, workspace=personas.workspace)
    client = personas.client(personas.admin)
    with max_queries(8):
        assert client.get(URL).status_code == 200
