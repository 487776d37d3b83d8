"""Vega-Lite specifications built in Python, one per chart, as plain dicts.

The same specification is drawn in the browser (static/dashboards/charts.js with the locally
served vega-embed bundle, see ``assets.py``) and can be rendered without a browser by
vl-convert (PNG/SVG downloads here; the board pack later). Data goes inline in the
specification, so a chart is self-contained: what is drawn is what is downloaded.

Every builder takes tidy rows (a list of dicts) and names the fields to draw; a row whose
``partial`` is true is a period still running at the data's as-of date and is drawn faded and
labelled "to date".
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
PALETTE = ["#2f6f4f", "#4c78a8", "#f58518", "#b279a2", "#72b7b2", "#9d755d", "#e45756", "#bab0ac"]
# Movements read left to right as money in, then money out.
MOVEMENT_COLOURS = {
    "Start": "#8c8c8c",
    "New": "#2f6f4f",
    "Expansion": "#54a24b",
    "Reactivation": "#88d27a",
    "Contraction": "#f58518",
    "Churn": "#e45756",
    "End": "#4c4c4c",
}
HEATMAP_TEXT_WIDTH = 26  # px a heatmap cell needs to hold its value written out
CONFIG = {
    # No ARIA roles on marks: the page labels each chart as one image (role="img" with its
    # title; the data is a download away), and empty mark groups with roles fail axe.
    "aria": False,
    "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "view": {"stroke": None},
    "axis": {"labelColor": "#444", "titleColor": "#444", "gridColor": "#eee", "domain": False},
    "legend": {"orient": "top", "labelColor": "#444", "titleColor": "#444"},
    "range": {"category": PALETTE},
    "title": {"anchor": "start", "fontSize": 14, "fontWeight": 600},
}


@dataclass(frozen=True)
class Chart:
    """One chart: its id on the page, its specification and the rows it draws (downloads)."""

    key: str
    title: str
    spec: dict
    rows: list[dict]
    columns: Sequence[str]
    metric: str = ""  # the metric "explain" opens for this chart
    note: str = ""
    extra: dict = field(default_factory=dict)

    def spec_json(self) -> str:
        """The specification as JSON, for the page (an attribute: htmx drops the script
        elements of swapped content, ours of type application/json included)."""
        return json.dumps(self.spec, separators=(",", ":"))

    def table(self) -> list[list[Any]]:
        """Header then rows, for CSV/XLSX downloads (``status``: complete or to date)."""
        return [list(self.columns), *[[_cell(row, c) for c in self.columns] for row in self.rows]]


def _cell(row: dict, column: str) -> Any:
    if column == "status":
        return "to date" if row.get("partial") else "complete"
    return row.get(column)


def axis_format(unit: str) -> dict:
    """Axis labels for a unit: $12M, 45 %, 1.2K (K and B as the figures on the page write
    them, where d3 writes k and G)."""
    # Labels closer than a few pixels are thinned (on a phone, "0%20%40%" otherwise).
    thinned = {"labelOverlap": True, "labelSeparation": 6}
    if unit == "currency":
        return {"labelExpr": _SI_LABEL.format(spec="$.3~s"), **thinned}
    if unit == "ratio":
        return {"format": ".1~%", **thinned}  # 9.5 %, 10 %: a narrow range still reads
    return {"labelExpr": _SI_LABEL.format(spec=".3~s"), **thinned}


_SI_LABEL = "replace(replace(format(datum.value, '{spec}'), 'k', 'K'), 'G', 'B')"


def tooltip_format(unit: str) -> str:
    return {"currency": "$,.0f", "ratio": ".1%"}.get(unit, ",.0f")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def values(rows: list[dict]) -> list[dict]:
    """Rows as JSON-ready values (dates as ISO strings, 'to date' labels for running periods)."""
    out = []
    for row in rows:
        item = {key: _plain(value) for key, value in row.items()}
        item["status"] = "to date" if row.get("partial") else "complete"
        out.append(item)
    return out


def _base(title: str, rows: list[dict], height: int) -> dict:
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values(rows)},
        "config": CONFIG,
    }


def _time_x(grain: str) -> dict:
    label = {"day": "%d %b", "week": "%d %b", "quarter": "Q%q %Y"}.get(grain, "%b %Y")
    return {
        "field": "period",
        "type": "temporal",
        "timeUnit": "utcyearmonthdate",
        "title": None,
        "axis": {"format": label, "labelOverlap": True, "labelSeparation": 6},
    }


def line(
    title: str,
    rows: list[dict],
    *,
    unit: str,
    series: str | None = None,
    y: str = "value",
    grain: str = "month",
    height: int = 220,
    to_date: bool = True,
) -> dict:
    """Values over time, one line per ``series``; running periods drawn as hollow points.

    A ratio's running period is left out: a month's retention or stickiness "to date" is not
    comparable with whole months (one day in, stickiness is 100 %). So is any running period
    with ``to_date=False``: people counted in a period (monthly active users) are a fraction
    of the whole month's two days in, a point that reads as a collapse."""
    if unit == "ratio" or not to_date:
        rows = [row for row in rows if not row.get("partial")]
    spec = _base(title, rows, height)
    encoding: dict = {
        "x": _time_x(grain),
        "y": {
            "field": y,
            "type": "quantitative",
            "title": None,
            "axis": axis_format(unit),
            "scale": {"zero": unit != "ratio"},
        },
        "tooltip": [
            {
                "field": "period",
                "type": "temporal",
                "timeUnit": "utcyearmonthdate",
                "title": "Period",
            },
            *([{"field": series, "type": "nominal", "title": series.title()}] if series else []),
            {"field": y, "type": "quantitative", "format": tooltip_format(unit), "title": title},
            {"field": "status", "type": "nominal", "title": "Status"},
        ],
    }
    if series:
        encoding["color"] = {"field": series, "type": "nominal", "title": None}
    spec["encoding"] = encoding
    spec["layer"] = [
        # A running period's figure is "to date": a hollow point off the line, never a drop.
        {
            "transform": [{"filter": "datum.status == 'complete'"}],
            "mark": {"type": "line", "strokeWidth": 2},
        },
        {
            "transform": [{"filter": "datum.status == 'complete'"}],
            # Daily series have too many points to mark each one.
            "mark": {"type": "point", "size": 36 if grain != "day" else 0, "filled": True},
        },
        {
            "transform": [{"filter": "datum.status != 'complete'"}],
            "mark": {"type": "point", "size": 60, "filled": False, "strokeWidth": 2},
        },
    ]
    return spec


