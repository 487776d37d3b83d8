"""Team dashboards over the API: members of a team read its dashboards with their figures,
nobody else does; product ops compose them (audited), checked as the editor checks them;
malformed requests answer in the error shape, never a 500."""

import pytest

from greenroom.accounts import services as account_services
from greenroom.accounts.models import AuditEvent
from greenroom.dashboards import services
from greenroom.dashboards.models import CustomDashboard, Tile
from greenroom.organisation.models import Person
from greenroom.testing.factories import TeamFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def board(loaded):
    """A dashboard published to team Growth (the viewer is in it): MRR as a headline number
    over three months, and a tile for a segment the data does not have."""
    growth = TeamFactory(workspace=loaded.workspace, name="Growth")
    Person.objects.create(workspace=loaded.workspace, name="Vi", team=growth, user=loaded.viewer)
    dashboard = services.custom_dashboard_create(
        actor=loaded.ops, workspace=loaded.workspace, name="Growth board", teams=[growth]
    )
    services.tile_add(
        actor=loaded.ops, dashboard=dashboard, metric="mrr", chart="number", period="3m"
    )
    services.tile_add(
        actor=loaded.ops,
        dashboard=dashboard,
        metric="mrr",
        filter_dimension="segment",
        filter_value="Gone",
    )
    loaded.dashboard, loaded.growth = dashboard, growth
    return loaded


def test_it_gives_a_team_member_their_dashboard_with_its_figures(board, client):
    headers = _bearer(board.viewer)
    with max_queries(10):  # sign-in, the member's teams, count, page, teams: not per row
        listed = client.get("/api/v1/dashboards/custom", **headers)
    assert [d["name"] for d in listed.json()["items"]] == ["Growth board"]
    assert listed.json()["items"][0]["team_ids"] == [board.growth.pk]
    body = client.get(f"/api/v1/dashboards/custom/{board.dashboard.pk}", **headers).json()
    number, gone = body["tiles"]
    # Month-end MRR by hand (metrics' fixtures): Mar 740, Apr 750, May 830; May against April.
    assert [r["value"] for r in number["rows"]] == pytest.approx([740, 750, 830])
    assert number["headline"]["value"] == pytest.approx(830)
    assert number["headline"]["change"] == pytest.approx(830 / 750 - 1)
    assert number["problem"] == "" and body["as_of"] == "2026-05-31"
    assert "no longer exists in the data" in gone["problem"] and gone["rows"] == []


def test_it_hides_a_team_dashboard_from_other_teams_and_the_outsider(board, client):
    for user in (board.pm, board.outsider):
        headers = _bearer(user)
        assert client.get("/api/v1/dashboards/custom", **headers).json()["items"] == []
        got = client.get(f"/api/v1/dashboards/custom/{board.dashboard.pk}", **headers)
        assert got.status_code == 404 and got.json()["error"]["code"]
    outsider = _bearer(board.outsider)
    patch = client.patch(
        f"/api/v1/dashboards/custom/{board.dashboard.pk}", {"name": "x"}, JSON, **outsider
    )
    assert patch.status_code == 404  # an admin elsewhere: nothing here


def test_it_lets_product_ops_compose_and_viewers_only_read(board, client):
    viewer, ops = _bearer(board.viewer), _bearer(board.ops)
    payload = {"name": "Revenue", "team_ids": [board.growth.pk]}
    assert client.post("/api/v1/dashboards/custom", payload, JSON, **viewer).status_code == 403
    created = client.post("/api/v1/dashboards/custom", payload, JSON, **ops)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    tiles = f"/api/v1/dashboards/custom/{pk}/tiles"
    tile = {"metric": "arr", "chart": "ranked", "by": "segment"}
    assert client.post(tiles, tile, JSON, **viewer).status_code == 403
    added = client.post(tiles, tile, JSON, **ops)
    assert added.status_code == 201, added.content
    tile_id = added.json()["id"]
    changed = client.patch(f"{tiles}/{tile_id}", {"period": "6M"}, JSON, **ops)
    assert changed.status_code == 200 and changed.json()["period"] == "6m"
    assert changed.json()["by"] == "segment"  # kept
    renamed = client.patch(f"/api/v1/dashboards/custom/{pk}", {"team_ids": []}, JSON, **ops)
    assert renamed.json()["team_ids"] == [] and renamed.json()["name"] == "Revenue"
    assert client.delete(f"{tiles}/{tile_id}", **viewer).status_code == 403
    assert client.delete(f"{tiles}/{tile_id}", **ops).status_code == 204
    assert client.delete(f"/api/v1/dashboards/custom/{pk}", **ops).status_code == 204
    assert not CustomDashboard.objects.filter(pk=pk).exists()
    assert not Tile.objects.filter(pk=tile_id).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "custom_dashboard.create",
        "tile.add",
        "tile.update",
        "custom_dashboard.publish",
        "tile.remove",
        "custom_dashboard.delete",
    } <= actions


REFUSED_TILES = [
    ({"metric": "no_such_metric"}, "metric"),
    ({"metric": "mrr", "by": "team"}, "by"),
    ({"metric": "stickiness", "grain": "day"}, "grain"),
    ({"metric": "mrr", "period": "2025Q9"}, "period"),
    ({"metric": "mrr", "filter_dimension": "segment", "filter_value": "Nope"}, "filter"),
    ({"metric": "mrr", "chart": "number", "by": "segment"}, "by"),
    ({"metric": "mrr", "chart": "pie"}, "chart"),
]
MALFORMED = [
    ("post", "/api/v1/dashboards/custom", '{"name": ""}'),
    ("post", "/api/v1/dashboards/custom", '{"name": "X", "team_ids": [999999]}'),
    ("post", "/api/v1/dashboards/custom", '{"name": "Growth board"}'),
    ("post", "/api/v1/dashboards/custom", "{not json"),
    ("post", "/api/v1/dashboards/custom", '{"name": "X", "team_ids": "all"}'),
    ("get", "/api/v1/dashboards/custom/abc", None),
    ("get", "/api/v1/dashboards/custom/99999999999999999999999", None),
    ("get", "/api/v1/dashboards/custom?limit=-5", None),
    ("patch", "/api/v1/dashboards/custom/999999", '{"name": "X"}'),
    ("post", "/api/v1/dashboards/custom/999999/tiles", '{"metric": "mrr"}'),
]


def test_it_refuses_what_the_editor_refuses_and_never_fails(board, client):
    headers = _bearer(board.ops)
    url = f"/api/v1/dashboards/custom/{board.dashboard.pk}/tiles"
    for payload, field in REFUSED_TILES:
        response = client.post(url, payload, JSON, **headers)
        assert response.status_code == 422, (payload, response.content)
        assert field in response.json()["error"]["details"], payload
    for method, address, body in MALFORMED:
        if body is None:
            response = getattr(client, method)(address, **headers)
        else:
            response = getattr(client, method)(address, body, JSON, **headers)
        assert 400 <= response.status_code < 500, (address, body, response.content)
        assert "error" in response.json(), (address, body)
    assert board.dashboard.tiles.count() == 2
