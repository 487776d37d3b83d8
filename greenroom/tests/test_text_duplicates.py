"""Near-duplicates: exact, found through typos and markup, and equal to the brute-force answer."""

import random

import numpy as np

from greenroom.lib.text import analysis_texts, duplicate_groups, near_duplicates
from greenroom.lib.text.duplicates import duplicate_vectors


def test_it_finds_exact_duplicates_at_similarity_one():
    texts = ["Export to CSV fails", "Dark mode please", "Export to CSV fails"]
    assert near_duplicates(texts, 0.9) == [(0, 2, 1.0)]


def test_it_finds_a_copy_with_a_typo_or_markup_but_not_a_different_request():
    texts = [
        "The export to CSV times out on big dashboards",
        "<p>The export to CSV time out on big dashboards</p>",
        "Please add a dark mode to the mobile app",
    ]
    pairs = near_duplicates(texts, 0.8)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]
    assert 0.8 <= pairs[0][2] < 1.0


def test_it_pairs_no_blank_texts():
    assert near_duplicates(["", " ", "<p></p>", None], 0.5) == []


def test_it_returns_exactly_the_pairs_brute_force_finds():
    rng = random.Random(3)
    words = ["export", "csv", "dark", "mode", "login", "sso", "slow", "dashboard"]
    words += ["invoice", "payout", "crash", "sync"]
    texts = [" ".join(rng.choices(words, k=rng.randint(2, 6))) for _ in range(300)]
    clean = analysis_texts(texts)
    unique, inverse = np.unique(np.array(clean, dtype=object), return_inverse=True)
    vectors = duplicate_vectors([str(u) for u in unique])
    similarity = (vectors @ vectors.T).toarray()[inverse][:, inverse]
    for threshold in (0.95, 0.8, 0.6):
        upper = np.triu_indices(len(texts), 1)
        close = similarity[upper] >= threshold - 1e-6
        expected = set(zip(upper[0][close].tolist(), upper[1][close].tolist(), strict=True))
        found = near_duplicates(texts, threshold, block=64)
        assert {(i, j) for i, j, _ in found} == expected
        for i, j, score in found:
            assert abs(score - min(similarity[i, j], 1.0)) < 1e-3


def test_it_groups_pairs_into_components_largest_first():
    assert duplicate_groups(6, [(0, 1, 1.0), (1, 4, 0.9), (2, 3, 0.95)]) == [[0, 1, 4], [2, 3]]
    assert duplicate_groups(3, []) == []
