import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from greenroom.accounts import services as account_services
from greenroom.jobs.models import JobRun
from greenroom.sources.models import Source
from greenroom.sources.tests.conftest import FIXTURES
from greenroom.sources.tests.factories import SourceFactory, SyncRunFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_it_creates_lists_and_changes_a_source(personas, client):
    auth = _bearer(personas.ops)
    created = client.post(
        "/api/v1/sources/",
        {
            "name": "usage",
            "kind": "segment",
            "settings": {"product_property": "app"},
            "schedule": "15m",
        },
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    listed = client.get("/api/v1/sources/", **_bearer(personas.viewer)).json()
    assert [s["name"] for s in listed["items"]] == ["usage"]
    changed = client.patch(
        f"/api/v1/sources/{pk}", {"enabled": False}, content_type="application/json", **auth
    )
    assert changed.json()["enabled"] is False and changed.json()["schedule"] == "15m"


def test_it_answers_bad_input_with_422_naming_the_field(personas, client):
    auth = _bearer(personas.ops)
    response = client.post(
        "/api/v1/sources/",
        {"name": "Bad Name!", "kind": "costs"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422 and "name" in response.json()["error"]["details"]
    response = client.post(
        "/api/v1/sources/",
        {"name": "x", "kind": "costs", "settings": {"page_size": 5}},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422 and "settings" in response.json()["error"]["details"]
    response = client.post(
        "/api/v1/sources/", {"name": "x", "kind": "nope"}, content_type="application/json", **auth
    )
    assert response.status_code == 422


def test_viewers_cannot_create_or_sync(personas, client):
    source = SourceFactory(workspace=personas.workspace)
    auth = _bearer(personas.viewer)
    assert (
        client.post(
            "/api/v1/sources/",
            {"name": "x", "kind": "costs"},
            content_type="application/json",
            **auth,
        ).status_code
        == 403
    )
    assert client.post(f"/api/v1/sources/{source.pk}/sync", **auth).status_code == 403


def test_an_outsider_gets_404_for_everything_of_the_workspace(personas, client):
    source = SourceFactory(workspace=personas.workspace)
    run = SyncRunFactory(source=source)
    auth = _bearer(personas.outsider)
    assert client.get("/api/v1/sources/", **auth).json()["count"] == 0
    assert client.get(f"/api/v1/sources/{source.pk}", **auth).status_code == 404
    assert client.get(f"/api/v1/sources/{source.pk}/runs/{run.pk}", **auth).status_code == 404
    assert client.post(f"/api/v1/sources/{source.pk}/sync", **auth).status_code == 404


def test_it_uploads_syncs_and_reports_runs(personas, client, django_capture_on_commit_callbacks):
    source = SourceFactory(workspace=personas.workspace, kind="fx_rates")
    auth = _bearer(personas.ops)
    upload = client.post(
        f"/api/v1/sources/{source.pk}/files",
        {"file": SimpleUploadedFile("rates.csv", (FIXTURES / "fx.csv").read_bytes())},
        **auth,
    )
    assert upload.status_code == 201, upload.content
    with django_capture_on_commit_callbacks(execute=False):
        queued = client.post(f"/api/v1/sources/{source.pk}/sync", **auth)
    assert queued.status_code == 202
    job = JobRun.objects.get(pk=queued.json()["job_run_id"])
    # What the worker would do with the queued job:
    from greenroom.sources.tasks import sync_source

    sync_source.func(**job.arguments)
    # Loading rows queues an incremental metrics refresh, so dashboards stay fresh.
    assert JobRun.objects.filter(name="metrics.refresh", status="queued").count() == 1
    runs = client.get(f"/api/v1/sources/{source.pk}/runs", **auth).json()
    assert runs["items"][0]["rows_loaded"] == 3 and runs["items"][0]["trigger"] == "api"
    one = client.get(f"/api/v1/sources/{source.pk}/runs/{runs['items'][0]['id']}", **auth).json()
    assert one["status"] == "succeeded" and one["errors"] == []


def test_it_refuses_uploads_of_other_file_types(personas, client):
    source = SourceFactory(workspace=personas.workspace)
    response = client.post(
        f"/api/v1/sources/{source.pk}/files",
        {"file": SimpleUploadedFile("x.exe", b"MZ")},
        **_bearer(personas.ops),
    )
    assert response.status_code == 422


def test_run_lists_take_a_constant_number_of_queries(personas, client):
    source = SourceFactory(workspace=personas.workspace)
    for _ in range(20):
        SyncRunFactory(source=source)
    auth = _bearer(personas.viewer)
    with max_queries(8):
        assert client.get(f"/api/v1/sources/{source.pk}/runs", **auth).status_code == 200
    assert Source.objects.count() == 1


def test_a_path_from_the_api_must_be_inside_the_import_folder(personas, client, settings):
    auth = _bearer(personas.ops)
    for path in (
        "/etc/passwd",
        str(settings.DATA_DIR / "imports" / ".." / "secret.key"),
        "/etc/*.conf",
    ):
        response = client.post(
            "/api/v1/sources/",
            {"name": "x", "kind": "costs", "settings": {"path": path}},
            content_type="application/json",
            **auth,
        )
        assert response.status_code == 422, path
        assert "path must be inside" in str(response.json()["error"]["details"])
    inside = str(settings.DATA_DIR / "imports" / "gl" / "*.csv")
    response = client.post(
        "/api/v1/sources/",
        {"name": "x", "kind": "costs", "settings": {"path": inside}},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201
    changed = client.patch(
        f"/api/v1/sources/{response.json()['id']}",
        {"settings": {"path": "/etc"}},
        content_type="application/json",
        **auth,
    )
    assert changed.status_code == 422