def bar(
    title: str,
    rows: list[dict],
    *,
    category: str,
    unit: str,
    y: str = "value",
    horizontal: bool = True,
    height: int | None = None,
    sort_descending: bool = True,
) -> dict:
    """One bar per category (largest first), horizontal by default: long names stay legible."""
    spec = _base(title, rows, height or max(120, 28 * len(rows)))
    cat = {
        "field": category,
        "type": "nominal",
        "title": None,
        "sort": "-x" if horizontal and sort_descending else None,
    }
    val = {"field": y, "type": "quantitative", "title": None, "axis": axis_format(unit)}
    spec["mark"] = {"type": "bar", "color": PALETTE[0], "cornerRadiusEnd": 2}
    spec["encoding"] = {
        "y" if horizontal else "x": cat,
        "x" if horizontal else "y": val,
        "tooltip": [
            {"field": category, "type": "nominal", "title": category.title()},
            {"field": y, "type": "quantitative", "format": tooltip_format(unit), "title": title},
        ],
    }
    return spec


def stacked_bar(
    title: str,
    rows: list[dict],
    *,
    series: str,
    unit: str,
    grain: str = "month",
    order: Sequence[str] = (),
    colours: dict[str, str] | None = None,
    height: int = 220,
) -> dict:
    """Values over time stacked by ``series`` (negative parts stack below zero)."""
    spec = _base(title, rows, height)
    # Three names to a row fit a phone's chart when they are short (New, Expansion); long
    # ones (Harbor Workspace) two.
    longest = max((len(str(row.get(series, ""))) for row in rows), default=0)
    legend = {"columns": 3 if longest <= 12 else 2}
    colour: dict = {"field": series, "type": "nominal", "title": None, "legend": legend}
    if order:
        colour["sort"] = list(order)
        colour["scale"] = {"domain": list(order)}
        if colours:
            colour["scale"]["range"] = [colours.get(name, "#999") for name in order]
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "x": {**_time_x(grain), "type": "ordinal", "timeUnit": "utcyearmonth"},
        "y": {"field": "value", "type": "quantitative", "title": None, "axis": axis_format(unit)},
        "color": colour,
        "opacity": {
            "field": "status",
            "type": "ordinal",
            "scale": {"domain": ["complete", "to date"], "range": [1, 0.45]},
            "legend": None,
        },
        "tooltip": [
            {"field": "period", "type": "temporal", "timeUnit": "utcyearmonth", "title": "Period"},
            {"field": series, "type": "nominal", "title": series.title()},
            {"field": "value", "type": "quantitative", "format": tooltip_format(unit)},
            {"field": "status", "type": "nominal", "title": "Status"},
        ],
    }
    spec["encoding"]["x"]["axis"] = {"format": "%b %y", "labelAngle": 0, "labelOverlap": True}
    return spec


