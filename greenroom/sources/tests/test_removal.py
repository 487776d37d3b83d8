"""Files and sources can be removed, after a page saying what happens to their data; audited,
for product ops and admins only, on the pages and in the API. And the source page follows a
sync by itself while one is queued or running."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from greenroom.accounts import services as account_services
from greenroom.accounts.models import AuditEvent
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.models import JobRun
from greenroom.jobs.tests.factories import JobRunFactory
from greenroom.sources import services
from greenroom.sources.choices import RunStatus
from greenroom.sources.connectors.files import upload_dir
from greenroom.sources.models import Source, SyncRun
from greenroom.sources.tests.conftest import fixture_copy, make_source, query
from greenroom.sources.tests.factories import SourceFactory, SyncRunFactory

pytestmark = pytest.mark.django_db
BAD_COSTS = b"date,account,cost centre,amount,currency\n2025-01-31,6100,Billing,x,EUR\n"


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def loaded(personas, files, django_capture_on_commit_callbacks):
    """Two sources that synced: the one to remove (4 cost rows) and one that stays."""
    gone = make_source(personas.workspace, "costs", fixture_copy("costs.csv", files), name="gone")
    kept = make_source(personas.workspace, "fx_rates", fixture_copy("fx.csv", files), name="kept")
    services.source_sync(source=gone)
    services.source_sync(source=kept)
    gone.refresh_from_db()
    return gone, kept


def test_removing_a_source_deletes_its_rows_history_and_cursor_and_queues_a_refresh(
    personas, loaded, django_capture_on_commit_callbacks
):
    gone, _ = loaded
    assert query("SELECT _source, count(*) FROM raw.costs GROUP BY 1") == [("gone", 4)]
    fx_rates = query("SELECT count(*) FROM raw.fx_rates")
    assert fx_rates[0][0] > 0
    with django_capture_on_commit_callbacks(execute=False):
        removed = services.source_delete(actor=personas.ops, source=gone)
    assert removed == 4
    assert query("SELECT count(*) FROM raw.costs") == [(0,)]
    assert query("SELECT count(*) FROM raw.fx_rates") == fx_rates
    assert query("SELECT count(*) FROM meta.batches WHERE source = 'gone'") == [(0,)]
    assert not Source.objects.filter(name="gone").exists()
    assert not SyncRun.objects.filter(source_id=gone.pk).exists()
    refresh = JobRun.objects.get(name="metrics.refresh")
    assert refresh.arguments == {"workspace_id": personas.workspace.pk, "full": True}
    event = AuditEvent.objects.get(action="source.delete")
    assert event.detail == {"name": "gone", "kind": "costs"} and event.actor == personas.ops


def test_the_confirmation_page_says_what_happens_to_the_data(personas, loaded):
    gone, _ = loaded
    page = personas.client(personas.ops).get(f"/sources/{gone.pk}/delete/").text
    assert "Remove the source “gone”?" in page
    assert "<strong>4 rows</strong>" in page and "<strong>deleted</strong>" in page
    assert "are not touched" in page  # the folder it read from
    assert Source.objects.filter(pk=gone.pk).exists()  # a GET removes nothing


def test_product_ops_remove_a_source_on_its_page(
    personas, loaded, django_capture_on_commit_callbacks
):
    gone, _ = loaded
    with django_capture_on_commit_callbacks(execute=False):
        response = personas.client(personas.ops).post(f"/sources/{gone.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/sources/"
    assert not Source.objects.filter(pk=gone.pk).exists()


@pytest.mark.parametrize("role", ["pm", "viewer"])
def test_only_product_ops_and_admins_remove_sources_and_files(personas, role):
    source = SourceFactory(workspace=personas.workspace)
    client = personas.client(getattr(personas, role))
    assert client.get(f"/sources/{source.pk}/delete/").status_code == 403
    assert client.post(f"/sources/{source.pk}/delete/").status_code == 403
    assert client.post(f"/sources/{source.pk}/files/a.csv/delete/").status_code == 403
    api = client.delete(f"/api/v1/sources/{source.pk}", **_bearer(getattr(personas, role)))
    assert api.status_code == 403
    assert Source.objects.filter(pk=source.pk).exists()


def test_an_outsider_cannot_see_or_remove_a_source(personas):
    source = SourceFactory(workspace=personas.workspace)
    client = personas.client(personas.outsider)
    assert client.get(f"/sources/{source.pk}/delete/").status_code == 404
    assert client.post(f"/sources/{source.pk}/delete/").status_code == 404
    assert client.get(f"/sources/{source.pk}/state/").status_code == 404
    api = client.delete(f"/api/v1/sources/{source.pk}", **_bearer(personas.outsider))
    assert api.status_code == 404
    assert Source.objects.filter(pk=source.pk).exists()


def test_a_rejected_upload_can_be_removed_and_is_not_reported_again(personas):
    source = SourceFactory(workspace=personas.workspace, kind="costs", name="ledger")
    upload = SimpleUploadedFile("bad.csv", BAD_COSTS)
    saved = services.source_upload(actor=personas.ops, source=source, upload=upload)
    assert services.source_sync(source=source).status == RunStatus.REJECTED
    client = personas.client(personas.ops)
    detail = client.get(f"/sources/{source.pk}/").text
    assert saved.name in detail and f"/sources/{source.pk}/files/{saved.name}/delete/" in detail
    confirm = client.get(f"/sources/{source.pk}/files/{saved.name}/delete/").text
    assert "Rows it already loaded <strong>stay</strong>" in confirm
    response = client.post(f"/sources/{source.pk}/files/{saved.name}/delete/")
    assert response.status_code == 302 and not saved.exists()
    assert AuditEvent.objects.get(action="source_file.delete").detail == {"file": saved.name}
    assert services.source_sync(source=source).status == RunStatus.SKIPPED


def test_the_api_lists_and_removes_uploads_and_removes_sources(
    personas, client, django_capture_on_commit_callbacks
):
    source = SourceFactory(workspace=personas.workspace, kind="costs", name="ledger")
    saved = services.source_upload(
        actor=personas.ops, source=source, upload=SimpleUploadedFile("a.csv", BAD_COSTS)
    )
    auth = _bearer(personas.ops)
    listed = client.get(f"/api/v1/sources/{source.pk}/files", **auth).json()
    assert listed == [{"name": saved.name, "size": len(BAD_COSTS)}]
    assert client.delete(f"/api/v1/sources/{source.pk}/files/nope.csv", **auth).status_code == 404
    gone = client.delete(f"/api/v1/sources/{source.pk}/files/{saved.name}", **auth)
    assert gone.status_code == 204 and not saved.exists()
    with django_capture_on_commit_callbacks(execute=False):
        removed = client.delete(f"/api/v1/sources/{source.pk}", **auth)
    assert removed.status_code == 200 and removed.json() == {"rows_removed": 0}
    assert not upload_dir(personas.workspace.pk, "ledger").exists()


def test_a_file_name_cannot_reach_outside_the_sources_uploads(personas):
    source = SourceFactory(workspace=personas.workspace, kind="costs")
    client = personas.client(personas.ops)
    for name in ("..", "...", "%2e%2e"):
        response = client.post(f"/sources/{source.pk}/files/{name}/delete/")
        assert response.status_code == 404


def test_the_page_polls_while_a_sync_is_queued_and_reloads_when_it_is_over(personas):
    source = SourceFactory(workspace=personas.workspace)
    job = JobRunFactory(
        name="sources.sync",
        workspace=personas.workspace,
        status=JobStatus.QUEUED,
        arguments={"workspace_id": personas.workspace.pk, "source_id": source.pk},
    )
    client = personas.client(personas.viewer)
    page = client.get(f"/sources/{source.pk}/").text
    assert 'hx-trigger="every 2s"' in page and "Sync queued" in page
    assert "<script" not in page.split("<main", 1)[1]  # no inline script: the CSP forbids it
    state = client.get(f"/sources/{source.pk}/state/", HTTP_HX_REQUEST="true")
    assert state.status_code == 200 and 'hx-trigger="every 2s"' in state.text
    assert "<html" not in state.text

    job.status = JobStatus.RUNNING
    job.save()
    SyncRunFactory(source=source, status=RunStatus.RUNNING, rows_in=10, rows_loaded=7)
    state = client.get(f"/sources/{source.pk}/state/", HTTP_HX_REQUEST="true").text
    assert "Syncing" in state and "10 rows read, 7 loaded" in state

    job.status = JobStatus.REJECTED
    job.save()
    SyncRun.objects.filter(source=source).update(status=RunStatus.REJECTED)
    over = client.get(f"/sources/{source.pk}/state/", HTTP_HX_REQUEST="true")
    assert over.headers["HX-Refresh"] == "true"
    assert 'hx-trigger="every 2s"' not in client.get(f"/sources/{source.pk}/").text


def _remove(*args: str, answer: str | None = None, monkeypatch=None) -> str:
    from io import StringIO

    from django.core.management import call_command

    from greenroom.sources.management.commands import sources as command

    if answer is not None:
        monkeypatch.setattr(command.sys.stdin, "isatty", lambda: True, raising=False)
        monkeypatch.setattr(command, "_ask", lambda question: answer)
    out = StringIO()
    slug = Source.objects.first().workspace.slug  # the personas' workspace holds every source
    call_command("sources", "remove", *args, "--workspace", slug, stdout=out)
    return out.getvalue()


def test_the_remove_command_says_what_happens_to_the_data_and_asks_first(
    personas, loaded, monkeypatch, django_capture_on_commit_callbacks
):
    gone, _ = loaded
    printed = _remove("gone", answer="n", monkeypatch=monkeypatch)
    assert "Remove the source gone (General-ledger cost lines" in printed
    assert "The 4 rows it loaded into the analytics store" in printed
    assert f"Files it read from {gone.settings['path']} are not touched." in printed
    assert "Kept: nothing was removed." in printed
    assert Source.objects.filter(name="gone").exists()
    with django_capture_on_commit_callbacks(execute=False):
        printed = _remove("gone", answer="y", monkeypatch=monkeypatch)
    assert "Removed gone and the 4 rows it had loaded" in printed
    assert not Source.objects.filter(name="gone").exists()
    assert query("SELECT count(*) FROM raw.costs") == [(0,)]
    assert AuditEvent.objects.filter(action="source.delete").count() == 1


def test_without_a_terminal_the_remove_command_needs_yes(
    personas, loaded, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.management.base import CommandError

    from greenroom.sources.management.commands import sources as command

    monkeypatch.setattr(command.sys.stdin, "isatty", lambda: False, raising=False)
    with pytest.raises(CommandError, match="add --yes"):
        _remove("gone")
    assert Source.objects.filter(name="gone").exists()
    with django_capture_on_commit_callbacks(execute=False):
        printed = _remove("gone", "--yes")
    assert "Removed gone and the 4 rows" in printed
    assert query("SELECT count(*) FROM raw.costs") == [(0,)]
    with pytest.raises(CommandError, match="No source named 'kept2'"):
        _remove("kept2", "--yes")
