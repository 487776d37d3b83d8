"""The board pack as a PDF with ReportLab: each slide drawn on a 16:9 page at the deck's
positions (``layout.py``), then a page of metric definitions (a PDF has no speaker notes)."""

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from greenroom.dashboards.boardpack import content as c
from greenroom.dashboards.boardpack import layout

# Helvetica, one of the PDF's standard fonts, has no minus sign (U+2212, the figures' minus):
# drawn, it overlaps the digit after it. The en dash is its digit-wide stand-in.
_STANDARD_FONT = str.maketrans({"\u2212": "\u2013"})
GREY = colors.HexColor("#555555")
INK = colors.HexColor("#222222")
LIGHT = colors.HexColor("#f3f4f2")


def _style(size: int, colour=INK, bold: bool = False, leading: float = 1.25) -> ParagraphStyle:
    return ParagraphStyle(
        f"s{size}{bold}",
        fontName="Helvetica-Bold" if bold else "Helvetica",
        fontSize=size,
        leading=size * leading,
        textColor=colour,
        alignment=TA_LEFT,
    )


class _Page:
    """Drawing in the deck's inches, top-down, on a ReportLab canvas (bottom-up points)."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas

    def y(self, top: float) -> float:
        return (layout.HEIGHT - top) * inch

    def rect(self, top: float, height: float, colour) -> None:
        self.canvas.setFillColor(colour)
        self.canvas.rect(0, self.y(top + height), layout.WIDTH * inch, height * inch, 0, 1)

    def paragraph(self, text: str, box: layout.Box, style: ParagraphStyle) -> float:
        """Draw ``text`` at the top of ``box``; returns the height used, in inches."""
        para = Paragraph(escape(_drawable(text)), style)
        _, height = para.wrap(box.width * inch, box.height * inch)
        para.drawOn(self.canvas, box.left * inch, self.y(box.top) - height)
        return height / inch


def _drawable(text: str) -> str:
    """``text`` in characters the standard fonts have."""
    return text.translate(_STANDARD_FONT)


def document(pack: c.Pack) -> bytes:
    """The pack as a PDF file."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(layout.WIDTH * inch, layout.HEIGHT * inch))
    canvas.setTitle(f"{pack.company} board pack, {pack.quarter}")
    canvas.setAuthor("Greenroom")
    page = _Page(canvas)
    for index, slide in enumerate(pack.slides):
        if index == 0:
            _title(page, slide, pack)
        else:
            _slide(page, slide, pack, number=index + 1)
        canvas.showPage()
    _definitions(page, pack, number=len(pack.slides) + 1)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _title(page: _Page, slide: c.Slide, pack: c.Pack) -> None:
    brand = colors.HexColor(pack.colour)
    on = colors.HexColor(layout.text_on(pack.colour))
    page.rect(0, 4.2, brand)
    page.paragraph(slide.title, layout.Box(0.9, 1.6, 11.5, 1.2), _style(44, on, bold=True))
    page.paragraph(slide.subtitle, layout.Box(0.9, 2.8, 11.5, 0.8), _style(24, on))
    block = slide.blocks[0]
    assert isinstance(block, c.Lines)
    for offset, line in enumerate(block.lines):
        page.paragraph(line, layout.Box(0.9, 4.8 + 0.5 * offset, 11.5, 0.5), _style(16, GREY))


def _heading(page: _Page, slide: c.Slide, pack: c.Pack, *, number: int) -> None:
    brand = colors.HexColor(pack.colour)
    width = layout.WIDTH - 2 * layout.MARGIN
    page.rect(0, layout.BAR, brand)
    page.paragraph(
        slide.title,
        layout.Box(layout.MARGIN, layout.TITLE_TOP + 0.1, width, layout.TITLE_HEIGHT),
        _style(layout.TITLE_SIZE, brand, bold=True),
    )
    if slide.subtitle:
        page.paragraph(
            slide.subtitle,
            layout.Box(layout.MARGIN, layout.SUBTITLE_TOP + 0.05, width, layout.SUBTITLE_HEIGHT),
            _style(layout.SUBTITLE_SIZE, GREY),
        )
    foot = _style(layout.FOOT_SIZE, GREY)
    if slide.footnote:
        page.paragraph(
            slide.footnote, layout.Box(layout.MARGIN, layout.FOOT_TOP + 0.1, width - 2.6, 0.5), foot
        )
    page.canvas.setFont("Helvetica", layout.FOOT_SIZE)
    page.canvas.setFillColor(GREY)
    page.canvas.drawRightString(
        (layout.WIDTH - layout.MARGIN) * inch,
        page.y(layout.FOOT_TOP + 0.1) - layout.FOOT_SIZE,
        f"{pack.company} · {pack.quarter} · {number}",
    )