def grouped_bar(
    title: str, rows: list[dict], *, series: str, unit: str, grain: str = "month"
) -> dict:
    """Values over time, the ``series`` side by side in each period: for slices that need
    not add up to the whole (people using two products are one monthly active user; ratios
    never add), which stacking would sum into a total nobody has."""
    spec = stacked_bar(title, rows, series=series, unit=unit, grain=grain)
    spec["encoding"]["xOffset"] = {"field": series, "type": "nominal"}
    spec["encoding"]["y"]["stack"] = None
    return spec


def daily_stacked_bar(
    title: str,
    rows: list[dict],
    *,
    series: str,
    unit: str,
    first: date,
    last: date,
    height: int = 220,
) -> dict:
    """Values per day stacked by ``series``, on an axis of every day from ``first`` to
    ``last``: a day with nothing is a gap where it falls, so one busy day is one narrow bar,
    not a block across the whole chart."""
    spec = _base(title, rows, height)
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "x": {
            "field": "period",
            "type": "temporal",
            "timeUnit": "utcyearmonthdate",
            "title": None,
            "scale": {"domain": [first.isoformat(), (last + timedelta(days=1)).isoformat()]},
            # A tick a week: daily ticks crowd the axis, and the axis's own pick starts at the
            # window's first day and crowds the next label.
            "axis": {
                "format": "%d %b",
                "labelAngle": 0,
                "labelOverlap": True,
                "tickCount": {"interval": "utcweek"},
            },
        },
        "y": {"field": "value", "type": "quantitative", "title": None, "axis": axis_format(unit)},
        # Source names are long: three to a row run off a phone's chart.
        "color": {"field": series, "type": "nominal", "title": None, "legend": {"columns": 2}},
        "tooltip": [
            {"field": "period", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": "Day"},
            {"field": series, "type": "nominal", "title": series.title()},
            {"field": "value", "type": "quantitative", "format": tooltip_format(unit)},
        ],
    }
    return spec


def waterfall_floor(start: float, parts: Sequence[tuple[str, float]]) -> float:
    """Where a waterfall's axis starts: below the lowest level by more than the movements
    span, so the movements are legible (at 0 they would be slivers beside the totals)."""
    levels = [start]
    for _, amount in parts:
        levels.append(levels[-1] + amount)
    span = (max(levels) - min(levels)) or abs(start) * 0.1 or 1.0
    return max(0.0, min(levels) - 2 * span)


def waterfall_rows(start: float, parts: Sequence[tuple[str, float]], end: float) -> list[dict]:
    """Bars from ``start`` through each part to ``end``: each bar spans [low, high]; the
    start and end bars stand on the axis floor (``waterfall_floor``)."""
    floor = waterfall_floor(start, parts)
    rows = [{"step": "Start", "amount": start, "low": floor, "high": start, "kind": "Start"}]
    level = start
    for name, amount in parts:
        rows.append(
            {
                "step": name,
                "amount": amount,
                "low": min(level, level + amount),
                "high": max(level, level + amount),
                "kind": name,
            }
        )
        level += amount
    rows.append({"step": "End", "amount": end, "low": floor, "high": end, "kind": "End"})
    return rows


def waterfall(title: str, rows: list[dict], *, unit: str = "currency", height: int = 240) -> dict:
    """A waterfall from ``waterfall_rows``: start, each movement up or down, end."""
    spec = _base(title, rows, height)
    order = [row["step"] for row in rows]
    floor = min((row["low"] for row in rows), default=0.0)
    top = max((row["high"] for row in rows), default=0.0)
    spec["mark"] = {"type": "bar", "cornerRadius": 1}
    spec["encoding"] = {
        "x": {
            "field": "step",
            "type": "nominal",
            "sort": order,
            "title": None,
            # Every step must be named (thinning would drop one): slanted, they fit at phone
            # width as at desktop.
            "axis": {"labelAngle": -35, "labelAlign": "right", "labelBaseline": "top"},
        },
        "y": {
            "field": "low",
            "type": "quantitative",
            "title": None,
            "axis": axis_format(unit),
            # Room above the highest level, so a step ending there is not cut by the frame.
            "scale": {"zero": False, "nice": False, "domainMax": top + 0.05 * (top - floor)},
        },
        "y2": {"field": "high"},
        "color": {
            "field": "kind",
            "type": "nominal",
            "legend": None,
            "scale": {
                "domain": list(MOVEMENT_COLOURS),
                "range": list(MOVEMENT_COLOURS.values()),
            },
        },
        "tooltip": [
            {"field": "step", "type": "nominal", "title": "Step"},
            {
                "field": "amount",
                "type": "quantitative",
                "format": tooltip_format(unit),
                "title": "Amount",
            },
        ],
    }
    return spec


