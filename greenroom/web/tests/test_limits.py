"""What a request may send: more gets 413 with the limit, in the API's error shape or as a
page that says what to do, and never a 500."""

import json
import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from greenroom.customers.models import ImportRun
from greenroom.lib import env
from greenroom.sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.MAX_UPLOAD_SIZE = 2000
    settings.MAX_REQUEST_BODY = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    return settings


def _records(count: int) -> str:
    return json.dumps(
        {"source": "generic", "records": [{"id": f"a{n}", "name": "x" * 20} for n in range(count)]}
    )


def test_an_api_body_over_the_limit_gets_413_saying_the_limit(personas, limits):
    client = personas.client(personas.ops)
    response = client.post(
        "/api/v1/customers/accounts/upsert", _records(100), content_type="application/json"
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert error["message"].startswith("Requests up to 1 KB are accepted (this one is 4.")
    assert error["details"] == {"max_upload_bytes": 2000, "max_request_body_bytes": 1000}
    small = client.post(
        "/api/v1/customers/accounts/upsert", _records(3), content_type="application/json"
    )
    assert small.status_code == 200, small.content


def test_a_body_too_large_for_django_gets_413_from_the_api_too(personas, settings):
    """Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) answered 500 in the API."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = personas.client(personas.ops).post(
        "/api/v1/customers/accounts/upsert", _records(100), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_page_upload_over_the_limit_gets_a_page_saying_the_limit(personas, limits):
    client = personas.client(personas.ops)
    assert "up to 2 KB" in client.get("/customers/imports/").content.decode()
    upload = SimpleUploadedFile("big.csv", b"id,name\n" + b"1,x\n" * 5000, "text/csv")
    response = client.post(
        "/customers/imports/", {"kind": "accounts", "format": "auto", "file": upload}
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "Files up to 2 KB can be uploaded (this one is 20" in page
    assert "GREENROOM_MAX_UPLOAD_SIZE" in page and 'href="/customers/imports/"' in page
    assert not ImportRun.objects.exists()


def test_an_api_upload_over_the_limit_gets_413(personas, limits):
    upload = SimpleUploadedFile("big.csv", b"id,name\n" + b"1,x\n" * 5000, "text/csv")
    response = personas.client(personas.ops).post(
        "/api/v1/customers/imports", {"file": upload, "kind": "accounts"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["message"].startswith("Files up to 2 KB can be uploaded")


def test_one_file_over_the_limit_is_refused_even_when_the_request_could_hold_it(personas, limits):
    """A request may carry up to the upload limit plus the body limit (form fields): a file
    just over the upload limit is caught as it arrives."""
    client = personas.client(personas.ops)
    over = SimpleUploadedFile("over.csv", b"id,name\n" + b"1,x\n" * 600, "text/csv")
    response = client.post(
        "/customers/imports/", {"kind": "accounts", "format": "auto", "file": over}
    )
    assert response.status_code == 413
    under = SimpleUploadedFile("under.csv", b"id,name\n" + b"1,x\n" * 400, "text/csv")
    response = client.post(
        "/customers/imports/", {"kind": "accounts", "format": "auto", "file": under}
    )
    assert response.status_code == 302


def test_source_uploads_are_held_to_the_same_limit(personas, limits):
    source = SourceFactory(workspace=personas.workspace, kind="fx_rates")
    client = personas.client(personas.ops)
    rates = b"date,currency,rate\n" + b"2026-01-01,EUR,1.1\n" * 500
    api = client.post(
        f"/api/v1/sources/{source.pk}/files", {"file": SimpleUploadedFile("fx.csv", rates)}
    )
    assert api.status_code == 413 and api.json()["error"]["code"] == "too_large"
    page = client.post(
        f"/sources/{source.pk}/upload/", {"file": SimpleUploadedFile("fx.csv", rates)}
    )
    assert page.status_code == 413 and "Files up to 2 KB" in page.content.decode()


@pytest.mark.parametrize(
    ("text", "size", "shown"),
    [
        ("100MB", 100_000_000, "100 MB"),
        ("512MiB", 536_870_912, "537 MB"),
        ("1.5 gb", 1.5e9, "1.5 GB"),
    ],
)
def test_it_reads_sizes_in_powers_of_1000_or_1024(text, size, shown):
    assert env.size_bytes(text) == size
    assert env.size_text(env.size_bytes(text)) == shown


def test_it_reports_limits_it_cannot_read_as_system_checks(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "GREENROOM_DATABASE_URL"}
    environment |= {
        "GREENROOM_DATA_DIR": str(tmp_path),
        "GREENROOM_MAX_UPLOAD_SIZE": "lots",
        "GREENROOM_MAX_REQUEST_BODY": "0MB",
    }
    result = subprocess.run(
        [sys.executable, "-m", "greenroom.cli", "check"],
        capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "GREENROOM_MAX_UPLOAD_SIZE='lots' is not valid" in result.stderr
    assert "GREENROOM_MAX_REQUEST_BODY='0MB' is not valid: expected a size above 0" in result.stderr
