"""What a quarter's board pack says: slides of figures, tables and charts, read through the
dashboards' selectors (so every figure is the dashboards' and the metrics layer's own) and
drawn by two writers, ``slides.py`` (PowerPoint) and ``pdf.py`` (its PDF twin).

A slide is a title and at most two blocks side by side (a table, a chart, lines of text),
with speaker notes: the definitions of the metrics on it. The headline figures are the
quarter's last complete month (a running quarter is "to date"), compared with the same month
one quarter earlier, as the dashboards do for a period of three months. Charts are the
dashboards' Vega-Lite specifications over the twelve months to the quarter's end, rendered
to PNG by vl-convert (no browser).
"""

import json
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from greenroom import registry
from greenroom.accounts.models import Workspace
from greenroom.dashboards import assets, charts, formatting, periods, selectors
from greenroom.dashboards.periods import Period, month_add
from greenroom.metrics import selectors as metrics

QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
TABLE_ROWS = 12  # more rows than this would not be legible on a slide: the rest are counted
Progress = Callable[[int, str], None]


class BoardPackError(Exception):
    """The pack cannot be written for this quarter; the message says why, for people."""


@dataclass
class Table:
    """Header then rows of text; ``numeric`` columns are right-aligned."""

    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()
    emphasis: frozenset[int] = frozenset()  # rows drawn muted (unallocated)


@dataclass
class Image:
    """A chart rendered to PNG, with its pixel size (for the aspect ratio)."""

    png: bytes
    width: int
    height: int
    caption: str = ""


@dataclass
class Lines:
    """Paragraphs of text (a bullet each when ``bullets``)."""

    lines: list[str]
    bullets: bool = True


Block = Table | Image | Lines


@dataclass
class Slide:
    """One slide (one PDF page): a title, up to two blocks, a footnote and speaker notes."""

    key: str
    title: str
    subtitle: str = ""
    blocks: list[Block] = field(default_factory=list)
    split: float = 0.5  # the left block's share of the width when there are two
    footnote: str = ""
    notes: str = ""


@dataclass
class Pack:
    """A quarter's board pack, ready for the writers."""

    company: str
    colour: str
    quarter: str  # "Q4 2025"
    code: str  # "2025Q4"
    as_of: date
    reference: date
    partial: bool
    slides: list[Slide]
    definitions: list[dict]

    @property
    def filename(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.company.lower()).strip("-") or "company"
        return f"{slug}-board-pack-{self.code}"


def quarter_code(text: str) -> str:
    """'2025q4', '2025-Q4' → '2025Q4'; anything else is refused with what to write."""
    match = QUARTER.match(text or "")
    if match is None:
        raise BoardPackError(f"'{text}' is not a quarter: write it as 2025Q4.")
    return f"{match[1]}Q{match[2]}"


def quarters_with_data(*, workspace: Workspace) -> list[str]:
    """The quarters billing data covers, newest first (for the page's choice)."""
    try:
        rows = metrics.metric("mrr", workspace=workspace, grain="month").rows
    except metrics.MetricsUnavailable:
        return []
    seen = {f"{r['period'].year}Q{(r['period'].month - 1) // 3 + 1}" for r in rows}
    return sorted(seen, reverse=True)


