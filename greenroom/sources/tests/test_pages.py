import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from greenroom.accounts.models import AuditEvent
from greenroom.jobs.models import JobRun
from greenroom.sources.models import Source
from greenroom.sources.tests.conftest import FIXTURES
from greenroom.sources.tests.factories import SourceFactory, SyncRunFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db


def test_it_shows_an_empty_state_that_says_what_to_do(personas):
    page = personas.client(personas.ops).get("/sources/")
    assert page.status_code == 200
    assert b"No data sources yet" in page.content and b"Add a source" in page.content


def test_viewers_read_sources_and_their_reports_but_cannot_manage(personas):
    source = SourceFactory(workspace=personas.workspace, name="ledger")
    run = SyncRunFactory(source=source)
    client = personas.client(personas.viewer)
    listing = client.get("/sources/")
    assert b"ledger" in listing.content and b"Add a source" not in listing.content
    detail = client.get(f"/sources/{source.pk}/")
    assert detail.status_code == 200 and b"Sync now" not in detail.content
    report = client.get(f"/sources/{source.pk}/runs/{run.pk}/")
    assert b"not an amount: ten" in report.content
    assert client.post(f"/sources/{source.pk}/sync/").status_code == 403
    assert client.get("/sources/new/").status_code == 403


def test_product_managers_cannot_manage_sources_either(personas):
    source = SourceFactory(workspace=personas.workspace)
    client = personas.client(personas.pm)
    assert client.post(f"/sources/{source.pk}/sync/").status_code == 403


def test_an_outsider_sees_nothing_of_the_workspace(personas):
    source = SourceFactory(workspace=personas.workspace, name="acme-billing-export")
    run = SyncRunFactory(source=source)
    client = personas.client(personas.outsider)
    assert b"acme-billing-export" not in client.get("/sources/").content
    assert client.get(f"/sources/{source.pk}/").status_code == 404
    assert client.get(f"/sources/{source.pk}/runs/{run.pk}/").status_code == 404
    assert client.post(f"/sources/{source.pk}/sync/").status_code == 404


def test_product_ops_add_a_source_and_the_audit_trail_says_so(personas):
    client = personas.client(personas.ops)
    response = client.post(
        "/sources/new/",
        {
            "name": "ledger",
            "kind": "costs",
            "schedule": "1d",
            "quarantine": "on",
            "extra": '{"currency": "EUR"}',
        },
    )
    source = Source.objects.get(name="ledger")
    assert response.status_code == 302 and response.url == f"/sources/{source.pk}/"
    assert source.settings == {"currency": "EUR", "quarantine": True}
    assert AuditEvent.objects.filter(action="source.create", actor=personas.ops).exists()


def test_the_form_shows_bad_settings_and_schedules_next_to_their_fields(personas):
    client = personas.client(personas.ops)
    page = client.post(
        "/sources/new/",
        {"name": "ledger", "kind": "costs", "schedule": "often", "extra": '{"colour": "red"}'},
    )
    assert page.status_code == 200
    assert b"is not a schedule" in page.content
    assert not Source.objects.exists()
    page = client.post(
        "/sources/new/", {"name": "ledger", "kind": "costs", "extra": '{"colour": "red"}'}
    )
    assert b"is not a setting of this kind" in page.content


def test_uploading_a_file_then_mapping_a_renamed_column(personas):
    source = SourceFactory(workspace=personas.workspace, kind="costs", name="ledger")
    client = personas.client(personas.ops)
    text = (FIXTURES / "costs.csv").read_bytes().replace(b"Cost Center", b"Dept")
    response = client.post(
        f"/sources/{source.pk}/upload/", {"file": SimpleUploadedFile("gl.csv", text)}
    )
    assert response.status_code == 302
    page = client.get(f"/sources/{source.pk}/")
    assert b"Columns of" in page.content and b"missing column" in page.content
    client.post(f"/sources/{source.pk}/columns/", {"cost_centre": "Dept"})
    source.refresh_from_db()
    assert source.settings["columns"] == {"cost_centre": "Dept"}
    assert b"missing column" not in client.get(f"/sources/{source.pk}/").content


def test_sync_now_queues_a_background_job(personas, django_capture_on_commit_callbacks):
    source = SourceFactory(workspace=personas.workspace)
    with django_capture_on_commit_callbacks(execute=False):
        response = personas.client(personas.ops).post(f"/sources/{source.pk}/sync/")
    assert response.status_code == 302
    job = JobRun.objects.get(name="sources.sync")
    assert job.arguments["source_id"] == source.pk and job.arguments["trigger"] == "web"


def test_the_list_page_queries_do_not_grow_with_sources(personas):
    for _ in range(15):
        SourceFactory(workspace=personas.workspace)
    client = personas.client(personas.viewer)
    with max_queries(10):
        assert client.get("/sources/").status_code == 200


def test_the_history_is_a_partial_for_htmx(personas):
    source = SourceFactory(workspace=personas.workspace)
    SyncRunFactory(source=source)
    page = personas.client(personas.viewer).get(f"/sources/{source.pk}/", HTTP_HX_REQUEST="true")
    assert b"<h1>" not in page.content and b"1 problem" in page.content


def test_the_data_overview_summarises_sources_and_their_freshness(personas):
    SourceFactory(workspace=personas.workspace, name="acme-usage", rows_total=1234)
    page = personas.client(personas.viewer).get("/data/")
    assert page.status_code == 200
    assert b"acme-usage" in page.content and b"1,234 rows" in page.content
    assert b"never synced" in page.content


def test_product_ops_pause_a_source_and_change_its_settings(personas):
    source = SourceFactory(workspace=personas.workspace, schedule="1h")
    client = personas.client(personas.ops)
    assert client.get(f"/sources/{source.pk}/edit/").status_code == 200
    response = client.post(
        f"/sources/{source.pk}/edit/", {"schedule": "6h", "settings": '{"quarantine": true}'}
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.schedule, source.enabled, source.settings) == ("6h", False, {"quarantine": True})
    page = client.post(
        f"/sources/{source.pk}/edit/",
        {"schedule": "6h", "settings": '{"path": "/etc"}', "enabled": "on"},
    )
    assert b"path must be inside" in page.content
    assert personas.client(personas.viewer).get(f"/sources/{source.pk}/edit/").status_code == 403
    assert personas.client(personas.outsider).get(f"/sources/{source.pk}/edit/").status_code == 404
