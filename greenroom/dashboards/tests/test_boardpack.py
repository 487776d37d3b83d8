"""The board pack: its slides and figures against the metrics layer and hand-worked values,
its PDF twin, a quarter without data, the CLI, the job and its page, and who may do what.

The fixture (``loaded``): month-end MRR Jan 505, Feb 770, Mar 740, Apr 750, May 830 (2026),
refreshed as of 2026-05-31. Q2 2026's headline month is May (complete), compared with Feb.
"""

import io
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from PIL import Image as PILImage
from pptx import Presentation

from greenroom.accounts.models import AuditEvent
from greenroom.dashboards import boardpack
from greenroom.dashboards.boardpack import content, layout, pdf
from greenroom.dashboards.models import BoardPack
from greenroom.dashboards.tasks import write_board_pack
from greenroom.jobs.models import JobRun
from greenroom.metrics import selectors as metrics

pytestmark = pytest.mark.django_db

SLIDES = [
    "title",
    "headline",
    "movements",
    "trends",
    "portfolio",
    "staffing",
    "segments",
    "usage",
    "adoption",
    "notable",
]


@pytest.fixture(autouse=True)
def quick_charts(monkeypatch):
    """Charts as a blank PNG of a chart's size: vl-convert takes about a second a chart, and
    its rendering is the dashboards' (tested there, and here by the one test that undoes this)."""
    blank = io.BytesIO()
    PILImage.new("RGB", (1280, 600), "white").save(blank, "PNG")
    monkeypatch.setattr(content.assets, "render", lambda spec, fmt: blank.getvalue())


@pytest.fixture
def written(loaded, tmp_path):
    pack, paths = boardpack.write(workspace=loaded.workspace, quarter="2026Q2", out=tmp_path)
    return loaded, pack, {path.suffix: path for path in paths}


def _texts(slide) -> list[str]:
    found = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            found.append(shape.text_frame.text)
        if shape.has_table:
            found += [cell.text for row in shape.table.rows for cell in row.cells]
    return found


def _table(slide) -> list[list[str]]:
    shape = next(s for s in slide.shapes if s.has_table)
    return [[cell.text for cell in row.cells] for row in shape.table.rows]


def test_it_writes_one_slide_per_section_and_a_pdf_page_for_each_plus_definitions(written):
    _, pack, files = written
    deck = Presentation(str(files[".pptx"]))
    assert [s.key for s in pack.slides] == SLIDES
    assert len(deck.slides) == len(SLIDES)
    pdf = files[".pdf"].read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == len(SLIDES) + 1
    assert files[".pptx"].name == "acme-board-pack-2026Q2.pptx"
    # Every slide has speaker notes; the headline's define its metrics.
    assert all(s.notes_slide.notes_text_frame.text for s in deck.slides)
    notes = deck.slides[1].notes_slide.notes_text_frame.text
    arr = metrics.metric_documentation("arr")
    assert arr["description"] in notes and arr["formula"] in notes
    # Health's feed found nothing in this data: the last slide says so.
    assert any("Nothing notable was found in the quarter" in t for t in _texts(deck.slides[-1]))
    # Nothing falls off a slide, and no type is smaller than the footnotes'.
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, number
            assert shape.left + shape.width <= deck.slide_width + 1, (number, shape.name)
            assert shape.top + shape.height <= deck.slide_height + 1, (number, shape.name)
            if shape.has_text_frame:
                for paragraph in shape.text_frame.paragraphs:
                    for run in paragraph.runs:
                        assert run.font.size is None or run.font.size.pt >= layout.FOOT_SIZE


def test_it_shows_the_metrics_layers_headline_figures_against_the_quarter_before(written):
    personas, _, files = written
    headline = _table(Presentation(str(files[".pptx"])).slides[1])
    assert headline[0][:4] == ["", "May 2026", "Feb 2026", "Change"]
    rows = {row[0]: row for row in headline[1:]}
    # By hand: ARR = 12 x MRR: May 830 → 9,960 ($10.0K), Feb 770 → 9,240 ($9.2K); +7.8 %.
    assert rows["ARR"][1:4] == ["$10.0K", "$9.2K", "+7.8 %"]
    # Every figure is the metrics layer's own for that month.
    ws = personas.workspace
    by_month = {
        name: {
            (r["period"].year, r["period"].month): r["value"]
            for r in metrics.metric(name, workspace=ws).rows
        }
        for name in ("arr", "nrr", "paying_accounts")
    }
    assert by_month["arr"][(2026, 5)] == pytest.approx(9960)
    assert rows["Net revenue retention"][1] == f"{100 * by_month['nrr'][(2026, 5)]:.1f} %"
    assert rows["Paying accounts"][1] == f"{round(by_month['paying_accounts'][(2026, 5)]):,}"
    # The portfolio's total cost to revenue is the metric's: the month's cost over its MRR.
    deck = Presentation(str(files[".pptx"]))
    total = _table(deck.slides[4])[-1]
    cost = sum(
        r["value"]
        for r in metrics.metric("cost", workspace=ws, by=["product"]).rows
        if (r["period"].year, r["period"].month) == (2026, 5)
    )
    # (over a thousand per cent here: thousands separated, as every figure)
    assert total[0] == "Total" and total[6] == f"{100 * cost / 830:,.1f} %"
    # No targets are set yet: the columns are empty and the footnote says why.
    assert all(row[4] == "" for row in headline[1:])
    assert any(
        "No targets are set" in t for t in _texts(Presentation(str(files[".pptx"])).slides[1])
    )


