"""The roadmap as a PNG image: the portfolio and a team's board open as images of the
size their layout gives, for a viewer too; an empty portfolio is an image saying so."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from greenroom.strategy import png, services

pytestmark = pytest.mark.django_db


def _image(response) -> Image.Image:
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    image = Image.open(io.BytesIO(response.content))
    image.load()  # the whole file decodes, not only its header
    return image


@pytest.fixture
def items(personas, goals):
    ws, ops = personas.workspace, personas.ops
    mine, other = goals["mine"].team, goals["other"].team
    later = services.roadmap_item_save(
        actor=ops, workspace=ws, data={"title": "Trial emails", "team": other, "column": "Later"}
    )
    now = services.roadmap_item_save(
        actor=ops,
        workspace=ws,
        data={
            "title": "Usage invoices for every plan, metered daily and billed monthly in arrears",
            "team": mine,
            "column": "Now",
            "key_result": goals["kr"],
        },
    )
    services.roadmap_item_save(actor=ops, workspace=ws, data={}, instance=now, dependencies=[later])
    services.roadmap_item_save(
        actor=ops,
        workspace=ws,
        data={"title": "Recurring invoices", "team": mine, "column": "Next"},
    )
    return {"mine": mine}


# Three columns side by side, at twice the size.
WIDTH = png.SCALE * (2 * png.MARGIN + 3 * png.COLUMN_WIDTH + 2 * png.GAP)


def test_it_exports_the_portfolio_as_a_png_a_viewer_can_open(personas, items):
    client = personas.client(personas.viewer)
    for group in ("intent", "initiative", "product"):
        image = _image(client.get(reverse("strategy:portfolio"), {"group": group, "export": "png"}))
        assert image.size[0] == WIDTH
        assert 2 * 200 < image.size[1] < 2 * 600  # the header, two lanes, a few lines


def test_it_exports_a_teams_board_as_a_png(personas, items):
    client = personas.client(personas.pm)
    url = reverse("strategy:roadmap")
    image = _image(client.get(url, {"team": items["mine"].pk, "export": "png"}))
    assert image.size[0] == WIDTH and 2 * 200 < image.size[1] < 2 * 500
    assert b"export=png" in client.get(url, {"team": items["mine"].pk}).content


def test_an_empty_portfolio_is_an_image_saying_so(personas):
    client = personas.client(personas.viewer)
    image = _image(client.get(reverse("strategy:portfolio"), {"export": "png"}))
    assert image.size[1] < 2 * 200
    # Not a blank page: the title and the message are drawn in the page's ink.
    assert image.convert("L").getextrema()[0] < 100
