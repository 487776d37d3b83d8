"""Data health and the insights feed over the API: who may read what, following and
dismissing (audited), the outsider, and malformed requests answered in the error shape."""

from datetime import timedelta

import pytest
from django.utils import timezone

from greenroom.accounts import services as account_services
from greenroom.accounts.choices import Role
from greenroom.accounts.models import AuditEvent
from greenroom.health.tests.test_pages import finding
from greenroom.sources.models import Source, SyncRun
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db

HEALTH = ["/api/v1/health/sources", "/api/v1/health/failed-syncs", "/api/v1/health/discrepancies"]


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def sources(personas):
    ws = personas.workspace
    now = timezone.now()
    daily = Source.objects.create(
        workspace=ws,
        name="stripe",
        kind="stripe_files",
        schedule="0 6 * * *",
        last_synced_at=now - timedelta(days=3),
    )
    SyncRun.objects.create(
        source=daily,
        status="rejected",
        rows_rejected=2,
        message="2 rows rejected",
        errors=[{"file": "invoices.csv", "row": 4, "field": "amount", "message": "not a number"}],
        errors_total=2,
    )
    return daily


@pytest.mark.parametrize("url", HEALTH)
def test_it_gives_data_health_to_product_ops_and_admins_only(personas, sources, client, url):
    for role, user in personas.by_role().items():
        response = client.get(url, **_bearer(user))
        expected = 200 if role in (Role.ADMIN, Role.PRODUCT_OPS) else 403
        assert response.status_code == expected, (role, url)
        if expected == 403:
            assert response.json()["error"]["code"]


def test_it_says_how_late_each_source_is_against_its_schedule(personas, sources, client):
    headers = _bearer(personas.ops)
    with max_queries(6):
        response = client.get("/api/v1/health/sources", **headers)
    [row] = response.json()
    # Daily at 06:00, last synced three days ago: late by its schedule.
    assert row["name"] == "stripe" and row["state"] == "late"
    assert row["age_seconds"] == pytest.approx(3 * 86400, abs=60)
    failed = client.get("/api/v1/health/failed-syncs", **headers).json()
    assert failed[0]["status"] == "rejected" and failed[0]["errors"][0]["row"] == 4


def test_it_says_there_is_nothing_to_compare_without_data(personas, client):
    body = client.get("/api/v1/health/discrepancies", **_bearer(personas.admin)).json()
    assert body["crm_billing"]["available"] is False and body["payroll"]["available"] is False


def test_it_shows_an_outsider_nothing(personas, sources, client):
    item = finding(personas.workspace)
    headers = _bearer(personas.outsider)
    assert client.get("/api/v1/health/sources", **headers).json() == []
    assert client.get("/api/v1/health/insights", **headers).json()["items"] == []
    assert client.get(f"/api/v1/health/insights/{item.pk}", **headers).status_code == 404
    follow = client.post(
        f"/api/v1/health/insights/{item.pk}/follow", {}, content_type="application/json", **headers
    )
    assert follow.status_code == 404


def test_it_lets_every_role_follow_and_only_product_ops_dismiss(personas, client):
    item = finding(personas.workspace)
    url = f"/api/v1/health/insights/{item.pk}"
    viewer = _bearer(personas.viewer)
    with max_queries(8):
        listed = client.get("/api/v1/health/insights", **viewer).json()["items"]
    assert [i["title"] for i in listed] == ["Churn in Mid-market rose to 6.0%"]
    assert listed[0]["followed"] is False
    followed = client.post(f"{url}/follow", {}, content_type="application/json", **viewer)
    assert followed.status_code == 200 and followed.json()["followed"] is True
    mine = client.get("/api/v1/health/insights?show=followed", **viewer).json()["items"]
    assert [i["id"] for i in mine] == [item.pk]
    refused = client.post(f"{url}/dismiss", {}, content_type="application/json", **viewer)
    assert refused.status_code == 403
    ops = _bearer(personas.ops)
    dismissed = client.post(f"{url}/dismiss", {}, content_type="application/json", **ops)
    assert dismissed.status_code == 200 and dismissed.json()["dismissed_at"]
    assert client.get("/api/v1/health/insights", **ops).json()["items"] == []
    back = client.post(f"{url}/dismiss", {"dismiss": False}, content_type="application/json", **ops)
    assert back.json()["dismissed_at"] is None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"finding.follow", "finding.dismiss", "finding.restore"} <= actions


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/health/insights?show=everything", None),
        ("get", "/api/v1/health/insights?limit=-1", None),
        ("get", "/api/v1/health/insights/abc", None),
        ("get", "/api/v1/health/insights/99999999999999999999999", None),
        ("post", "/api/v1/health/insights/1/follow", "{not json"),
        ("post", "/api/v1/health/insights/1/dismiss", '{"dismiss": "perhaps"}'),
    ],
)
def test_it_answers_malformed_requests_in_the_error_shape(personas, client, method, url, body):
    headers = _bearer(personas.ops)
    if method == "get":
        response = client.get(url, **headers)
    else:
        response = client.post(url, body, content_type="application/json", **headers)
    assert 400 <= response.status_code < 500, response.content
    assert "error" in response.json()
