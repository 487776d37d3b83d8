"""The portfolio roadmap as a PDF, drawn with ReportLab as cadences' pack is (pure Python,
no system libraries): one table per group, with each item's key result status."""

import io

from django.utils.html import escape
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from greenroom.strategy.selectors import Portfolio

_STYLES = getSampleStyleSheet()


def _cell(text: str) -> Paragraph:
    return Paragraph(escape(text), _STYLES["BodyText"])


def portfolio_pdf(*, portfolio: Portfolio, grouping: str) -> bytes:
    """Every team's items, grouped as on the page, one row each."""
    story: list = [
        Paragraph("Portfolio roadmap", _STYLES["Title"]),
        Paragraph(f"{portfolio.count} items, grouped by {grouping.lower()}", _STYLES["Italic"]),
    ]
    for group in portfolio.groups:
        story += [Spacer(1, 4 * mm), Paragraph(escape(group.label), _STYLES["Heading2"])]
        rows: list[list] = [["Item", "Team", "Column", "Serves", "Key result"]]
        for item in group.items:
            kr = item.key_result
            status = kr.get_status_display() if kr else "—"
            if kr and kr.progress is not None:
                status += f" ({100 * kr.progress:.0f}%)"
            warning = portfolio.warnings.get(item.pk)
            rows.append(
                [
                    _cell(item.title + (f" (warning: {warning[0]})" if warning else "")),
                    _cell(item.team),
                    item.column,
                    _cell(item.serves() or "—"),
                    _cell(status),
                ]
            )
        table = Table(rows, colWidths=[95 * mm, 35 * mm, 22 * mm, 70 * mm, 35 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    if not portfolio.groups:
        story.append(_cell("No roadmap items yet."))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title="Portfolio roadmap",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
    )
    document.build(story)
    return buffer.getvalue()
