"""The pre-read pack as a PDF, drawn with ReportLab (pure Python, no system libraries).

Rejected: WeasyPrint (its font subsetting brings brotli, which makes WhiteNoise's
collectstatic ten times slower on every ``greenroom serve``; pyproject.toml says so for
locust) and headless Chromium (tests have it, a server may not). The KPI section is drawn
as a table; every other section's HTML is reduced to its text, so a section an app
registers later appears in the PDF without PDF code of its own.
"""

import io
import re
from html import unescape

from django.template.loader import render_to_string
from django.utils.html import escape, strip_tags
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from greenroom.cadences.models import Occurrence
from greenroom.cadences.selectors import PackPart

_STYLES = getSampleStyleSheet()


def _number(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{100 * value:.1f}%"
    return f"{value:,.0f}"


def _kpi_table(context: dict) -> list:
    if context.get("unavailable"):
        return [Paragraph(escape(context["unavailable"]), _STYLES["BodyText"])]
    rows = [["KPI", "Now", "Month before", "Change"]]
    for row in context["rows"]:
        change = row["change"]
        rows.append(
            [
                row["title"],
                _number(row["current"], row["unit"]),
                _number(row["previous"], row["unit"]),
                "—"
                if change is None
                else (f"{100 * change:+.1f} pts" if row["unit"] == "ratio" else f"{change:+,.0f}"),
            ]
        )
    table = Table(rows, colWidths=[70 * mm, 35 * mm, 35 * mm, 30 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    return [table]


def _text_of(part: PackPart) -> list:
    if part.section.waits_for:
        return [
            Paragraph(
                f"Not available yet: waits for {escape(part.section.waits_for)}.", _STYLES["Italic"]
            )
        ]
    html = render_to_string(part.section.template, {"section": part.context})
    lines = [
        unescape(strip_tags(line)).strip() for line in re.split(r"<(?:br|/p|/tr|/li)[^>]*>", html)
    ]
    return [Paragraph(escape(line), _STYLES["BodyText"]) for line in lines if line]


def pack_pdf(
    *, occurrence: Occurrence, parts: list[PackPart], actions: dict, decisions: dict
) -> bytes:
    """The occurrence's pack: its sections, pending decisions and open actions."""
    story: list = [
        Paragraph(
            escape(f"{occurrence.cadence.name}, {occurrence.starts_at:%d %B %Y}"), _STYLES["Title"]
        ),
        Paragraph("Pre-read pack", _STYLES["Italic"]),
    ]
    for part in parts:
        story += [Spacer(1, 4 * mm), Paragraph(escape(part.section.title), _STYLES["Heading2"])]
        story += _kpi_table(part.context or {}) if part.section.key == "kpis" else _text_of(part)
    story += [Spacer(1, 4 * mm), Paragraph("Decisions pending", _STYLES["Heading2"])]
    pending = [d for d in decisions["here"] + decisions["carried"] if d.is_pending()]
    story += [
        Paragraph(escape(f"{d.question} (decider: {d.decider})"), _STYLES["BodyText"])
        for d in pending
    ] or [Paragraph("None.", _STYLES["BodyText"])]
    story += [Spacer(1, 4 * mm), Paragraph("Open action items", _STYLES["Heading2"])]
    items = [a for a in actions["here"] + actions["carried"] if a.done_at is None]
    story += [
        Paragraph(escape(f"{a.title}: {a.owner}, due {a.due:%d %b %Y}"), _STYLES["BodyText"])
        for a in items
    ] or [Paragraph("None.", _STYLES["BodyText"])]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=f"{occurrence} pre-read", leftMargin=18 * mm, rightMargin=18 * mm
    )
    document.build(story)
    return buffer.getvalue()
