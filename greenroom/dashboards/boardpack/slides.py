"""The board pack as a PowerPoint deck (python-pptx), one slide per ``content.Slide``, with the
metric definitions in each slide's speaker notes."""

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Inches, Pt

from greenroom.dashboards.boardpack import layout
from greenroom.dashboards.boardpack.content import Image, Lines, Pack, Slide, Table

GREY = RGBColor(0x55, 0x55, 0x55)
LIGHT = RGBColor(0xF3, 0xF4, 0xF2)


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def deck(pack: Pack) -> bytes:
    """The pack as a .pptx file."""
    presentation = Presentation()
    presentation.slide_width = Inches(layout.WIDTH)
    presentation.slide_height = Inches(layout.HEIGHT)
    blank = presentation.slide_layouts[6]
    presentation.core_properties.title = f"{pack.company} board pack, {pack.quarter}"
    presentation.core_properties.author = "Greenroom"
    for index, content in enumerate(pack.slides):
        slide = presentation.slides.add_slide(blank)
        if index == 0:
            _title_slide(slide, content, pack)
        else:
            _slide(slide, content, pack, number=index + 1)
        slide.notes_slide.notes_text_frame.text = content.notes
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def _text(slide, box: layout.Box, text: str, *, size: int, colour=None, bold=False, align=None):
    shape = slide.shapes.add_textbox(
        Inches(box.left), Inches(box.top), Inches(box.width), Inches(box.height)
    )
    frame = shape.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.text = text
    if align is not None:
        paragraph.alignment = align
    font = paragraph.runs[0].font if paragraph.runs else paragraph.font
    font.size = Pt(size)
    font.bold = bold
    if colour is not None:
        font.color.rgb = colour
    return shape


def _band(slide, top: float, height: float, colour: str):
    shape = slide.shapes.add_shape(
        1, Inches(0), Inches(top), Inches(layout.WIDTH), Inches(height)
    )  # 1: a rectangle
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(colour)
    shape.line.fill.background()
    return shape


def _title_slide(slide, content: Slide, pack: Pack) -> None:
    _band(slide, 0, 4.2, pack.colour)
    on = _rgb(layout.text_on(pack.colour))
    _text(slide, layout.Box(0.9, 1.5, 11.5, 1.2), content.title, size=44, colour=on, bold=True)
    _text(slide, layout.Box(0.9, 2.7, 11.5, 0.8), content.subtitle, size=24, colour=on)
    lines = content.blocks[0]
    assert isinstance(lines, Lines)
    for offset, line in enumerate(lines.lines):
        _text(slide, layout.Box(0.9, 4.7 + 0.5 * offset, 11.5, 0.5), line, size=16, colour=GREY)


def _slide(slide, content: Slide, pack: Pack, *, number: int) -> None:
    _band(slide, 0, layout.BAR, pack.colour)
    width = layout.WIDTH - 2 * layout.MARGIN
    _text(
        slide,
        layout.Box(layout.MARGIN, layout.TITLE_TOP, width, layout.TITLE_HEIGHT),
        content.title,
        size=layout.TITLE_SIZE,
        colour=_rgb(pack.colour),
        bold=True,
    )
    if content.subtitle:
        _text(
            slide,
            layout.Box(layout.MARGIN, layout.SUBTITLE_TOP, width, layout.SUBTITLE_HEIGHT),
            content.subtitle,
            size=layout.SUBTITLE_SIZE,
            colour=GREY,
        )
    for block, box in zip(content.blocks, layout.body_boxes(content), strict=False):
        if isinstance(block, Table):
            _table(slide, block, box, pack.colour)
        elif isinstance(block, Image):
            _image(slide, block, box)
        else:
            _lines(slide, block, box)
    foot = f"{pack.company} · {pack.quarter} · {number}"
    if content.footnote:
        _text(
            slide,
            layout.Box(layout.MARGIN, layout.FOOT_TOP, width - 2.5, 0.5),
            content.footnote,
            size=layout.FOOT_SIZE,
            colour=GREY,
        )
    _text(
        slide,
        layout.Box(layout.WIDTH - layout.MARGIN - 2.5, layout.FOOT_TOP, 2.5, 0.5),
        foot,
        size=layout.FOOT_SIZE,
        colour=GREY,
        align=PP_ALIGN.RIGHT,
    )


def _table(slide, block: Table, box: layout.Box, colour: str) -> None:
    rows, columns = len(block.rows), len(block.rows[0])
    height = layout.row_height(rows, box)
    shape = slide.shapes.add_table(
        rows,
        columns,
        Inches(box.left),
        Inches(box.top),
        Inches(box.width),
        Inches(height * rows),
    )
    table = shape.table
    first = box.width * layout.first_column(columns)
    table.columns[0].width = Inches(first)
    for c in range(1, columns):
        table.columns[c].width = Inches((box.width - first) / (columns - 1))
    header_text = _rgb(layout.text_on(colour))
    for r, values in enumerate(block.rows):
        table.rows[r].height = Inches(height)
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.text = value
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if c in block.numeric else PP_ALIGN.LEFT
            font = paragraph.runs[0].font if paragraph.runs else paragraph.font
            font.size = Pt(layout.TABLE_SIZE)
            cell.fill.solid()
            if r == 0:
                cell.fill.fore_color.rgb = _rgb(colour)
                font.bold = True
                font.color.rgb = header_text
            else:
                cell.fill.fore_color.rgb = LIGHT if r % 2 == 0 else RGBColor(0xFF, 0xFF, 0xFF)
                font.color.rgb = GREY if r in block.emphasis else RGBColor(0x22, 0x22, 0x22)
                font.bold = values[0] == "Total"


def _image(slide, block: Image, box: layout.Box) -> None:
    caption = 0.4 if block.caption else 0.0
    if block.caption:
        _text(
            slide,
            layout.Box(box.left, box.top, box.width, caption),
            block.caption,
            size=layout.BODY_SIZE,
            bold=True,
        )
    placed = layout.fit(block, box, caption)
    slide.shapes.add_picture(
        io.BytesIO(block.png),
        Inches(placed.left),
        Inches(placed.top),
        Inches(placed.width),
        Inches(placed.height),
    )


def _lines(slide, block: Lines, box: layout.Box) -> None:
    shape = slide.shapes.add_textbox(
        Inches(box.left), Inches(box.top), Inches(box.width), Inches(box.height)
    )
    frame = shape.text_frame
    frame.word_wrap = True
    for index, line in enumerate(block.lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = ("•  " if block.bullets else "") + line
        paragraph.space_after = Pt(10)
        font = paragraph.runs[0].font
        font.size = Pt(layout.BODY_SIZE)
        font.color.rgb = RGBColor(0x22, 0x22, 0x22)
