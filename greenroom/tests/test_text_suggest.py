"""Tag suggestions: learnt from people's tags, unsure ones hidden, stored as bytes."""

import numpy as np
import pytest

from greenroom.lib.text import TagSuggester
from greenroom.lib.text.suggest import MIN_SUPPORT, precision_threshold
from greenroom.testing.shared_data import planted_feedback


@pytest.fixture(scope="module")
def planted():
    texts, themes, _ = planted_feedback()
    return TagSuggester(target_precision=0.9).fit(texts[:240], [[t] for t in themes[:240]]), (
        texts[240:],
        themes[240:],
    )


def test_it_suggests_the_tag_people_would_give(planted):
    suggester, (texts, themes) = planted
    shown = [
        (s[0][0], theme) for s, theme in zip(suggester.suggest(texts), themes, strict=True) if s
    ]
    assert len(shown) >= 0.8 * len(texts)
    assert sum(a == b for a, b in shown) >= 0.95 * len(shown)


def test_it_hides_a_suggestion_it_is_unsure_of(planted):
    suggester, _ = planted
    assert suggester.threshold < 1.0
    assert suggester.suggest(["hello there", "ok", ""]) == [[], [], []]
    _, confidence = suggester.confidences(["hello there"])
    assert confidence.max() < suggester.threshold


def test_it_round_trips_through_bytes(planted):
    suggester, (texts, _) = planted
    again = TagSuggester.from_bytes(suggester.to_bytes())
    assert again.suggest(texts) == suggester.suggest(texts)
    with pytest.raises(ValueError, match="format version"):
        TagSuggester.from_bytes(b"\x80\x04K\x01.")  # a pickled 1, not a stored suggester


def test_it_suggests_several_labels_such_as_opportunity_ids():
    texts, themes, _ = planted_feedback()
    ids = {"sso-login": 101, "export-csv": 102, "slow-dashboards": 103}
    tag_lists = [[ids[t]] if t in ids else [] for t in themes]
    # Slow CSV exports belong to two opportunities.
    tag_lists = [
        [*labels, 102] if "export" in text.lower() and 103 in labels else labels
        for text, labels in zip(texts, tag_lists, strict=True)
    ]
    suggester = TagSuggester(target_precision=0.9).fit(texts, tag_lists)
    out = suggester.suggest(["Okta SSO login fails again", "Please add dark mode"])
    assert out[0] and out[0][0][0] == 101
    assert all(label != 101 for label, _ in out[1])


def test_it_suggests_nothing_when_there_is_nothing_to_learn():
    suggester = TagSuggester().fit(["a", "b", "c"], [["x"], ["x"], ["y"]])
    assert suggester.report.dropped_labels == ["x", "y"]
    assert suggester.suggest(["a"]) == [[]]


def test_it_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="2 texts but 1 tag lists"):
        TagSuggester().fit(["a", "b"], [["x"]])


def test_the_threshold_is_the_lowest_confidence_that_keeps_the_target_precision():
    # 40 texts, one label each: confidences fall 0.99 .. 0.60; the top 30 right, then wrong
    # and right in turn.
    n = 40
    confidence = np.linspace(0.99, 0.60, n)
    right = np.array([True] * 30 + [False, True] * 5)
    y = np.zeros((n, 2), dtype=bool)
    y[:, 0] = right
    y[:, 1] = ~right
    conf = np.column_stack([confidence, 1 - confidence])
    threshold, precision, support = precision_threshold(conf, y, 0.9)
    # Hand count: top 34 hold 32 right (0.941), 35: 32/35 (0.914), 36: 33/36 (0.917),
    # 37: 33/37 (0.892), 38: 34/38 (0.895), 39: 34/39, 40: 35/40: never 0.9 again past 36.
    assert support == 36
    assert threshold == pytest.approx(confidence[35])
    assert precision == pytest.approx(33 / 36)
    assert precision_threshold(conf[:10], y[:10], 0.9)[0] == float("inf")  # < MIN_SUPPORT
    assert MIN_SUPPORT == 20
