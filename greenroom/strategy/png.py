"""The roadmap as a PNG image, drawn without a browser: a team's board (a card per item),
or the portfolio (a lane per group, a line per item, so that hundreds of items stay a
readable image). The layout is worked out here, written as SVG by a template
(strategy/roadmap.svg) and rasterised by vl-convert, the charts' renderer (its SVG text
uses the system's sans-serif font)."""

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

import vl_convert
from django.template.loader import render_to_string
from django.utils import timezone

from greenroom.strategy.choices import Status
from greenroom.strategy.selectors import Column, Portfolio

# Sizes in pixels of the image, drawn at twice that for sharp text unless that would be
# taller than TALL pixels (hundreds of portfolio lines: a large file, slow to draw).
SCALE = 2
TALL = 6000
MARGIN = 28
COLUMN_WIDTH = 300
GAP = 14
HEADER = 78  # the title and its subtitle
LEGEND = 26  # the portfolio's key to its status dots
LANE_HEAD = 36  # a group's name
COLUMN_HEAD = 30  # a column's name and count
CARD_LINE = 17
CARD_PAD = 10
CARD_GAP = 8
ROW = 20  # a portfolio line
# Characters that fit a line: a card's 13 px bold title, its 12 px details, a portfolio
# line's title beside its team.
TITLE_CHARS = 36
DETAIL_CHARS = 44
ROW_CHARS = 30
TEAM_CHARS = 14

# A status's colours: background and ink, as the pages' badge-ok / warn / bad / muted.
_COLOURS = {
    Status.ON_TRACK: ("#e3f3e8", "#1d6b3e"),
    Status.AT_RISK: ("#fff1d6", "#7a4d00"),
    Status.OFF_TRACK: ("#fde7e4", "#a12b22"),
}
_MUTED = ("#eceee9", "#4a5a52")
_NO_GOAL = ("#ffffff", "#9aa59f")
# A portfolio line's dot: brighter than the badges' ink, to tell apart at a glance.
_DOTS = {Status.ON_TRACK: "#2e8b57", Status.AT_RISK: "#e0a100", Status.OFF_TRACK: "#c0392b"}


def _colours(status: str) -> tuple[str, str]:
    return _COLOURS.get(status, _MUTED)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Entry:
    """What an item shows: its title, a line of detail, its key result's status (``status``
    empty when it serves none), a dependency warning and a note."""

    title: str
    detail: str
    badge: str = ""
    status: str = ""
    warning: str = ""
    note: str = ""


@dataclass
class Text:
    y: int  # the baseline, from the card's top
    text: str
    kind: str  # "title", "detail", "warning" or "note"


@dataclass
class Card:
    x: int
    y: int
    height: int
    texts: list[Text] = field(default_factory=list)
    badge: str = ""
    badge_y: int = 0
    badge_width: int = 0
    fill: str = ""
    ink: str = ""
    warning: bool = False
    team: str = ""  # a portfolio line's team, written at its right


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _wrap(text: str, width: int, lines: int) -> list[str]:
    """``text`` on at most ``lines`` lines of ``width`` characters, cut with an ellipsis."""
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        rest = " ".join(wrapped[lines - 1 :])
        wrapped = [*wrapped[: lines - 1], _shorten(rest, width)]
    return [_shorten(line, width) for line in wrapped]


def _card(entry: Entry, x: int, y: int) -> Card:
    card = Card(x, y, 0, warning=bool(entry.warning), badge=entry.badge)
    baseline = CARD_PAD + 13
    for line in _wrap(entry.title, TITLE_CHARS, 2):
        card.texts.append(Text(baseline, line, "title"))
        baseline += CARD_LINE
    card.texts.append(Text(baseline, _shorten(entry.detail, DETAIL_CHARS), "detail"))
    if entry.badge:
        card.badge_y = baseline + 6
        card.badge_width = 14 + 7 * len(entry.badge)
        card.fill, card.ink = _colours(entry.status)
        baseline += CARD_LINE + 4
    for line in _wrap(entry.warning, DETAIL_CHARS, 2) if entry.warning else []:
        baseline += CARD_LINE
        card.texts.append(Text(baseline, line, "warning"))
    if entry.note:
        baseline += CARD_LINE
        card.texts.append(Text(baseline, _shorten(entry.note, DETAIL_CHARS), "note"))
    card.height = baseline + CARD_PAD - 2
    return card


def _row(entry: Entry, x: int, y: int) -> Card:
    """A portfolio line: a dot in its key result's status colour, the title, the team."""
    fill, ink = (_MUTED[1], _DOTS.get(entry.status, "#8c9891")) if entry.status else _NO_GOAL  # type: ignore[call-overload]
    # The ⚠ is drawn apart: in the same text, the font that has it takes over the line.
    title = _shorten(entry.title, ROW_CHARS - 2 if entry.warning else ROW_CHARS)
    return Card(
        x, y, ROW, [Text(14, title, "row")], fill=fill, ink=ink,
        warning=bool(entry.warning), team=_shorten(entry.detail, TEAM_CHARS),
    )  # fmt: skip


