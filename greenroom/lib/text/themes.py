"""Feedback grouped into themes, each labelled by the words that set it apart.

    themes = cluster_themes(texts, dates=dates)
    for theme in themes.themes:           # largest first
        theme.label, theme.count, theme.members, theme.trend   # trend: {"2026-01": 14, ...}
    themes.assignments                     # theme id per text, -1 = "other"

Method (docs/feedback-themes.md has the measurements behind each choice):
1. word 1-2-gram and character 3-5-gram TF-IDF of the analysis text (stop words kept: "please
   add", "doesn't" and "crash" are what separate a request from a bug report);
2. latent semantic analysis: a truncated SVD (learnt on the sample) to ``dimensions`` (10)
   and unit length, so
   k-means works on cosine similarity of topics rather than on raw, very sparse words;
3. k-means for every second k in ``k_range`` on a fixed sample of at most 20,000 texts; the k
   with the best silhouette (on 3,000 of them) wins and its centroids take every text;
4. a theme smaller than ``min_size`` joins "other" (id -1);
5. each theme is labelled by its most distinctive content terms (class-based, like c-TF-IDF,
   but weighted by each term's share of the theme's divergence from the whole collection,
   p(t|theme) * log(p(t|theme) / p(t)), which drops words common everywhere such as "app");
   English stop words are dropped for labels, not for clustering.

Deterministic: every random step has a fixed seed, and the same texts give the same themes.
Memory: sparse float32 features and a dense n x 10 matrix; 100,000 reviews fit in 2 GB.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from greenroom.lib.text.normalise import analysis_texts

SEED = 0
OTHER = -1
SILHOUETTE_SAMPLE = 3000
# Vocabularies, SVD and k-means are learnt on this many texts; the rest are projected/assigned.
FIT_SAMPLE = 20_000
CHUNK = 10_000
# Every second k in the range is tried: neighbouring ks barely differ, and each costs a k-means.
K_STEP = 2
LABEL_TERMS = 5


@dataclass
class Theme:
    """One theme: its id, label terms, member indices (into the input), count and trend."""

    id: int
    terms: list[str]
    members: list[int]
    trend: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many texts the theme holds."""
        return len(self.members)

    @property
    def label(self) -> str:
        """The representative terms as one short label."""
        return ", ".join(self.terms[:3])


@dataclass
class Themes:
    """Themes found in a set of texts, largest first, and the theme of each text."""

    themes: list[Theme]
    assignments: list[int]
    k: int
    other: list[int] = field(default_factory=list)
    silhouettes: dict[int, float] = field(default_factory=dict)


def theme_features(texts: list[str], dimensions: int = 10) -> np.ndarray:
    """The unit-length LSA vectors the clustering runs on (one row per text). Vocabularies and
    the SVD are learnt on at most FIT_SAMPLE texts (a fixed sample), then every text is
    projected: at 100,000 texts that is what keeps the time within budget. When the sample is
    every text, the weights the SVD learnt from are the ones projected (reading the texts
    again was a third of the time)."""
    n = len(texts)
    sample = _sample(n, FIT_SAMPLE)
    fitted = [texts[i] for i in sample]
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, dtype=np.float32)
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=3, dtype=np.float32
    )
    learnt = [v for v in (word, char) if _fits(v, fitted)]
    if not learnt or n < 3:
        return np.zeros((n, 1), dtype=np.float32)
    matrix = sparse.hstack([v.transform(fitted) for v in learnt], format="csr")
    dimensions = max(1, min(dimensions, matrix.shape[1] - 1, len(fitted) - 1))
    svd = TruncatedSVD(dimensions, random_state=SEED).fit(matrix)
    out = np.empty((n, dimensions), dtype=np.float32)
    for start in range(0, n, CHUNK):
        if len(fitted) == n:
            rows = matrix[start : start + CHUNK]
        else:
            part = texts[start : start + CHUNK]
            rows = sparse.hstack([v.transform(part) for v in learnt], format="csr")
        out[start : start + CHUNK] = svd.transform(rows)
    return normalize(out)