def test_it_bridges_mrr_over_the_quarter_from_its_start_to_its_end(loaded):
    ws = loaded.workspace
    scope = content.selectors.scope_for(
        ws,
        where={},
        period=content.periods.parse("2026Q2", as_of=date(2026, 5, 31)),
        as_of=date(2026, 5, 31),
    )
    start, parts, end = content.movements_steps(scope)
    # Mar's MRR 740 to May's 830: the movements of April and May add up to the difference.
    assert (start, end) == (pytest.approx(740), pytest.approx(830))
    assert start + sum(amount for _, amount in parts) == pytest.approx(end)


def test_it_wears_the_workspaces_name_and_brand_colour(loaded, tmp_path):
    loaded.workspace.brand_colour = "#1f3a93"
    loaded.workspace.save()
    _, paths = boardpack.write(workspace=loaded.workspace, quarter="2026q2", out=tmp_path)
    deck = Presentation(str(paths[0]))
    title = deck.slides[0]
    band = next(s for s in title.shapes if not s.has_text_frame or not s.text_frame.text)
    assert str(band.fill.fore_color.rgb) == "1F3A93"
    assert "Acme" in _texts(title) and "Board pack, Q2 2026 (to date)" in _texts(title)
    header = next(s for s in deck.slides[1].shapes if s.has_table).table.cell(0, 1)
    assert str(header.fill.fore_color.rgb) == "1F3A93"


def test_it_lists_notable_changes_from_a_registered_insight_feed(loaded):
    from greenroom import registry

    seen = {}

    def recent(*, workspace, since, until, limit):
        seen.update(workspace=workspace, since=since, until=until)
        return [registry.Notable("Churn in SMB above its usual range", "4 accounts, $1.2K MRR")]

    with registry.scratch():
        registry.register(registry.InsightFeed(key="toy", title="Toy", weight=1, recent=recent))
        pack = content.build(workspace=loaded.workspace, quarter="2026Q1")
    slide = pack.slides[-1]
    assert slide.blocks[0].lines == ["Churn in SMB above its usual range. 4 accounts, $1.2K MRR"]
    assert seen == {
        "workspace": loaded.workspace,
        "since": date(2026, 1, 1),
        "until": date(2026, 4, 1),
    }


@pytest.mark.parametrize("text", ["2026Q5", "last quarter", "Q4", "2025Q4; drop table", ""])
def test_it_refuses_what_is_not_a_quarter(text):
    with pytest.raises(boardpack.BoardPackError, match="is not a quarter: write it as 2025Q4"):
        content.quarter_code(text)


def test_it_reads_a_quarter_as_people_write_it():
    assert [content.quarter_code(t) for t in ("2025Q4", "2025q4", " 2025-Q4 ")] == ["2025Q4"] * 3


def test_it_says_when_a_quarter_has_nothing_to_report(loaded, tmp_path):
    for quarter, message in [
        (
            "2025Q1",
            "No board pack for Q1 2025: No revenue in Q1 2025: billing data runs from Jan 2026",
        ),
        ("2026Q3", "Q3 2026 has not started: the data runs to 31 May 2026"),
        ("1980Q1", "outside the years"),
    ]:
        with pytest.raises(boardpack.BoardPackError, match=re.escape(message)):
            boardpack.write(workspace=loaded.workspace, quarter=quarter, out=tmp_path / "out")
        assert not (tmp_path / "out").exists()


def test_it_says_there_is_no_data_at_all_in_a_new_workspace(personas, tmp_path):
    with pytest.raises(boardpack.BoardPackError, match="business data"):
        boardpack.write(workspace=personas.workspace, quarter="2025Q4", out=tmp_path)


