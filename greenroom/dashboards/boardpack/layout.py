"""Where things go on a slide, in inches, shared by the PowerPoint and PDF writers so the two
files look alike (the PDF is the deck's printable twin)."""

from dataclasses import dataclass

from greenroom.dashboards.boardpack.content import Image, Slide

WIDTH, HEIGHT = 13.333, 7.5  # 16:9
MARGIN = 0.6
BAR = 0.12  # the brand-coloured band along the top
TITLE_TOP, TITLE_HEIGHT = 0.35, 0.7
SUBTITLE_TOP, SUBTITLE_HEIGHT = 1.0, 0.45
BODY_TOP = 1.6
FOOT_TOP = 6.85
BODY_BOTTOM = 6.75
GUTTER = 0.4
# Type sizes in points: nothing on a slide is smaller than the footnote.
TITLE_SIZE, SUBTITLE_SIZE, BODY_SIZE, TABLE_SIZE, FOOT_SIZE = 28, 16, 16, 13, 11


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float


def body_boxes(slide: Slide) -> list[Box]:
    """The boxes of a slide's blocks: the whole body, or two columns split by ``split``."""
    width = WIDTH - 2 * MARGIN
    height = BODY_BOTTOM - BODY_TOP
    if len(slide.blocks) < 2:
        return [Box(MARGIN, BODY_TOP, width, height)]
    left_width = (width - GUTTER) * slide.split
    right_width = width - GUTTER - left_width
    return [
        Box(MARGIN, BODY_TOP, left_width, height),
        Box(MARGIN + left_width + GUTTER, BODY_TOP, right_width, height),
    ]


def fit(image: Image, box: Box, caption_height: float = 0.0) -> Box:
    """The largest box of the image's proportions inside ``box`` (below its caption),
    centred across and at the top."""
    room = box.height - caption_height
    ratio = image.width / image.height
    width = min(box.width, room * ratio)
    height = width / ratio
    return Box(box.left + (box.width - width) / 2, box.top + caption_height, width, height)


def first_column(columns: int) -> float:
    """The first (label) column's share of a table's width: less as columns grow."""
    return 0.4 if columns <= 4 else 0.3 if columns <= 6 else 0.2


def row_height(rows: int, box: Box) -> float:
    """A table row's height: comfortable, but every row fits the box."""
    return min(0.45, box.height / max(rows, 1))


def text_on(colour: str) -> str:
    """Black or white, whichever reads on ``colour`` (WCAG relative luminance)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if luminance > 0.4 else "#ffffff"
