"""Feedback text made fit for analysis, never for storage or display.

Real exports carry HTML (Zendesk and Intercom bodies), scripts pasted by someone testing the
form, text decoded with the wrong codec ("CafÃ©" for "Café"), bytes that are not UTF-8 at all,
control characters, emoji and the occasional 2 MB log paste. :func:`analysis_text` turns any of
that into one short, plain line the vectorisers can read; the original stays as given in the
database and is always rendered escaped. Nothing here is ever shown to a person as the item's
text.
"""

import html
import re
import unicodedata
from collections.abc import Iterable

# Enough for a long support ticket; a pasted log adds nothing but time past this.
MAX_ANALYSIS_CHARS = 4000

# Script and style bodies are code, not words: dropped with their tags. Comments too.
_CODE_BLOCKS = re.compile(
    r"<(script|style|noscript|template)\b[^>]*>.*?(</\1\s*>|$)|<!--.*?(-->|$)",
    re.IGNORECASE | re.DOTALL,
)
# A tag: "<" then a letter, "/" or "!" (so "a < b" and "<3" stay text).
_TAG = re.compile(r"</?[a-zA-Z!][^<>]{0,2000}>")
# Tags that end a line or a cell: replaced by a space so words on both sides do not merge.
_BLOCK_BREAK = re.compile(r"<(br|/p|/div|/li|/tr|/td|/th|/h[1-6])\b[^>]*>", re.IGNORECASE)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_SPACE = re.compile(r"\s+")
# UTF-8 read as cp1252/latin-1: "Ã©", "â€™", "Ã¼"... two or three telltale characters.
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3\u00c5\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u017d\u017e\u0178\u2013-\u203a\u20ac\u2122]"
)


def decode(raw: bytes | str | None) -> str:
    """Text from bytes of unknown encoding: UTF-8 (with or without BOM), else cp1252."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # cp1252 maps every byte but five; those become U+FFFD rather than an error.
        return raw.decode("cp1252", errors="replace")


def repair_mojibake(text: str) -> str:
    """``text`` with UTF-8-read-as-cp1252 undone where that is what happened, else as given."""
    if not _MOJIBAKE.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def strip_html(text: str) -> str:
    """Words of an HTML fragment: code blocks and tags removed, entities decoded."""
    if "<" not in text and "&" not in text:
        return text
    text = _CODE_BLOCKS.sub(" ", text)
    text = _BLOCK_BREAK.sub(" ", text)
    text = _TAG.sub("", text)
    return html.unescape(text)


def _printable(text: str) -> str:
    # Control and format characters (NUL, bidi overrides, zero-width joiners between emoji)
    # split words invisibly; emoji themselves are symbols ("So") and stay as tokens.
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") else ch for ch in text
    )


def analysis_text(raw: bytes | str | None, max_chars: int = MAX_ANALYSIS_CHARS) -> str:
    """One text as the analysis reads it: decoded, repaired, HTML stripped, URLs and email
    addresses replaced by a placeholder word, NFKC-folded, whitespace collapsed, truncated."""
    # Cut early (with room for tags that will go) so a 50 MB paste costs no more than a page.
    text = decode(raw)[: max_chars * 8]
    text = repair_mojibake(text)
    text = strip_html(text)
    text = _URL.sub(" _url_ ", text)
    text = _EMAIL.sub(" _email_ ", text)
    text = unicodedata.normalize("NFKC", text)
    text = _printable(text)
    return _SPACE.sub(" ", text).strip()[:max_chars]


def analysis_texts(texts: Iterable[bytes | str | None]) -> list[str]:
    """:func:`analysis_text` for each of ``texts``, in order."""
    return [analysis_text(text) for text in texts]
