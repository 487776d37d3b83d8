"""The pages: who sees data health and the feed, following and dismissing, the outsider,
dashboard views recorded by role, and the executive overview's newest changes."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from greenroom.accounts.choices import Role
from greenroom.accounts.models import AuditEvent
from greenroom.health.models import DashboardView, Finding
from greenroom.health.selectors import dashboard_readers, dashboard_views_by_role
from greenroom.sources.models import Source, SyncRun

pytestmark = pytest.mark.django_db

ALLOWED = {Role.ADMIN: 200, Role.PRODUCT_OPS: 200, Role.PRODUCT_MANAGER: 403, Role.VIEWER: 403}


def finding(workspace, **fields) -> Finding:
    values = {
        "kind": "segment_churn",
        "subject": "Mid-market",
        "period": date(2026, 11, 1),
        "title": "Churn in Mid-market rose to 6.0%",
        "summary": "12 of 200 churned.",
        "metric": "logo_churn",
        "value": 0.06,
        "baseline_median": 0.01,
        "z": 7.1,
        "series": [
            {"period": "2026-10-01", "value": 0.01},
            {"period": "2026-11-01", "value": 0.06},
        ],
    }
    return Finding.objects.create(workspace=workspace, **{**values, **fields})


@pytest.mark.parametrize(("role", "status"), ALLOWED.items())
def test_it_shows_data_health_to_product_ops_and_admins_only(personas, role, status):
    response = personas.client(personas.by_role()[role]).get("/data/health/")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Freshness against each schedule" in page
        assert "Nothing to compare yet" in page  # no billing, no CRM: says so


def test_it_sends_anonymous_visitors_to_sign_in(personas):
    for url in ("/data/health/", "/data/notable-changes/"):
        response = personas.client(None).get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_shows_the_feed_to_every_role_and_nothing_to_an_outsider(personas):
    finding(personas.workspace)
    for user in personas.by_role().values():
        page = personas.client(user).get("/data/notable-changes/").content.decode()
        assert "Churn in Mid-market rose to 6.0%" in page
    outsider = personas.client(personas.outsider).get("/data/notable-changes/").content.decode()
    assert "Mid-market" not in outsider and "Nothing unusual" in outsider


def test_it_refuses_an_outsider_another_workspaces_change(personas):
    found = finding(personas.workspace)
    client = personas.client(personas.outsider)
    assert client.get(f"/data/notable-changes/{found.pk}/").status_code == 404
    assert client.post(f"/data/notable-changes/{found.pk}/follow/").status_code == 404
    assert client.post(f"/data/notable-changes/{found.pk}/dismiss/").status_code == 404
    assert not found.followers.exists()


def test_it_lets_a_viewer_follow_a_change_but_not_dismiss_it(personas):
    found = finding(personas.workspace)
    client = personas.client(personas.viewer)
    response = client.post(f"/data/notable-changes/{found.pk}/follow/", {"next": "//evil.example"})
    assert (
        response.status_code == 302 and response["Location"] == f"/data/notable-changes/{found.pk}/"
    )
    assert list(found.followers.all()) == [personas.viewer]
    followed = client.get("/data/notable-changes/?show=followed").content.decode()
    assert "Stop following" in followed
    assert client.post(f"/data/notable-changes/{found.pk}/dismiss/").status_code == 403
    client.post(f"/data/notable-changes/{found.pk}/follow/", {"follow": "0"})
    assert not found.followers.exists()
    actions = list(
        AuditEvent.objects.filter(workspace=personas.workspace).values_list("action", flat=True)
    )
    assert actions.count("finding.follow") == 1 and actions.count("finding.unfollow") == 1


def test_it_lets_product_ops_dismiss_a_change_for_everyone_and_bring_it_back(personas):
    found = finding(personas.workspace)
    personas.client(personas.ops).post(f"/data/notable-changes/{found.pk}/dismiss/")
    found.refresh_from_db()
    assert found.dismissed_by == personas.ops
    viewer = personas.client(personas.viewer)
    assert "Churn in Mid-market" not in viewer.get("/data/notable-changes/").content.decode()
    assert (
        "Churn in Mid-market"
        in viewer.get("/data/notable-changes/?show=dismissed").content.decode()
    )
    personas.client(personas.admin).post(
        f"/data/notable-changes/{found.pk}/dismiss/", {"dismiss": "0"}
    )
    found.refresh_from_db()
    assert found.dismissed_at is None


def test_it_keeps_the_feed_to_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    for k in range(12):
        finding(personas.workspace, subject=f"Segment {k}")
    client = personas.client(personas.viewer)
    with django_assert_max_num_queries(12):
        assert client.get("/data/notable-changes/").status_code == 200


def test_it_records_dashboard_views_by_role_but_not_filter_changes(personas):
    personas.client(personas.viewer).get("/dashboards/executive/")
    personas.client(personas.viewer).get("/dashboards/usage/")
    personas.client(personas.ops).get("/dashboards/executive/")
    personas.client(personas.ops).get(
        "/dashboards/executive/", headers={"HX-Request": "true", "HX-Target": "dashboard"}
    )
    assert DashboardView.objects.for_workspace(personas.workspace).count() == 3
    table = {
        e["dashboard"]: e["roles"] for e in dashboard_views_by_role(workspace=personas.workspace)
    }
    assert table == {
        "executive": {Role.PRODUCT_OPS: (1, 1), Role.VIEWER: (1, 1)},
        "usage": {Role.VIEWER: (1, 1)},
    }
    ratio = dashboard_readers(workspace=personas.workspace)
    assert (ratio.numerator, ratio.denominator) == (2, 4)
    by_role = {role: dashboard_readers(workspace=personas.workspace, role=role) for role in Role}
    assert {role: (r.numerator, r.denominator) for role, r in by_role.items()} == {
        Role.ADMIN: (0, 1),
        Role.PRODUCT_OPS: (1, 1),
        Role.PRODUCT_MANAGER: (0, 1),
        Role.VIEWER: (1, 1),
    }
    scorecard = personas.client(personas.ops).get("/scorecard/").content.decode()
    assert "Dashboard readers: viewers" in scorecard
    page = personas.client(personas.ops).get("/data/health/").content.decode()
    assert "Who reads which dashboard" in page and "1 view · 1 member" in page


def test_it_puts_the_newest_changes_on_the_executive_overview(loaded):
    finding(loaded.workspace)
    page = loaded.client(loaded.ops).get("/dashboards/executive/").content.decode()
    assert "Newest notable changes" in page
    assert "Churn in Mid-market rose to 6.0%" in page
    assert "Not part of this version yet" not in page


def test_it_feeds_the_board_pack_and_digest_the_quarters_open_changes(personas):
    from greenroom.dashboards.boardpack.content import notable_changes

    workspace = personas.workspace
    inside = finding(workspace, subject="Mid-market", period=date(2026, 5, 1))
    finding(workspace, subject="Enterprise", period=date(2026, 2, 1))  # before the quarter
    dismissed = finding(workspace, subject="SMB", period=date(2026, 6, 1))
    dismissed.dismissed_at = timezone.now()
    dismissed.save()

    found = notable_changes(workspace=workspace, since=date(2026, 4, 1), until=date(2026, 7, 1))

    assert [notable.title for notable in found or []] == [inside.title]
    assert found and found[0].url == reverse("health:finding", args=[inside.pk])


def test_it_downloads_a_notable_changes_evidence_as_data_and_image(personas):
    item = finding(personas.workspace)
    client = personas.client(personas.viewer)
    csv = client.get(f"/data/notable-changes/{item.pk}/chart.csv")
    text = b"".join(csv.streaming_content).decode()
    assert csv.status_code == 200
    assert text.splitlines() == ["period,value", "2026-10-01,0.01", "2026-11-01,0.06"]
    assert client.get(f"/data/notable-changes/{item.pk}/chart.xlsx").content[:2] == b"PK"
    svg = client.get(f"/data/notable-changes/{item.pk}/chart.svg")
    assert svg.status_code == 200 and svg.content.startswith(b"<svg")
    assert "chart.png" in client.get("/data/notable-changes/").content.decode()
    outsider = personas.client(personas.outsider)
    assert outsider.get(f"/data/notable-changes/{item.pk}/chart.csv").status_code == 404
    assert client.get(f"/data/notable-changes/{item.pk}/chart.exe").status_code == 404


def test_it_draws_rows_loaded_over_every_day_of_the_window_and_offers_them(personas):
    source = Source.objects.create(workspace=personas.workspace, name="stripe", kind="stripe_files")
    for loaded in (1_200, 300):  # two syncs today: one bar of 1,500
        SyncRun.objects.create(source=source, status="succeeded", rows_loaded=loaded)
    client = personas.client(personas.ops)
    today = timezone.localdate()
    csv = client.get("/data/health/rows.csv")
    assert csv.status_code == 200
    assert b"".join(csv.streaming_content).decode().splitlines() == [
        "period,source,value",
        f"{today.isoformat()},stripe,1500",
    ]
    assert client.get("/data/health/rows.xlsx").content[:2] == b"PK"
    svg = client.get("/data/health/rows.svg")
    assert svg.status_code == 200 and svg.content.startswith(b"<svg")
    page = client.get("/data/health/").content.decode()
    assert "/data/health/rows.png" in page
    # The axis is the whole window, 30 days back to today, not the one day with syncs.
    first = timezone.localdate(timezone.now() - timedelta(days=30))
    assert f"{first.isoformat()}&quot;,&quot;{(today + timedelta(days=1)).isoformat()}" in page
    assert personas.client(personas.pm).get("/data/health/rows.csv").status_code == 403
    # An admin of another workspace gets their own rows: none.
    theirs = personas.client(personas.outsider).get("/data/health/rows.csv")
    assert b"".join(theirs.streaming_content).decode().splitlines() == ["period,source,value"]