def build(*, workspace: Workspace, quarter: str, progress: Progress | None = None) -> Pack:
    """The pack for ``quarter`` (e.g. '2025Q4'), or BoardPackError saying why there is none."""
    step = progress or (lambda percent, text: None)
    code = quarter_code(quarter)
    try:
        as_of = metrics.as_of(workspace=workspace)
    except metrics.MetricsUnavailable as error:
        raise BoardPackError(str(error)) from None
    try:
        period = periods.parse(code, as_of=as_of)
    except periods.PeriodError as error:
        raise BoardPackError(str(error)) from None
    if period.first > as_of:
        raise BoardPackError(
            f"{period.label} has not started: the data runs to {as_of:%d %b %Y}, so there is "
            "nothing to report for it yet."
        )
    try:
        scope = selectors.scope_for(workspace, where={}, period=period, as_of=as_of)
    except selectors.NoData as error:
        raise BoardPackError(f"No board pack for {period.label}: {error}") from None
    year = _trailing_year(scope)
    colour = workspace.brand_colour
    step(10, "Reading the headline figures")
    exe, exe_year = selectors.executive(scope), selectors.executive(year)
    step(25, "Reading portfolio economics and segments")
    portfolio = selectors.portfolio(scope)
    segments = selectors.customers(scope, by="segment")
    step(35, "Reading usage and adoption")
    usage, usage_year = selectors.usage(scope), selectors.usage(year)
    # Keyed per dashboard: both have a chart called "retention" (revenue, and user cohorts).
    revenue_year = {c.key: c for c in exe_year["charts"]}
    usage_charts = {c.key: c for c in usage_year["charts"]}
    portfolio_charts = {c.key: c for c in portfolio["charts"]}
    step(45, "Drawing the charts")
    currency = workspace.reporting_currency
    slides = [
        _title(workspace, scope),
        _headline(scope, exe["kpis"], currency),
        _movements(scope, currency, colour),
        _trends(revenue_year, colour),
        _portfolio(scope, portfolio, currency),
        _staffing(portfolio_charts["staffing"], colour),
        _segments(segments, currency),
        _usage(usage["kpis"], usage_charts, currency, colour),
        _adoption(usage, colour),
        _notable(workspace, period, as_of),
    ]
    step(80, "Writing the files")
    return Pack(
        company=workspace.name,
        colour=colour,
        quarter=period.label,
        code=code,
        as_of=as_of,
        reference=scope.reference,
        partial=scope.reference_partial,
        slides=slides,
        definitions=_definitions(scope),
    )


def _trailing_year(scope: selectors.Scope) -> selectors.Scope:
    """The same reference month over the twelve months to the quarter's end (the charts)."""
    last = scope.period.last
    period = Period("12m", "Last 12 months", month_add(last, -11), last)
    return selectors.Scope(
        workspace=scope.workspace,
        where={},
        period=period,
        as_of=scope.as_of,
        reference=scope.reference,
        reference_partial=scope.reference_partial,
    )


# -- charts -------------------------------------------------------------------------------


def image(spec: dict, *, colour: str, width: int = 640, height: int = 300) -> Image:
    """A dashboard chart's specification rendered to PNG for a slide: without its title (the
    slide has one), at a slide's proportions, in the brand colour where the dashboards use
    the house green."""
    sized = {**spec, "width": width}
    sized.pop("title", None)
    if "height" in sized and isinstance(sized["height"], int):
        sized["height"] = height
    branded = json.loads(json.dumps(sized).replace(charts.PALETTE[0], colour))
    # A single series takes Vega-Lite's default mark colour, not the palette's first.
    branded["config"] = {**branded.get("config", {}), "mark": {"color": colour}}
    png = assets.render(branded, "png")
    # The PNG header holds the size: bytes 16-24 are width and height, big-endian.
    w, h = struct.unpack(">II", png[16:24])
    return Image(png=png, width=w, height=h)


# -- slides -------------------------------------------------------------------------------


def _month_label(scope: selectors.Scope) -> str:
    return f"{scope.reference:%B %Y}" + (" to date" if scope.reference_partial else "")


def _title(workspace: Workspace, scope: selectors.Scope) -> Slide:
    running = scope.period.last >= date(scope.as_of.year, scope.as_of.month, 1)
    subtitle = f"Board pack, {scope.period.label}" + (" (to date)" if running else "")
    return Slide(
        key="title",
        title=workspace.name,
        subtitle=subtitle,
        blocks=[
            Lines(
                [
                    f"Figures at the end of {_month_label(scope)}, compared with "
                    f"{scope.compared:%B %Y} (one quarter earlier).",
                    f"Data as of {scope.as_of:%d %B %Y}. "
                    f"Amounts in {workspace.reporting_currency}.",
                ],
                bullets=False,
            )
        ],
        notes="Every figure in this pack is read from Greenroom's metrics layer, the same "
        "numbers as the dashboards. Each slide's notes define the metrics on it.",
    )


def _shown(value, unit: str, currency: str) -> str:
    return formatting.figure(value, unit, currency)[0]


def _delta(kpi: dict, other: float | None) -> str:
    """The change from ``other`` to the KPI's value: points for ratios, else relative."""
    value = kpi["value"]
    if value is None or other is None:
        return formatting.DASH
    if kpi["unit"] == "ratio":
        return formatting.points(value - other)
    return formatting.change(value / other - 1) if other else formatting.DASH