Lanes = list[tuple[str, list[tuple[str, list[Entry]]]]]


def _render(*, title: str, subtitle: str, lanes: Lanes, rows: bool) -> bytes:
    """Lay out ``lanes`` (a label, then the columns with their entries) one under another,
    each entry a card or (``rows``) a line."""
    width = 2 * MARGIN + max(
        (len(columns) * COLUMN_WIDTH + (len(columns) - 1) * GAP for _, columns in lanes),
        default=COLUMN_WIDTH,
    )
    y = HEADER + (LEGEND if rows else 0)
    drawn = []
    for label, columns in lanes:
        lane: dict = {"label": label, "label_y": y + 24, "heads": [], "cards": []}
        y += LANE_HEAD if label else 0
        bottom = y + COLUMN_HEAD
        for index, (name, entries) in enumerate(columns):
            x = MARGIN + index * (COLUMN_WIDTH + GAP)
            lane["heads"].append({"x": x, "name": name, "count": len(entries)})
            cursor = y + COLUMN_HEAD + 4
            for entry in entries:
                card = _row(entry, x, cursor) if rows else _card(entry, x, cursor)
                lane["cards"].append(card)
                cursor += card.height + (0 if rows else CARD_GAP)
            bottom = max(bottom, cursor)
        lane["head_y"], lane["rule_y"] = y + 18, y + 26
        drawn.append(lane)
        y = bottom + GAP
    height = max(y + MARGIN - GAP, HEADER + 48)
    legend = [
        (label, _MUTED[1], _DOTS.get(status, "#8c9891"))  # type: ignore[call-overload]
        for status, label in Status.choices
        if status in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA)
    ]
    svg = render_to_string(
        "strategy/roadmap.svg",
        {
            "title": title,
            "subtitle": subtitle,
            "lanes": drawn,
            "rows": rows,
            "legend": [(MARGIN + 110 * n, *entry) for n, entry in enumerate(legend)],
            "no_goal": (MARGIN + 110 * len(legend), *_NO_GOAL),
            "width": width,
            "height": height,
            "column_width": COLUMN_WIDTH,
            "margin": MARGIN,
            "pad": CARD_PAD,
        },
    )
    return vl_convert.svg_to_png(svg, scale=SCALE if SCALE * height <= TALL else 1)


def _status_badge(status: str, progress: float | None) -> str:
    label = str(Status(status).label) if status in Status.values else status
    return label if progress is None else f"{label} · {100 * progress:.0f} %"


def portfolio_png(*, portfolio: Portfolio, grouping: str) -> bytes:
    """The portfolio: a lane per group (as on the page), the template's columns in each, a
    line per item with its key result's status as a coloured dot."""
    lanes = []
    for group in portfolio.groups:
        by_column: dict[str, list[Entry]] = {name: [] for name in portfolio.columns}
        for item in group.items:
            kr = item.key_result
            by_column.setdefault(item.column, []).append(
                Entry(
                    title=item.title,
                    detail=item.team,
                    status=kr.status if kr else "",
                    warning=" ".join(portfolio.warnings.get(item.pk, [])),
                )
            )
        lanes.append((group.label, list(by_column.items())))
    subtitle = f"{portfolio.count} items, grouped by {grouping.lower()}"
    return _render(title="Portfolio roadmap", subtitle=_dated(subtitle), lanes=lanes, rows=True)


def board_png(
    *,
    team: str,
    columns: Iterable[Column],
    warnings: dict[int, list[str]],
    missing: dict[int, list[str]],
) -> bytes:
    """A team's board: its columns with a card per item, as the board page shows them."""
    drawn = []
    count = 0
    for column in columns:
        entries = []
        for item in column.items:
            kr = item.key_result
            serves = kr or item.objective or item.initiative
            lacking = missing.get(item.pk, [])
            entries.append(
                Entry(
                    title=item.title,
                    detail=f"{item.get_status_display()} · {serves or 'No goal linked'}",
                    badge=_status_badge(kr.status, kr.progress) if kr else "",
                    status=kr.status if kr else "",
                    warning=" ".join(warnings.get(item.pk, [])),
                    note=f"Off template: missing {', '.join(lacking)}" if lacking else "",
                )
            )
        count += len(entries)
        drawn.append((column.name, entries))
    subtitle = _dated(f"{count} item{'' if count == 1 else 's'}")
    return _render(title=f"Roadmap: {team}", subtitle=subtitle, lanes=[("", drawn)], rows=False)


def _dated(text: str) -> str:
    return f"{text} · as of {timezone.localdate().isoformat()}"