def heatmap(
    title: str,
    rows: list[dict],
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    unit: str = "ratio",
    height: int | None = None,
) -> dict:
    """A grid of cells coloured by ``value`` with the value written in each (cohorts)."""
    cohorts = len({row[y] for row in rows})
    columns = len({row[x] for row in rows}) or 1
    spec = _base(title, rows, height or max(160, 22 * cohorts))
    encoding = {
        "x": {"field": x, "type": "ordinal", "title": x_title, "axis": {"labelAngle": 0}},
        "y": {"field": y, "type": "ordinal", "title": y_title},
    }
    spec["encoding"] = encoding
    spec["layer"] = [
        {
            "mark": {"type": "rect"},
            "encoding": {
                "color": {
                    "field": "value",
                    "type": "quantitative",
                    "title": None,
                    "scale": {"scheme": "greens", "domain": [0, 1]},
                    # Five labels: six run "80%100%" together.
                    "legend": {"format": ".0%", "values": [0, 0.25, 0.5, 0.75, 1]},
                },
                "tooltip": [
                    {"field": y, "type": "ordinal", "title": y_title},
                    {"field": x, "type": "ordinal", "title": x_title},
                    {"field": "value", "type": "quantitative", "format": tooltip_format(unit)},
                ],
            },
        },
        {
            "mark": {"type": "text", "fontSize": 9},
            # "100%" needs about 24 px: on a narrower cell (a phone) the colour says it alone.
            "transform": [{"filter": f"width / {columns} >= {HEATMAP_TEXT_WIDTH}"}],
            "encoding": {
                "text": {"field": "value", "type": "quantitative", "format": ".0%"},
                "color": {
                    "condition": {"test": "datum.value > 0.5", "value": "white"},
                    "value": "#222",
                },
            },
        },
    ]
    return spec


def scatter(
    title: str,
    rows: list[dict],
    *,
    x: str,
    y: str,
    label: str,
    size: str,
    x_title: str,
    y_title: str,
    height: int = 260,
) -> dict:
    """Points coloured by ``label`` with a legend (text beside the points collides where two
    lie close, and at phone width always), a diagonal where x = y (growth and staffing in
    step)."""
    spec = _base(title, rows, height)
    tooltip = [
        {"field": label, "type": "nominal", "title": "Product"},
        {"field": x, "type": "quantitative", "format": ".1%", "title": x_title},
        {"field": y, "type": "quantitative", "format": ".1%", "title": y_title},
        {"field": size, "type": "quantitative", "format": "$,.0f", "title": "ARR"},
    ]
    axis = {"format": ".0%", "labelOverlap": True, "labelSeparation": 6}
    points = {
        "mark": {"type": "circle", "opacity": 0.85, "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "x": {"field": x, "type": "quantitative", "title": x_title, "axis": axis},
            "y": {"field": y, "type": "quantitative", "title": y_title, "axis": axis},
            "size": {
                "field": size,
                "type": "quantitative",
                "legend": None,
                "scale": {"range": [60, 900]},  # the smallest product still a visible dot
            },
            # Two to a row: one row of four product names runs off a phone's chart.
            "color": {"field": label, "type": "nominal", "title": None, "legend": {"columns": 2}},
            "tooltip": tooltip,
        },
    }
    lo = min(
        [0.0, *[r[x] for r in rows if r[x] is not None], *[r[y] for r in rows if r[y] is not None]]
    )
    hi = max(
        [0.0, *[r[x] for r in rows if r[x] is not None], *[r[y] for r in rows if r[y] is not None]]
    )
    diagonal = {
        "data": {"values": [{x: lo, y: lo}, {x: hi, y: hi}]},
        "mark": {"type": "line", "strokeDash": [4, 4], "color": "#999"},
        "encoding": {
            "x": {"field": x, "type": "quantitative"},
            "y": {"field": y, "type": "quantitative"},
        },
    }
    spec["layer"] = [diagonal, points]
    return spec