def _headline(scope: selectors.Scope, kpis: list[dict], currency: str) -> Slide:
    rows = [
        [
            "",
            f"{scope.reference:%b %Y}" + (" to date" if scope.reference_partial else ""),
            f"{scope.compared:%b %Y}",
            "Change",
            "Target",
            "Vs target",
        ]
    ]
    for kpi in kpis:
        target = kpi["target"]
        rows.append(
            [
                kpi["title"],
                _shown(kpi["value"], kpi["unit"], currency),
                _shown(kpi["previous"], kpi["unit"], currency),
                _delta(kpi, kpi["previous"]),
                _shown(target.value, kpi["unit"], currency) if target else "",
                _delta(kpi, target.value) if target else "",
            ]
        )
    set_by = [
        f"{k['title']}, “{k['target'].title}”, due {k['target'].due_on:%d %b %Y}, "
        f"{k['target'].status_label.lower()}"
        for k in kpis
        if k["target"]
    ]
    footnote = (
        "Targets from key results: " + "; ".join(set_by) + "."
        if set_by
        else "No targets are set for these figures yet (key results bound to these metrics "
        "set them)."
    )
    if all(k["previous"] is None for k in kpis):
        footnote = f"No data for {scope.compared:%B %Y}: no comparison. " + footnote
    return Slide(
        key="headline",
        title="Headline figures",
        subtitle=f"End of {_month_label(scope)} against one quarter earlier and against target",
        blocks=[Table(rows, numeric=frozenset(range(1, 6)))],
        footnote=footnote.strip(),
        notes=_notes(scope, [k["metric"] for k in kpis]),
    )


def movements_steps(scope: selectors.Scope) -> tuple[float, list[tuple[str, float]], float]:
    """The quarter's MRR bridge: MRR at the end of the month before the quarter, each
    movement summed over the quarter's months to the reference month, MRR at its end."""
    mrr = {selectors._month(r["period"]): r["value"] for r in scope.read("mrr").rows}
    moves = scope.read("mrr_movements").rows
    first = scope.period.first
    months = [r for r in moves if first <= selectors._month(r["period"]) <= scope.reference]
    start = mrr.get(month_add(first, -1), 0.0)
    parts = [(selectors.MOVEMENT_LABELS[m], sum(r[m] for r in months)) for m in selectors.MOVEMENTS]
    return start, parts, mrr.get(scope.reference, 0.0)


def _movements(scope: selectors.Scope, currency: str, colour: str) -> Slide:
    start, parts, end = movements_steps(scope)
    steps = charts.waterfall_rows(start, parts, end)
    before = month_add(scope.period.first, -1)
    spec = charts.waterfall("MRR bridge", steps)
    rows = [["", "MRR"], [f"End of {before:%b %Y}", formatting.exact_money(start, currency)]]
    for name, amount in parts:
        sign = "+" if amount > 0 else ""
        rows.append([name, sign + formatting.exact_money(amount, currency)])
    rows.append([f"End of {_month_label(scope)}", formatting.exact_money(end, currency)])
    net = end - start
    return Slide(
        key="movements",
        title="Revenue movements",
        subtitle=f"How MRR moved from the end of {before:%b %Y} to the end of "
        f"{_month_label(scope)}: net {'+' if net >= 0 else ''}"
        f"{formatting.compact_money(net, currency)}",
        blocks=[
            image(spec, colour=colour, width=600, height=320),
            Table(rows, numeric=frozenset({1})),
        ],
        split=0.6,
        footnote="The chart's axis starts above zero so the movements show.",
        notes=_notes(scope, ["mrr", "mrr_movements"]),
    )


def _trends(found: dict[str, charts.Chart], colour: str) -> Slide:
    return Slide(
        key="trends",
        title="ARR and retention, last 12 months",
        blocks=[
            _captioned(found["arr"], colour),
            _captioned(found["retention"], colour),
        ],
        footnote="A hollow point is a month still running ('to date').",
        notes=_definitions_text(["arr", "nrr", "grr"]),
    )


def _captioned(chart: charts.Chart, colour: str, height: int = 300) -> Image:
    picture = image(chart.spec, colour=colour, width=560, height=height)
    picture.caption = chart.title
    return picture