def _sample(n: int, size: int) -> np.ndarray:
    """A fixed, sorted sample of ``size`` of ``range(n)`` (everything when n is smaller)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(SEED).choice(n, size, replace=False))


def _fits(vectoriser: TfidfVectorizer, texts: list[str]) -> bool:
    try:
        vectoriser.fit(texts)
    except ValueError:  # no term reaches min_df (tiny or empty input)
        return False
    return True


def cluster_themes(
    texts: Sequence[str | bytes | None],
    dates: Sequence[dt.date | None] | None = None,
    *,
    k_range: tuple[int, int] = (4, 16),
    k: int | None = None,
    dimensions: int = 10,
    min_size: int | None = None,
) -> Themes:
    """Themes of ``texts`` (k chosen in ``k_range`` by silhouette unless ``k`` is given); with
    ``dates`` (same order, None allowed) each theme carries its count per month."""
    if dates is not None and len(dates) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(dates)} dates")
    clean = analysis_texts(texts)
    n = len(clean)
    if n == 0:
        return Themes(themes=[], assignments=[], k=0)
    vectors = theme_features(clean, dimensions)
    assignments, chosen, silhouettes = _cluster(vectors, k, k_range)
    min_size = min_size if min_size is not None else max(3, n // 200)
    sizes = np.bincount(assignments, minlength=chosen)
    assignments = np.where(sizes[assignments] >= min_size, assignments, OTHER)
    return _describe(clean, assignments, dates, chosen, silhouettes)


def _cluster(
    vectors: np.ndarray, k: int | None, k_range: tuple[int, int]
) -> tuple[np.ndarray, int, dict[int, float]]:
    """k-means for each candidate k on a fixed sample; the best silhouette's centroids then
    take every text (nearest centroid by cosine)."""
    fitted = vectors[_sample(len(vectors), FIT_SAMPLE)]
    distinct = len(np.unique(fitted.round(4), axis=0))
    candidates = [k] if k else list(range(k_range[0], k_range[1] + 1, K_STEP))
    candidates = sorted({max(1, min(c, distinct)) for c in candidates})
    scored = _sample(len(fitted), SILHOUETTE_SAMPLE)
    best: tuple[float, int, np.ndarray] | None = None
    silhouettes: dict[int, float] = {}
    for c in candidates:
        model = KMeans(c, n_init=3, random_state=SEED).fit(fitted)
        labels = model.labels_[scored]
        score = -1.0
        if len(np.unique(labels)) > 1:
            score = float(silhouette_score(fitted[scored], labels, random_state=SEED))
        silhouettes[c] = round(score, 4)
        if best is None or score > best[0]:
            best = (score, c, model.cluster_centers_)
    assert best is not None
    centres = normalize(best[2])
    assignments = np.empty(len(vectors), dtype=np.int64)
    for start in range(0, len(vectors), CHUNK):
        assignments[start : start + CHUNK] = (vectors[start : start + CHUNK] @ centres.T).argmax(1)
    return assignments, best[1], silhouettes


def _describe(
    clean: list[str],
    assignments: np.ndarray,
    dates: Sequence[dt.date | None] | None,
    chosen: int,
    silhouettes: dict[int, float],
) -> Themes:
    ids = sorted(set(assignments.tolist()) - {OTHER})
    terms = label_terms(clean, assignments, ids)
    themes = []
    for theme_id in ids:
        members = np.flatnonzero(assignments == theme_id).tolist()
        themes.append(Theme(theme_id, terms[theme_id], members, _trend(members, dates)))
    themes.sort(key=lambda theme: (-theme.count, theme.id))
    # Ids follow size so the largest theme is 0 whatever order k-means found them in.
    renumber = {theme.id: new for new, theme in enumerate(themes)}
    for theme in themes:
        theme.id = renumber[theme.id]
    final = [renumber.get(a, OTHER) for a in assignments.tolist()]
    other = [i for i, a in enumerate(final) if a == OTHER]
    return Themes(themes, final, chosen, other, silhouettes)


def label_terms(
    texts: list[str], assignments: np.ndarray, ids: list[int], top: int = LABEL_TERMS
) -> dict[int, list[str]]:
    """Each theme's most distinctive content terms (see the module docstring, step 5)."""
    if not ids:
        return {}
    counter = CountVectorizer(
        ngram_range=(1, 2), stop_words="english", min_df=2, token_pattern=r"(?u)\b[^\W\d_]{2,}\b"
    )
    try:
        counts = counter.fit_transform(texts)
    except ValueError:
        return {theme_id: [] for theme_id in ids}
    vocabulary = counter.get_feature_names_out()
    index = {theme_id: row for row, theme_id in enumerate(ids)}
    rows = [index.get(a, -1) for a in assignments.tolist()]
    keep = [i for i, row in enumerate(rows) if row >= 0]
    membership = sparse.csr_matrix(
        (np.ones(len(keep)), ([rows[i] for i in keep], keep)), shape=(len(ids), len(texts))
    )
    per_theme = np.asarray((membership @ counts).todense(), dtype=np.float64)
    overall = np.asarray(counts.sum(axis=0), dtype=np.float64).ravel()
    p_term = (overall + 1.0) / (overall.sum() + len(overall))
    p_in_theme = per_theme / np.maximum(per_theme.sum(axis=1, keepdims=True), 1.0)
    # A term's share of the theme's divergence from the whole collection: frequent in the
    # theme *and* more frequent there than overall ("app" is everywhere, so it scores ~0).
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(p_in_theme > 0, p_in_theme * np.log(p_in_theme / p_term), 0.0)
    result = {}
    for theme_id, row in index.items():
        order = np.argsort(-weights[row], kind="stable")
        picked: list[str] = []
        for term_index in order:
            if weights[row, term_index] <= 0 or len(picked) == top:
                break
            term = str(vocabulary[term_index])
            # "dark mode" after "dark" and "mode" (or the reverse) says nothing new.
            if any(term in kept or kept in term for kept in picked):
                continue
            picked.append(term)
        result[theme_id] = picked
    return result


def _trend(members: list[int], dates: Sequence[dt.date | None] | None) -> dict[str, int]:
    if dates is None:
        return {}
    months: dict[str, int] = {}
    for i in members:
        date = dates[i]
        if date is not None:
            key = f"{date.year:04d}-{date.month:02d}"
            months[key] = months.get(key, 0) + 1
    if not months:
        return {}
    # Every month from the first to the last, zeros included, so a chart shows the gaps.
    first, last = min(months), max(months)
    year, month = int(first[:4]), int(first[5:])
    out = {}
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        out[key] = months.get(key, 0)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
