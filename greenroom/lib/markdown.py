"""Markdown rendered safely: cadences' templates, guides and agendas, research notes.

markdown-it-py's CommonMark parser with raw HTML switched off (``html: False``): a ``<script>``
typed into a template is shown as text, never run, so nothing needs sanitising afterwards
(rejected: Python-Markdown, which passes raw HTML through and needs nh3 after it). Links keep
only safe schemes: markdown-it's own ``validateLink`` refuses ``javascript:``, ``vbscript:``,
``file:`` and non-image ``data:`` URLs.
"""

from markdown_it import MarkdownIt

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.enable("table")


def render(text: str, *, shift: int = 2) -> str:
    """The HTML of ``text`` (safe to mark safe: raw HTML is escaped by the parser). Headings
    move down ``shift`` levels (``#`` becomes ``<h3>``): the text sits inside a page that
    has its own ``<h1>`` and section ``<h2>``s."""
    tokens = _parser.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
    return _parser.renderer.render(tokens, _parser.options, {})


def headings(text: str) -> list[str]:
    """The text of every heading in ``text``, in order."""
    tokens = _parser.parse(text or "")
    return [
        tokens[index + 1].content.strip()
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and index + 1 < len(tokens)
    ]


def missing_sections(text: str, required: list[str]) -> list[str]:
    """The required headings ``text`` lacks (compared without case or outer spaces)."""
    present = {heading.casefold() for heading in headings(text)}
    return [section for section in required if section.strip().casefold() not in present]
