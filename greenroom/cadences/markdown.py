"""Markdown for templates, guides and agendas: the renderer lives in ``greenroom.lib.markdown``
(research renders notes with it too, and may not import cadences)."""

from greenroom.lib.markdown import headings, missing_sections, render

__all__ = ["headings", "missing_sections", "render"]
