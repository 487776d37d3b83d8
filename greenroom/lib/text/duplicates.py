"""Near-duplicate feedback: pairs of texts whose character n-gram TF-IDF cosine reaches a threshold.

    near_duplicates(texts, threshold=0.9)   # [(i, j, similarity), ...] with i < j
    duplicate_groups(len(texts), pairs)      # [[0, 7, 9], [3, 4], ...] connected components

Vectors: character 3-5-grams within word boundaries (typos, plurals and "can't"/"cant" stay
close), sublinear tf, IDF, unit length, on the analysis text (HTML stripped, truncated).

Exact and all-pairs, yet sparse and blocked: a pair can reach cosine t only if it shares a
feature in both *prefixes*, where features are ordered rarest first and a text's prefix is the
shortest run of its rarest features such that the rest weighs less than t (the prefix filter
of Bayardo et al., "Scaling up all pairs similarity search", 2007). So the candidate pairs come
from the prefix matrix P (P @ P.T, one block of rows at a time), and each candidate's cosine is
then computed exactly from the full vectors. Identical analysis texts are collapsed first and
expanded at the end. Memory is bounded by the block size, not by n squared.
"""

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from greenroom.lib.text.normalise import analysis_texts

BLOCK = 2000
# Candidate pairs verified per step (bounds the gathered rows to ~100 MB of short texts).
VERIFY = 100_000

Pair = tuple[int, int, float]


def duplicate_vectors(texts: list[str]) -> sparse.csr_matrix:
    """Unit-length character n-gram TF-IDF rows (float32) of already-normalised texts."""
    vectoriser = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
    )
    try:
        return vectoriser.fit_transform(texts).tocsr()
    except ValueError:  # nothing but blanks
        return sparse.csr_matrix(np.zeros((len(texts), 0), dtype=np.float32))


def near_duplicates(
    texts: Sequence[str | bytes | None], threshold: float = 0.9, block: int = BLOCK
) -> list[Pair]:
    """Every pair (i, j, cosine), i < j, of ``texts`` at or above ``threshold``, sorted.
    Blank texts are nobody's duplicate."""
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    clean = analysis_texts(texts)
    unique, inverse = np.unique(np.array(clean, dtype=object), return_inverse=True)
    vectors = duplicate_vectors([str(u) for u in unique])
    blank = np.asarray(vectors.getnnz(axis=1) == 0)
    pairs = _similar_unique_pairs(vectors, threshold, block)
    return _expand(pairs, inverse.ravel(), blank)


def _prefixes(vectors: sparse.csr_matrix, threshold: float) -> sparse.csr_matrix:
    """Each row cut to its prefix: rarest features first, until the rest weighs < threshold."""
    frequency = np.bincount(vectors.indices, minlength=vectors.shape[1])
    # Rank 0 = rarest; ties broken by column so the order is one total order for every row.
    order = np.lexsort((np.arange(vectors.shape[1]), frequency))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    ranked = sparse.csr_matrix(
        (vectors.data.copy(), rank[vectors.indices], vectors.indptr.copy()), shape=vectors.shape
    )
    ranked.sort_indices()
    rows = ranked.shape[0]
    squares = ranked.data.astype(np.float64) ** 2
    # Weight from each entry to the end of its row, from one suffix sum over the whole array.
    suffix = np.cumsum(squares[::-1])[::-1]
    at_row_end = np.r_[suffix, 0.0][ranked.indptr[1:]]
    row_of = np.repeat(np.arange(rows), np.diff(ranked.indptr))
    keep = suffix - at_row_end[row_of] >= threshold**2 - 1e-6
    indptr = np.r_[0, np.cumsum(np.bincount(row_of[keep], minlength=rows))]
    # Cut in rank space; columns mapped back so prefix and full vectors share one vocabulary.
    return sparse.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float32), order[ranked.indices[keep]], indptr),
        shape=vectors.shape,
    )


def _similar_unique_pairs(
    vectors: sparse.csr_matrix, threshold: float, block: int
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    n = vectors.shape[0]
    if n < 2 or vectors.nnz == 0:
        return []
    prefix = _prefixes(vectors, threshold)
    prefix_t = prefix.T.tocsr()
    found = []
    for start in range(0, n, block):
        candidates = (prefix[start : start + block] @ prefix_t).tocoo()
        rows = candidates.row.astype(np.int64) + start
        cols = candidates.col.astype(np.int64)
        upper = rows < cols
        rows, cols = rows[upper], cols[upper]
        if not len(rows):
            continue
        similarity = _cosines(vectors, rows, cols)
        close = similarity >= threshold - 1e-6
        found.append((rows[close], cols[close], np.minimum(similarity[close], 1.0)))
    return found


def _cosines(vectors: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Exact cosine of each candidate pair, VERIFY pairs at a time: gathering the rows of
    millions of candidates at once is what would otherwise set the peak memory."""
    out = np.empty(len(rows), dtype=np.float64)
    for start in range(0, len(rows), VERIFY):
        part = slice(start, start + VERIFY)
        product = vectors[rows[part]].multiply(vectors[cols[part]])
        out[part] = np.asarray(product.sum(axis=1)).ravel()
    return out


def _expand(
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]], inverse: np.ndarray, blank: np.ndarray
) -> list[Pair]:
    """Pairs of original indices from pairs of unique texts, identical texts paired at 1.0."""
    members: dict[int, list[int]] = {}
    for original, unique in enumerate(inverse.tolist()):
        members.setdefault(unique, []).append(original)
    pairs: list[Pair] = []
    for unique, group in members.items():
        if blank[unique]:
            continue
        pairs += [(a, b, 1.0) for x, a in enumerate(group) for b in group[x + 1 :]]
    for rows, cols, similarity in found:
        for u, v, s in zip(rows.tolist(), cols.tolist(), similarity.tolist(), strict=True):
            score = round(float(s), 4)
            pairs += [(min(a, b), max(a, b), score) for a in members[u] for b in members[v]]
    pairs.sort()
    return pairs


def duplicate_groups(n: int, pairs: Sequence[Pair]) -> list[list[int]]:
    """The connected components (two or more texts) that ``pairs`` join, largest first."""
    from scipy.sparse.csgraph import connected_components

    if not pairs:
        return []
    rows = np.array([p[0] for p in pairs])
    cols = np.array([p[1] for p in pairs])
    graph = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(index)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g[0]))