def _slide(page: _Page, slide: c.Slide, pack: c.Pack, *, number: int) -> None:
    _heading(page, slide, pack, number=number)
    for block, box in zip(slide.blocks, layout.body_boxes(slide), strict=False):
        if isinstance(block, c.Table):
            _table(page, block, box, pack.colour)
        elif isinstance(block, c.Image):
            _image(page, block, box)
        else:
            _lines(page, block, box)


def _table(page: _Page, block: c.Table, box: layout.Box, colour: str) -> None:
    columns = len(block.rows[0])
    height = layout.row_height(len(block.rows), box)
    first = box.width * layout.first_column(columns)
    widths = [first * inch] + [(box.width - first) / (columns - 1) * inch] * (columns - 1)
    rows = [[_drawable(cell) for cell in row] for row in block.rows]
    table = Table(rows, colWidths=widths, rowHeights=height * inch)
    brand = colors.HexColor(colour)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), "Helvetica"),
        ("FONTSIZE", (0, 0), (-1, -1), layout.TABLE_SIZE),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("BACKGROUND", (0, 0), (-1, 0), brand),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.HexColor(layout.text_on(colour))),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
    ]
    style += [("ALIGN", (col, 0), (col, -1), "RIGHT") for col in block.numeric]
    style += [("BACKGROUND", (0, r), (-1, r), LIGHT) for r in range(2, len(block.rows), 2)]
    style += [("TEXTCOLOR", (0, r), (-1, r), GREY) for r in block.emphasis]
    style += [
        ("FONTNAME", (0, r), (-1, r), "Helvetica-Bold")
        for r, row in enumerate(block.rows)
        if r and row[0] == "Total"
    ]
    table.setStyle(TableStyle(style))
    _, drawn = table.wrap(box.width * inch, box.height * inch)
    table.drawOn(page.canvas, box.left * inch, page.y(box.top) - drawn)


def _image(page: _Page, block: c.Image, box: layout.Box) -> None:
    caption = 0.4 if block.caption else 0.0
    if block.caption:
        page.paragraph(
            block.caption,
            layout.Box(box.left + 0.1, box.top + 0.05, box.width, caption),
            _style(layout.BODY_SIZE, bold=True),
        )
    placed = layout.fit(block, box, caption)
    page.canvas.drawImage(
        ImageReader(io.BytesIO(block.png)),
        placed.left * inch,
        page.y(placed.top + placed.height),
        placed.width * inch,
        placed.height * inch,
    )


def _lines(page: _Page, block: c.Lines, box: layout.Box) -> None:
    top = box.top + 0.1
    style = _style(layout.BODY_SIZE)
    for line in block.lines:
        text = ("•  " if block.bullets else "") + line
        used = page.paragraph(text, layout.Box(box.left + 0.1, top, box.width - 0.2, 2), style)
        top += used + 0.14


def _definitions(page: _Page, pack: c.Pack, *, number: int) -> None:
    slide = c.Slide(key="definitions", title="Definitions", subtitle="What each figure means")
    _heading(page, slide, pack, number=number)
    # Two columns of small print: the deck carries the same text in its speaker notes.
    style = _style(10, leading=1.2)
    width = (layout.WIDTH - 2 * layout.MARGIN - layout.GUTTER) / 2
    column, top = 0, layout.BODY_TOP
    for item in pack.definitions:
        text = f"<b>{escape(_drawable(item['title']))}</b>: {escape(_drawable(item['text']))}"
        para = Paragraph(text, style)
        _, height = para.wrap(width * inch, 10 * inch)
        if top + height / inch > layout.BODY_BOTTOM and column == 0:
            column, top = 1, layout.BODY_TOP
        left = layout.MARGIN + column * (width + layout.GUTTER)
        para.drawOn(page.canvas, left * inch, page.y(top) - height)
        top += height / inch + 0.12
