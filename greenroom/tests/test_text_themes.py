"""Themes: obvious themes separated and labelled, deterministic, with a monthly trend."""

import datetime as dt

from sklearn.metrics import adjusted_mutual_info_score

from greenroom.lib.text import cluster_themes
from greenroom.testing.shared_data import planted_feedback

SSO = [f"SSO login with Okta fails for user {n}, single sign-on error" for n in range(12)]
DARK = [f"Please add a dark mode theme, screen {n} is too bright at night" for n in range(12)]


def test_it_separates_two_obvious_themes_and_labels_them_by_their_words():
    themes = cluster_themes(SSO + DARK, k=2)
    members = sorted(sorted(theme.members) for theme in themes.themes)
    assert members == [list(range(12)), list(range(12, 24))]
    labels = {tuple(theme.members[:1]): " ".join(theme.terms) for theme in themes.themes}
    assert "sso" in labels[(0,)] or "okta" in labels[(0,)]
    assert "dark" in labels[(12,)]


def test_it_is_deterministic():
    texts, _, _ = planted_feedback()
    first, second = cluster_themes(texts), cluster_themes(texts)
    assert first.assignments == second.assignments
    assert [t.terms for t in first.themes] == [t.terms for t in second.themes]


def test_it_finds_the_planted_themes():
    texts, truth, _ = planted_feedback()
    themes = cluster_themes(texts)
    assert adjusted_mutual_info_score(truth, themes.assignments) > 0.75
    assert sum(theme.count for theme in themes.themes) + len(themes.other) == len(texts)
    assert [t.count for t in themes.themes] == sorted(
        (t.count for t in themes.themes), reverse=True
    )


def test_it_counts_each_theme_by_month_with_empty_months_shown():
    dates = [dt.date(2026, 1, 5)] * 12 + [dt.date(2026, 3, 9)] * 11 + [None]
    themes = cluster_themes(SSO + DARK, dates=dates, k=2)
    by_first = {theme.members[0]: theme.trend for theme in themes.themes}
    assert by_first[0] == {"2026-01": 12}
    assert by_first[12] == {"2026-03": 11}


def test_it_puts_themes_smaller_than_min_size_into_other():
    texts = SSO + DARK[:2]
    themes = cluster_themes(texts, k=2, min_size=3)
    assert sorted(themes.other) == [12, 13]
    assert all(themes.assignments[i] == -1 for i in (12, 13))


def test_it_survives_empty_tiny_html_and_huge_input():
    assert cluster_themes([]).themes == []
    assert len(cluster_themes(["one"]).assignments) == 1
    odd = ["<script>alert(1)</script>", "", None, "x" * 500_000, b"\xff\xfe broken", "ok"] * 3
    themes = cluster_themes(odd)
    assert len(themes.assignments) == len(odd)


def test_its_features_are_the_sample_weights_projected_when_the_sample_is_every_text(
    monkeypatch,
):
    # The vectorisers read the texts once to learn and once to weigh; the weights the SVD
    # learnt from are projected as they are. Computed here step by step, with a chunk size
    # that splits the texts, they agree to the last bit.
    import numpy as np
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    from greenroom.lib.text import themes
    from greenroom.lib.text.normalise import analysis_texts

    texts = analysis_texts(planted_feedback()[0])
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, dtype=np.float32)
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=3, dtype=np.float32
    )
    matrix = sparse.hstack([v.fit(texts).transform(texts) for v in (word, char)], format="csr")
    svd = TruncatedSVD(10, random_state=themes.SEED).fit(matrix)
    expected = normalize(svd.transform(matrix).astype(np.float32))
    monkeypatch.setattr(themes, "CHUNK", len(texts) // 3)
    assert len(texts) <= themes.FIT_SAMPLE
    np.testing.assert_array_equal(themes.theme_features(texts), expected)
