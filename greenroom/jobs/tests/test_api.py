import pytest

from greenroom.accounts import services as account_services
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.tests.factories import JobRunFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db

URL = "/api/v1/jobs/runs"


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_it_lists_runs_newest_first_with_pagination(personas, client):
    for name in ["first", "second", "third"]:
        JobRunFactory(name=name, workspace=personas.workspace)

    page = client.get(f"{URL}?limit=2&offset=0", **_bearer(personas.admin)).json()

    assert page["count"] == 3
    assert [item["name"] for item in page["items"]] == ["third", "second"]
    assert page["items"][0]["status"] == "succeeded"
    assert {"attempt", "duration_ms", "log_tail", "error", "next_attempt_at"} <= set(
        page["items"][0]
    )


def test_it_filters_by_name_and_status(personas, client):
    for name, status in [
        ("crm.sync", JobStatus.FAILED),
        ("crm.sync", JobStatus.SUCCEEDED),
        ("digest.send", JobStatus.FAILED),
    ]:
        JobRunFactory(name=name, status=status, workspace=personas.workspace)
    auth = _bearer(personas.admin)

    found = client.get(f"{URL}?name=crm.sync&status=failed", **auth).json()
    invalid = client.get(f"{URL}?status=exploded", **auth)

    assert [(item["name"], item["status"]) for item in found["items"]] == [("crm.sync", "failed")]
    assert invalid.status_code == 422


def test_it_shows_one_run(personas, client):
    run = JobRunFactory(workspace=personas.workspace, error="Boom")

    response = client.get(f"{URL}/{run.pk}", **_bearer(personas.admin))

    assert response.status_code == 200
    assert response.json()["id"] == run.pk and response.json()["error"] == "Boom"


@pytest.mark.parametrize("role", ["pm", "viewer"])
def test_it_is_for_admins_and_product_ops_only(personas, client, role):
    run = JobRunFactory(workspace=personas.workspace)
    auth = _bearer(getattr(personas, role))

    assert client.get(URL, **auth).status_code == 403
    assert client.get(f"{URL}/{run.pk}", **auth).status_code == 403


def test_it_hides_another_workspaces_runs_from_an_outsider(personas, client):
    run = JobRunFactory(name="acme.digest", workspace=personas.workspace)
    auth = _bearer(personas.outsider)

    assert client.get(f"{URL}/{run.pk}", **auth).status_code == 404
    assert client.get(URL, **auth).json()["count"] == 0


def test_it_keeps_system_runs_from_workspace_admins_and_outsiders(personas, client):
    system = JobRunFactory(name="metrics.refresh", workspace=None, error="Traceback …")

    for user in (personas.admin, personas.outsider):
        auth = _bearer(user)
        assert client.get(f"{URL}/{system.pk}", **auth).status_code == 404
        assert client.get(URL, **auth).json()["count"] == 0


def test_it_shows_system_runs_to_a_superuser(personas, client):
    system = JobRunFactory(name="metrics.refresh", workspace=None)
    JobRunFactory(name="acme.digest", workspace=personas.workspace)
    personas.admin.is_superuser = True
    personas.admin.save()
    auth = _bearer(personas.admin)

    assert client.get(f"{URL}/{system.pk}", **auth).status_code == 200
    assert client.get(URL, **auth).json()["count"] == 2


def test_it_cuts_server_paths_out_of_errors_for_all_but_a_superuser(personas, client):
    run = JobRunFactory(
        workspace=personas.workspace,
        error="duckdb.InvalidInputException: No magic bytes found at end of file "
        "'/srv/greenroom/data/uploads/sources/ledger/q1.parquet'",
        log_tail="INFO greenroom.sources loading /srv/greenroom/data/imports/gl/q1.csv",
    )

    shown = client.get(f"{URL}/{run.pk}", **_bearer(personas.admin)).json()
    listed = client.get(URL, **_bearer(personas.admin)).json()["items"][0]
    personas.admin.is_superuser = True
    personas.admin.save()
    whole = client.get(f"{URL}/{run.pk}", **_bearer(personas.admin)).json()

    assert "/srv" not in shown["error"] + shown["log_tail"]
    assert listed["error"] == shown["error"] and listed["log_tail"] == shown["log_tail"]
    assert shown["error"].endswith("end of file 'q1.parquet'")
    assert whole["error"] == run.error and whole["log_tail"] == run.log_tail


def test_it_needs_authentication(client):
    assert client.get(URL).status_code == 401


def test_it_lists_in_a_constant_number_of_queries(personas, client):
    JobRunFactory.create_batch(40, workspace=personas.workspace)
    auth = _bearer(personas.admin)
    with max_queries(8):
        assert client.get(URL, **auth).status_code == 200


def test_product_ops_read_their_workspaces_runs(personas, client):
    run = JobRunFactory(name="sources.sync", workspace=personas.workspace)
    auth = _bearer(personas.ops)

    assert client.get(f"{URL}/{run.pk}", **auth).json()["name"] == "sources.sync"
    assert client.get(URL, **auth).json()["count"] == 1


def test_it_leaves_out_no_op_housekeeping_unless_asked(personas, client):
    personas.admin.is_superuser = True
    personas.admin.save()
    JobRunFactory(name="sources.sync_due", workspace=None, status=JobStatus.SKIPPED)
    JobRunFactory(name="sources.sync", workspace=personas.workspace)
    auth = _bearer(personas.admin)

    assert [item["name"] for item in client.get(URL, **auth).json()["items"]] == ["sources.sync"]
    assert client.get(f"{URL}?housekeeping=true", **auth).json()["count"] == 2