def _portfolio(scope: selectors.Scope, data: dict, currency: str) -> Slide:
    label = data["growth_label"] or "on the quarter before"
    rows = [
        [
            "Product",
            "ARR",
            "ARR growth",
            "Cost",
            "Cost growth",
            "FTE",
            "Cost ÷ MRR",
            "ARR per FTE",
        ]
    ]
    muted = set()
    for index, r in enumerate(data["products"][:TABLE_ROWS], start=1):
        rows.append(
            [
                r["name"],
                formatting.compact_money(r["arr"], currency),
                formatting.change(r["arr_growth"]),
                formatting.compact_money(r["cost"], currency),
                formatting.change(r["cost_growth"]),
                formatting.decimal(r["fte"]),
                formatting.percent(r["cost_to_revenue"]),
                formatting.compact_money(r["revenue_per_fte"], currency),
            ]
        )
        if r["unallocated"]:
            muted.add(index)
    total = data["total"]
    rows.append(
        [
            "Total",
            formatting.compact_money(total["arr"], currency),
            "",
            formatting.compact_money(total["cost"], currency),
            "",
            formatting.decimal(total["fte"]),
            # The metric is cost over MRR: the total's too (ARR is twelve times MRR).
            formatting.percent(12 * total["cost"] / total["arr"] if total["arr"] else None),
            formatting.compact_money(
                total["arr"] / total["fte"] if total["fte"] else None, currency
            ),
        ]
    )
    more = len(data["products"]) - TABLE_ROWS
    footnote = (
        f"Growth {label}. Cost: the month's. Cost ÷ MRR: the month's cost against its recurring "
        "revenue. Unallocated: cost and headcount of teams that own no product."
    )
    if more > 0:
        footnote += f" {more} more products are on the Portfolio economics dashboard."
    return Slide(
        key="portfolio",
        title="Portfolio economics",
        subtitle=f"Per product at the end of {_month_label(scope)}",
        blocks=[Table(rows, numeric=frozenset(range(1, 8)), emphasis=frozenset(muted))],
        footnote=footnote,
        notes=_notes(scope, ["arr", "cost", "headcount", "cost_to_revenue", "revenue_per_fte"]),
    )


def _staffing(chart: charts.Chart, colour: str) -> Slide:
    return Slide(
        key="staffing",
        title="Are we staffed for growth?",
        subtitle="ARR growth against headcount growth per product, on the quarter before",
        blocks=[
            image(chart.spec, colour=colour, width=620, height=340),
            Lines([chart.note, "The size of a point is the product's ARR."], bullets=False),
        ],
        split=0.66,
        notes=_definitions_text(["arr", "headcount"]),
    )


def _segments(data: dict, currency: str) -> Slide:
    rows = [["Segment", "ARR", "Share", "Growth", "NRR", "Logo churn", "Churned"]]
    for r in data["slices"][:TABLE_ROWS]:
        rows.append(
            [
                r["slice"],
                formatting.compact_money(r["arr"], currency),
                formatting.percent(r["share"]),
                formatting.change(r["arr_growth"]),
                formatting.percent(r["nrr"]),
                formatting.percent(r["logo_churn"]),
                formatting.integer(r["churned"]),
            ]
        )
    churns = data["largest"]["churn"][:5]
    blocks: list[Block] = [Table(rows, numeric=frozenset(range(1, 7)))]
    if churns:
        blocks.append(
            Lines(
                [
                    f"{m['name']}: {formatting.compact_money(m['amount'], currency)} MRR"
                    for m in churns
                ]
            )
        )
    return Slide(
        key="segments",
        title="Customers by segment",
        subtitle="ARR, growth on the quarter before, retention and churn per segment",
        blocks=blocks,
        split=0.72,
        footnote="Growth: ARR on the quarter before. Right: the largest churns of the month."
        if churns
        else "Growth: ARR on the quarter before.",
        notes=_definitions_text(["arr", "nrr", "logo_churn"]),
    )


