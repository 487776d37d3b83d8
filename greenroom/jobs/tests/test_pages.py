from pathlib import Path

import pytest
from django.urls import reverse

from greenroom.jobs.choices import JobStatus
from greenroom.jobs.tests.factories import JobRunFactory
from greenroom.sources.tests.factories import SourceFactory
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
    JobRunFactory(name="good.job", status=JobStatus.SUCCEEDED, workspace=personas.workspace)
    JobRunFactory(name="bad.job", status=JobStatus.FAILED, workspace=personas.workspace)

    response = personas.client(personas.admin).get(
        URL, {"status": "failed"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "bad.job" in response.text and "good.job" not in response.text
    assert "<html" not in response.text and "<table" in response.text


def test_it_says_when_nothing_matches_the_filter(personas):
    JobRunFactory(status=JobStatus.SUCCEEDED, workspace=personas.workspace)

    response = personas.client(personas.admin).get(URL, {"status": "skipped"})

    assert "No runs match this filter" in response.text
    assert "No job has run yet" not in response.text


def test_it_ignores_an_unknown_status_in_the_address(personas):
    JobRunFactory(name="any.job", workspace=personas.workspace)

    response = personas.client(personas.admin).get(URL, {"status": "exploded"})

    assert response.status_code == 200 and "any.job" in response.text


@pytest.mark.parametrize("role", ["pm", "viewer"])
def test_it_is_for_admins_and_product_ops_only(personas, role):
    response = personas.client(getattr(personas, role)).get(URL)
    assert response.status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(personas):
    response = personas.client(None).get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_hides_another_workspaces_runs_and_system_runs_from_an_outsider(personas):
    JobRunFactory(name="acme.digest", workspace=personas.workspace)
    JobRunFactory(name="jobs.housekeeping", workspace=None, error="Traceback (most recent …")

    response = personas.client(personas.outsider).get(URL)

    assert response.status_code == 200
    assert "acme.digest" not in response.text
    assert "jobs.housekeeping" not in response.text and "Traceback" not in response.text


def test_it_shows_system_runs_to_an_install_operator_only(personas):
    JobRunFactory(name="acme.digest", workspace=personas.workspace)
    JobRunFactory(name="metrics.refresh", workspace=None)

    admin_page = personas.client(personas.admin).get(URL).text
    personas.admin.is_superuser = True
    personas.admin.save()
    operator_page = personas.client(personas.admin).get(URL).text

    assert "acme.digest" in admin_page and "metrics.refresh" not in admin_page
    assert "acme.digest" in operator_page and "metrics.refresh" in operator_page


def test_it_shows_errors_and_logs_without_server_paths_to_workspace_admins(personas, settings):
    data = Path(settings.DATA_DIR)
    JobRunFactory(
        name="sources.sync",
        workspace=personas.workspace,
        status=JobStatus.FAILED,
        error=f'  File "/srv/greenroom/app/greenroom/sources/loader.py", line 9\n'
        f"FileNotFoundError: [Errno 2] No such file or directory: '{data}/imports/gl/q1.csv'",
        log_tail=f"INFO reading {data}/uploads/sources/ledger/2025-q1.csv",
    )

    admin_page = personas.client(personas.admin).get(URL).text
    personas.admin.is_superuser = True
    personas.admin.save()
    operator_page = personas.client(personas.admin).get(URL).text

    assert "/srv/" not in admin_page and str(data) not in admin_page
    assert "&#x27;gl/q1.csv&#x27;" in admin_page and "sources/ledger/2025-q1.csv" in admin_page
    assert f"{data}/imports/gl/q1.csv" in operator_page


def test_it_lists_in_a_constant_number_of_queries(personas):
    JobRunFactory.create_batch(40, workspace=personas.workspace)
    client = personas.client(personas.admin)
    with max_queries(8):
        assert client.get(URL).status_code == 200


def test_product_ops_see_their_workspaces_runs_but_not_system_runs(personas):
    JobRunFactory(name="sources.sync", workspace=personas.workspace)
    JobRunFactory(name="jobs.housekeeping", workspace=None, status=JobStatus.FAILED)

    response = personas.client(personas.ops).get(URL)

    assert response.status_code == 200
    assert "sources.sync" in response.text and "jobs.housekeeping" not in response.text
    assert personas.client(personas.pm).get(URL).status_code == 403


def test_it_hides_no_op_housekeeping_unless_asked(personas):
    personas.admin.is_superuser = True
    personas.admin.save()
    JobRunFactory(name="sources.sync_due", workspace=None, status=JobStatus.SKIPPED)
    JobRunFactory(name="customers.recover_imports", workspace=None, status=JobStatus.FAILED)
    JobRunFactory(name="sources.sync", workspace=personas.workspace, status=JobStatus.SKIPPED)
    client = personas.client(personas.admin)

    shown = client.get(URL).text
    # A failed check and a workspace's own skipped sync stay; the scheduler's no-op goes.
    assert "<code>customers.recover_imports</code>" in shown
    assert "<code>sources.sync</code>" in shown
    assert "<code>sources.sync_due</code>" not in shown
    assert "<code>sources.sync_due</code>" in client.get(URL, {"housekeeping": "1"}).text


def test_it_names_what_a_run_is_about_instead_of_showing_ids(personas):
    source = SourceFactory(workspace=personas.workspace, name="stripe-billing")
    personas.ops.first_name, personas.ops.last_name = "Olu", "Ops"
    personas.ops.save()
    JobRunFactory(
        name="sources.sync",
        workspace=personas.workspace,
        arguments={
            "workspace_id": personas.workspace.pk,
            "source_id": source.pk,
            "actor_id": personas.ops.pk,
            "trigger": "web",
        },
    )
    JobRunFactory(
        name="sources.sync",
        workspace=personas.workspace,
        arguments={"workspace_id": personas.workspace.pk, "source_id": 987654},
    )

    body = personas.client(personas.ops).get(URL).text

    assert "stripe-billing" in body and "Olu Ops" in body
    assert "#987654 (removed)" in body
    assert "source_id" not in body and "actor_id" not in body and "workspace_id" not in body


def test_the_job_list_query_count_does_not_grow_with_runs(personas):
    for number in range(12):
        source = SourceFactory(workspace=personas.workspace, name=f"s{number}")
        JobRunFactory(
            name="sources.sync",
            workspace=personas.workspace,
            arguments={"source_id": source.pk, "actor_id": personas.admin.pk},
        )
    client = personas.client(personas.admin)
    with max_queries(14):
        assert client.get(URL).status_code == 200