def test_it_writes_the_pack_from_the_command_line(loaded, tmp_path):
    out = io.StringIO()
    slug = ["--workspace", loaded.workspace.slug]
    call_command(
        "boardpack", "--quarter", "2026Q1", "--out", str(tmp_path / "pack"), *slug, stdout=out
    )
    assert "Board pack written in" in out.getvalue()
    assert sorted(p.name for p in (tmp_path / "pack").iterdir()) == [
        "acme-board-pack-2026Q1.pdf",
        "acme-board-pack-2026Q1.pptx",
    ]
    with pytest.raises(CommandError, match="has not started"):
        call_command("boardpack", "--quarter", "2026Q3", "--out", str(tmp_path), *slug, stdout=out)


def test_it_writes_the_pack_in_a_job_the_page_follows(loaded, django_capture_on_commit_callbacks):
    client = loaded.client(loaded.ops)
    page = client.get("/dashboards/board-pack/").content.decode()
    assert '<option value="2026Q2">Q2 2026</option>' in page and "No board pack yet" in page
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/dashboards/board-pack/", {"quarter": "2026Q2"})
    assert response.status_code == 302
    pack = BoardPack.objects.get()
    assert pack.status == "queued" and pack.requested_by == loaded.ops
    assert 'hx-trigger="every 1s"' in client.get("/dashboards/board-pack/").content.decode()
    job = JobRun.objects.get(name="dashboards.write_board_pack", status="queued")
    assert write_board_pack.func(**job.arguments) == "Board pack 2026Q2 written"
    pack.refresh_from_db()
    assert (pack.status, pack.progress) == ("done", 100)
    listing = client.get("/dashboards/board-pack/", HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in listing and "<html" not in listing and "Ready" in listing
    download = client.get(f"/dashboards/board-pack/{pack.pk}.pptx")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")  # a zip: .pptx
    assert AuditEvent.objects.filter(action="board_pack.download", object_id=str(pack.pk)).exists()


def test_the_job_records_a_quarter_without_data_on_the_pack(loaded):
    pack = BoardPack.objects.create(workspace=loaded.workspace, quarter="2025Q1")
    assert write_board_pack.func(workspace_id=loaded.workspace.pk, pack_id=pack.pk) == "skipped"
    pack.refresh_from_db()
    assert pack.status == "no_data" and "billing data runs from Jan 2026" in pack.message
    page = loaded.client(loaded.admin).get("/dashboards/board-pack/").content.decode()
    assert "Nothing to report" in page and "billing data runs from Jan 2026" in page
    assert (
        loaded.client(loaded.admin).get(f"/dashboards/board-pack/{pack.pk}.pdf").status_code == 404
    )


def test_only_product_ops_and_admins_write_or_download_board_packs(loaded):
    pack = BoardPack.objects.create(
        workspace=loaded.workspace, quarter="2026Q1", status="done", filename="x"
    )
    for user, allowed in [
        (loaded.admin, True),
        (loaded.ops, True),
        (loaded.pm, False),
        (loaded.viewer, False),
    ]:
        client = loaded.client(user)
        assert client.get("/dashboards/board-pack/").status_code == (200 if allowed else 403)
        refused = client.post("/dashboards/board-pack/", {"quarter": "2026Q1"})
        assert allowed or refused.status_code == 403
        assert allowed or client.get(f"/dashboards/board-pack/{pack.pk}.pdf").status_code == 403
    outsider = loaded.client(loaded.outsider)
    assert outsider.get(f"/dashboards/board-pack/{pack.pk}.pdf").status_code == 404
    page = outsider.get("/dashboards/board-pack/").content.decode()
    assert "No business data yet" in page and "2026Q1" not in page


def test_it_refuses_a_quarter_outside_the_choices_on_the_form(loaded):
    response = loaded.client(loaded.ops).post("/dashboards/board-pack/", {"quarter": "2031Q1"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not BoardPack.objects.exists()


def test_it_draws_a_dashboards_chart_in_the_brand_colour_without_a_browser(monkeypatch):
    monkeypatch.undo()  # vl-convert draws it
    rows = [{"period": date(2026, m, 1), "value": 100.0 * m, "partial": False} for m in (1, 2, 3)]
    spec = content.charts.line("ARR", rows, unit="currency")
    picture = content.image(spec, colour="#1f3a93", width=560, height=300)
    drawn = PILImage.open(io.BytesIO(picture.png)).convert("RGB")
    assert (picture.width, picture.height) == drawn.size and drawn.width == 2 * 560
    assert (0x1F, 0x3A, 0x93) in {colour for _, colour in drawn.getcolors(1 << 20)}


def test_the_pdf_draws_a_minus_its_standard_font_has():
    # Helvetica has no U+2212: the PDF draws the digit-wide en dash instead, the deck keeps it.
    assert pdf._drawable("\u221210.4 % vs \u22122.0 pts") == "\u201310.4 % vs \u20132.0 pts"