def _usage(kpis: list[dict], found: dict[str, charts.Chart], currency: str, colour: str) -> Slide:
    rows = [["", "Latest", "Before", "Change"]]
    for kpi in kpis:
        rows.append(
            [
                kpi["title"],
                _shown(kpi["value"], kpi["unit"], currency),
                _shown(kpi["previous"], kpi["unit"], currency),
                _delta(kpi, kpi["previous"]),
            ]
        )
    return Slide(
        key="usage",
        title="Usage",
        subtitle="Active users and how often they come back",
        blocks=[Table(rows, numeric=frozenset({1, 2, 3})), _captioned(found["mau"], colour)],
        split=0.45,
        footnote="Daily and weekly figures: the last complete day and week against the one "
        "before; monthly: against one quarter earlier.",
        notes=_definitions_text(["active_users", "stickiness"]),
    )


def _adoption(data: dict, colour: str) -> Slide:
    adoption = [
        {"feature": f"{r['product']} · {r['feature']}", "value": r["value"]}
        for rows in data["adoption"].values()
        for r in rows
    ]
    adoption.sort(key=lambda r: -(r["value"] or 0))
    shown = adoption[:TABLE_ROWS]
    if not shown:
        blocks: list[Block] = [Lines(["No feature usage recorded for this month."], bullets=False)]
    else:
        spec = charts.bar("Feature adoption", shown, category="feature", unit="ratio")
        blocks = [image(spec, colour=colour, width=900, height=max(160, 26 * len(shown)))]
    footnote = "Share of active accounts using each feature in the month."
    if len(adoption) > len(shown):
        footnote += f" The {len(shown)} most adopted of {len(adoption)} features."
    return Slide(
        key="adoption",
        title="Feature adoption",
        blocks=blocks,
        footnote=footnote,
        notes=_definitions_text(["feature_adoption"]),
    )


def notable_changes(
    *, workspace: Workspace, since: date, until: date, limit: int = 8
) -> list[registry.Notable] | None:
    """Notable changes from every registered insight feed, or None when no app provides
    one yet (the pack and the digest then say so)."""
    feeds = registry.entries(registry.InsightFeed)
    if not feeds:
        return None
    found: list[registry.Notable] = []
    for feed in feeds:
        found += feed.recent(workspace=workspace, since=since, until=until, limit=limit)
    return found[:limit]


def _notable(workspace: Workspace, period: Period, as_of: date) -> Slide:
    until = min(month_add(period.last, 1), as_of)
    found = notable_changes(workspace=workspace, since=period.first, until=until)
    if found is None:
        lines = Lines(
            [
                "No insights are available yet: Greenroom does not look for notable changes "
                "in this installation. When proactive insights are turned on, the changes "
                "they find in the quarter appear here."
            ],
            bullets=False,
        )
    elif not found:
        lines = Lines(["Nothing notable was found in the quarter."], bullets=False)
    else:
        lines = Lines([f"{n.title}. {n.detail}".strip() for n in found])
    return Slide(
        key="notable",
        title="Notable changes",
        subtitle=f"Found in the data during {period.label}",
        blocks=[lines],
        notes="Notable changes are found by Greenroom's insight feeds after each refresh, "
        "without anyone asking; each links to its evidence in the app.",
    )


# -- definitions ----------------------------------------------------------------------------

PACK_METRICS = (
    "arr",
    "mrr",
    "mrr_movements",
    "nrr",
    "grr",
    "logo_churn",
    "paying_accounts",
    "active_accounts",
    "cost",
    "headcount",
    "cost_to_revenue",
    "revenue_per_fte",
    "active_users",
    "stickiness",
    "feature_adoption",
)


def _definition(name: str) -> dict:
    doc = metrics.metric_documentation(name)
    return {
        "name": name,
        "title": doc["title"],
        "text": doc["description"],
        "formula": doc["formula"],
    }


def _definitions_text(names: list[str]) -> str:
    parts = []
    for name in dict.fromkeys(names):
        d = _definition(name)
        parts.append(f"{d['title']}: {d['text']} Formula: {d['formula']}")
    return "\n\n".join(parts)


def _notes(scope: selectors.Scope, names: list[str]) -> str:
    return (
        f"Figures at the end of {_month_label(scope)}; compared with {scope.compared:%B %Y}.\n\n"
        + _definitions_text(names)
    )


def _definitions(scope: selectors.Scope) -> list[dict]:
    return [_definition(name) for name in PACK_METRICS]
