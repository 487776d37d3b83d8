"""Custom dashboards: product ops compose and publish them to teams, members of those teams
read them and nobody else does; tiles read the same numbers as metrics.selectors; a tile
whose metric or slice is gone explains itself; every write is audited; downloads work."""

import re

import pytest

from greenroom.accounts.models import AuditEvent
from greenroom.dashboards import custom, services
from greenroom.dashboards.models import CustomDashboard, Tile
from greenroom.metrics import selectors as metrics
from greenroom.organisation.models import Person
from greenroom.testing.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(loaded):
    """A dashboard published to team Growth (the viewer is in it) with two tiles."""
    growth = TeamFactory(workspace=loaded.workspace, name="Growth")
    Person.objects.create(workspace=loaded.workspace, name="Vi", team=growth, user=loaded.viewer)
    dashboard = services.custom_dashboard_create(
        actor=loaded.ops, workspace=loaded.workspace, name="Growth board", teams=[growth]
    )
    services.tile_add(actor=loaded.ops, dashboard=dashboard, metric="mrr", chart="line")
    services.tile_add(
        actor=loaded.ops, dashboard=dashboard, metric="arr", chart="ranked", by="product"
    )
    loaded.dashboard = dashboard
    loaded.growth = growth
    return loaded


def test_it_shows_a_team_dashboard_to_a_viewer_in_that_team(board):
    page = board.client(board.viewer).get(f"/dashboards/custom/{board.dashboard.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Growth board" in html and html.count('class="chart"') == 2
    assert "Edit dashboard" not in html
    listing = board.client(board.viewer).get("/dashboards/custom/").content.decode()
    assert "Growth board" in listing and "New dashboard" not in listing


def test_it_hides_a_team_dashboard_from_other_teams_and_the_outsider(board):
    for user in (board.pm, board.outsider):  # the PM is in no team; the outsider elsewhere
        client = board.client(user)
        assert client.get(f"/dashboards/custom/{board.dashboard.pk}/").status_code == 404
        assert "Growth board" not in client.get("/dashboards/custom/").content.decode()
        download = client.get(f"/dashboards/custom/{board.dashboard.pk}/tiles/1.csv")
        assert download.status_code == 404


def test_it_lets_viewers_read_but_not_edit(board):
    client = board.client(board.viewer)
    pk = board.dashboard.pk
    tile = board.dashboard.tiles.first()
    assert client.get(f"/dashboards/custom/{pk}/edit/").status_code == 403
    assert client.post(f"/dashboards/custom/{pk}/tiles/", {"metric": "mrr"}).status_code == 403
    assert client.post(f"/dashboards/custom/{pk}/tiles/{tile.pk}/remove/").status_code == 403
    assert client.post(f"/dashboards/custom/{pk}/delete/").status_code == 403
    assert client.post("/dashboards/custom/", {"name": "Mine"}).status_code == 403
    assert Tile.objects.filter(dashboard=board.dashboard).count() == 2


def test_it_refuses_an_outsider_editing_another_workspaces_dashboard(board):
    client = board.client(board.outsider)  # an admin, of another workspace
    assert client.get(f"/dashboards/custom/{board.dashboard.pk}/edit/").status_code == 404
    assert client.post(f"/dashboards/custom/{board.dashboard.pk}/delete/").status_code == 404
    assert CustomDashboard.objects.filter(pk=board.dashboard.pk).exists()


def test_it_composes_a_dashboard_through_the_pages_and_audits_each_step(loaded):
    team = TeamFactory(workspace=loaded.workspace, name="Core")
    client = loaded.client(loaded.ops)
    response = client.post("/dashboards/custom/", {"name": "Core KPIs", "teams": [team.pk]})
    dashboard = CustomDashboard.objects.get(name="Core KPIs")
    assert response.status_code == 302 and list(dashboard.teams.all()) == [team]
    add = f"/dashboards/custom/{dashboard.pk}/tiles/"
    base = {"chart": "line", "grain": "month", "period": "12m"}
    assert client.post(add, {**base, "metric": "mrr"}).status_code == 302
    assert (
        client.post(add, {**base, "metric": "active_users", "chart": "number"}).status_code == 302
    )
    _first, second = dashboard.tiles.order_by("position")
    client.post(f"/dashboards/custom/{dashboard.pk}/tiles/{second.pk}/move/", {"direction": "up"})
    assert [t.metric for t in dashboard.tiles.order_by("position")] == ["active_users", "mrr"]
    actions = set(
        AuditEvent.objects.for_workspace(loaded.workspace).values_list("action", flat=True)
    )
    assert {"custom_dashboard.create", "tile.add", "tile.move"} <= actions


REFUSED = [
    ({"metric": "mrr", "chart": "number", "by": "segment"}, "headline number is one figure"),
    ({"metric": "mrr", "chart": "ranked"}, "need a dimension"),
    ({"metric": "stickiness", "grain": "day"}, "is counted per"),
    ({"metric": "cost", "by": "segment"}, "is not sliced by segment"),
    ({"metric": "mrr", "period": "2025Q9"}, "is not a period"),
    ({"metric": "no_such_metric"}, "Select a valid choice"),
    ({"metric": "mrr", "filter": "segment=<script>"}, "Select a valid choice"),
]


def test_it_refuses_a_tile_it_could_not_draw_and_says_why(board):
    client = board.client(board.ops)
    for fields, message in REFUSED:
        data = {"chart": "line", "grain": "month", "period": "12m", **fields}
        response = client.post(f"/dashboards/custom/{board.dashboard.pk}/tiles/", data)
        assert response.status_code == 400, fields
        assert message in response.content.decode().replace("&#x27;", "'"), fields
    assert board.dashboard.tiles.count() == 2


def test_it_draws_the_same_numbers_as_the_metrics_selectors(board):
    tile = board.dashboard.tiles.get(metric="mrr")
    as_of = metrics.as_of(workspace=board.workspace)
    view = custom.render_tile(
        tile,
        workspace=board.workspace,
        as_of=as_of,
        values=metrics.dimension_values(workspace=board.workspace),
    )
    assert view.problem == ""
    # Month-end MRR worked by hand in metrics' fixtures: Jan 505 … May 830.
    assert [r["value"] for r in view.chart.rows] == pytest.approx([505, 770, 740, 750, 830])


def test_it_shows_a_headline_number_with_its_change(board):
    tile = services.tile_add(
        actor=board.ops, dashboard=board.dashboard, metric="mrr", chart="number", period="3m"
    )
    view = custom.render_tile(
        tile,
        workspace=board.workspace,
        as_of=metrics.as_of(workspace=board.workspace),
        values=metrics.dimension_values(workspace=board.workspace),
    )
    # May 830 against April 750: +10.7 %.
    assert view.headline["value"] == pytest.approx(830)
    assert view.headline["change"] == pytest.approx(830 / 750 - 1)
    assert (view.headline["label"], view.headline["compared"]) == ("May 2026", "Apr 2026")


def test_it_marks_a_headline_number_for_a_running_period_to_date(board):
    # Data end on 31 May 2026: the second quarter runs to 30 June, so its figure is to date.
    tile = services.tile_add(
        actor=board.ops,
        dashboard=board.dashboard,
        metric="mrr",
        chart="number",
        grain="quarter",
        period="2026Q2",
    )
    view = custom.render_tile(
        tile,
        workspace=board.workspace,
        as_of=metrics.as_of(workspace=board.workspace),
        values=metrics.dimension_values(workspace=board.workspace),
    )
    assert view.headline["partial"] and view.headline["label"] == "Q2 2026"
    assert view.headline["value"] == pytest.approx(830)  # MRR at the end of the data, 31 May
    page = board.client(board.viewer).get(f"/dashboards/custom/{board.dashboard.pk}/")
    html = page.content.decode()
    # The period named, then (no quarter before it in the data) no comparison, then "to date".
    assert re.search(
        r'Q2 2026 ·</span>\s*<span class="muted">no comparison</span></span>\s*'
        r'<span class="badge badge-warn">to date</span>',
        html,
    )


def test_it_names_a_complete_headline_period_at_its_grain(board):
    tile = services.tile_add(
        actor=board.ops, dashboard=board.dashboard, metric="mrr", chart="number", grain="day"
    )
    view = custom.render_tile(
        tile,
        workspace=board.workspace,
        as_of=metrics.as_of(workspace=board.workspace),
        values=metrics.dimension_values(workspace=board.workspace),
    )
    assert not view.headline["partial"] and view.headline["label"] == "31 May 2026"
    page = board.client(board.viewer).get(f"/dashboards/custom/{board.dashboard.pk}/")
    assert "31 May 2026" in page.content.decode()


GONE = [
    ({"metric": "retired_metric"}, "which no longer exists"),
    ({"filter_dimension": "segment", "filter_value": "Gone"}, "no longer exists in the data"),
    ({"by": "team"}, "no longer sliced by"),
    ({"grain": "day", "metric": "stickiness"}, "is not counted per day"),
    ({"period": "20x5"}, "is not a period"),
]


def test_it_explains_a_tile_whose_metric_or_slice_no_longer_exists(board):
    tile = board.dashboard.tiles.get(metric="mrr")
    client = board.client(board.viewer)
    original = {f: getattr(tile, f) for f in ("metric", "filter_dimension", "filter_value")}
    for change, says in GONE:
        fields = {**original, "by": "", "grain": "month", "period": "12m", **change}
        Tile.objects.filter(pk=tile.pk).update(**fields)  # as if the metrics or data changed
        response = client.get(f"/dashboards/custom/{board.dashboard.pk}/")
        assert response.status_code == 200, change
        html = response.content.decode()
        assert says in html and html.count('class="chart"') == 1, change
        download = client.get(f"/dashboards/custom/{board.dashboard.pk}/tiles/{tile.pk}.csv")
        assert download.status_code == 404, change


def test_it_downloads_each_tile_as_data_and_image(board):
    tile = board.dashboard.tiles.get(metric="mrr")
    client = board.client(board.viewer)
    for fmt in ("csv", "xlsx", "png", "svg"):
        response = client.get(f"/dashboards/custom/{board.dashboard.pk}/tiles/{tile.pk}.{fmt}")
        assert response.status_code == 200, fmt
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if fmt == "csv":
            assert body.decode().splitlines()[0].startswith("period,value,status")
            assert "830" in body.decode()
        assert len(body) > 100, fmt


def test_it_says_when_a_team_has_no_dashboards(loaded):
    html = loaded.client(loaded.viewer).get("/dashboards/custom/").content.decode()
    assert "No dashboards for your team yet" in html


def test_it_reads_a_dashboard_page_in_a_bounded_number_of_queries(
    board, django_assert_max_num_queries
):
    client = board.client(board.viewer)
    client.get(f"/dashboards/custom/{board.dashboard.pk}/")  # warm the metric answers
    with django_assert_max_num_queries(14):
        client.get(f"/dashboards/custom/{board.dashboard.pk}/")
