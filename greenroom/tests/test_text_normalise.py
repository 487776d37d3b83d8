"""What the analysis reads survives real exports: HTML, scripts, broken encodings, huge texts."""

from greenroom.lib.text import MAX_ANALYSIS_CHARS, analysis_text


def test_it_strips_html_and_drops_script_and_style_bodies():
    raw = (
        "<div><p>Export&nbsp;fails</p><script>alert('x')</script>"
        "<style>p{color:red}</style><br>on&amp;off</div>"
    )
    assert analysis_text(raw) == "Export fails on&off"


def test_it_keeps_text_that_only_looks_like_a_tag():
    assert analysis_text("a < b and I <3 it") == "a < b and I <3 it"


def test_it_repairs_utf8_read_as_cp1252():
    assert analysis_text("CafÃ© doesnâ€\u2122t load") == "Café doesn\u2019t load"


def test_it_decodes_bytes_that_are_not_utf8():
    assert analysis_text("naïve café".encode("cp1252")) == "naïve café"
    assert analysis_text("\ufeffhello".encode()) == "hello"


def test_it_keeps_emoji_and_drops_control_characters():
    assert analysis_text("love it 😍\x00\u200b\u202eok") == "love it 😍 ok"


def test_it_truncates_a_huge_text_for_analysis():
    text = analysis_text("crash " * 1_000_000)
    assert len(text) == MAX_ANALYSIS_CHARS
    assert text.startswith("crash crash")


def test_it_replaces_urls_and_email_addresses_by_a_placeholder():
    assert analysis_text("see https://x.io/a?b=1 or mail ann@acme.com") == (
        "see _url_ or mail _email_"
    )


def test_it_reads_nothing_as_empty():
    assert analysis_text(None) == ""
    assert analysis_text("  \n\t ") == ""
