"""Which texts mean the closest thing to a question: latent semantic analysis, offline.

    space = MeaningSpace.fit(corpus)          # everything the workspace has written
    space.closest("can they download reports to Excel?", candidates, top=5)

Word TF-IDF (1-2 grams, English stop words dropped, sublinear counts) over the analysis text
(``normalise.analysis_text``), then a truncated SVD to at most ``dimensions`` topics learnt on
the whole corpus: two texts sharing no word still come close when the corpus uses their words
together ("spreadsheet" and "CSV export"). The score blends the cosine in that topic space
with the plain TF-IDF cosine, half each, so an exact wording still counts and a tiny corpus
(where the SVD has little to learn from) falls back on words. Deterministic (fixed seed).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from greenroom.lib.text.normalise import analysis_texts

SEED = 0
LSA_SHARE = 0.5


@dataclass
class MeaningSpace:
    """A vocabulary and topics learnt from a corpus."""

    words: TfidfVectorizer | None
    topics: TruncatedSVD | None

    @classmethod
    def fit(cls, corpus: Sequence[str], dimensions: int = 100) -> "MeaningSpace":
        """Learn words and topics from ``corpus`` (an empty or wordless one learns nothing)."""
        texts = analysis_texts(corpus)
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
        try:
            matrix = words.fit_transform(texts)
        except ValueError:  # no word at all
            return cls(None, None)
        # Far fewer topics than texts, or each text keeps a topic of its own and nothing is
        # generalised: about the square root of the corpus, up to ``dimensions``.
        k = min(dimensions, int(np.sqrt(matrix.shape[0])) + 1, matrix.shape[1] - 1)
        if k < 2:
            return cls(words, None)
        return cls(words, TruncatedSVD(k, random_state=SEED).fit(matrix))

    def vectors(self, texts: Sequence[str]) -> tuple[Any, np.ndarray | None]:
        """Unit TF-IDF rows (sparse) and unit topic rows of ``texts`` (None without topics)."""
        assert self.words is not None
        tfidf = normalize(self.words.transform(analysis_texts(texts)))
        topics = normalize(self.topics.transform(tfidf)) if self.topics is not None else None
        return tfidf, topics

    def scores(self, query: str, candidates: Sequence[str]) -> np.ndarray:
        """How close each candidate's meaning is to ``query``, from 0 to 1."""
        if self.words is None or not candidates:
            return np.zeros(len(candidates))
        return self.scores_against(query, self.vectors(candidates))

    def scores_against(self, query: str, candidates: tuple[Any, np.ndarray | None]) -> np.ndarray:
        """``scores`` for candidates already turned into ``vectors`` (kept between questions)."""
        c_words, c_topics = candidates
        if self.words is None or c_words.shape[0] == 0:
            return np.zeros(c_words.shape[0])
        q_words, q_topics = self.vectors([query])
        words = np.asarray((c_words @ q_words.T).todense()).ravel()
        if q_topics is None or c_topics is None:
            return words
        topics = np.clip(c_topics @ q_topics.ravel(), 0.0, 1.0)
        return LSA_SHARE * topics + (1 - LSA_SHARE) * words

    def ranked(
        self, scores: np.ndarray, top: int = 5, floor: float = 0.05
    ) -> list[tuple[int, float]]:
        """The indices of the ``top`` best ``scores`` with their scores, best first, leaving
        out those below ``floor`` (nothing in common)."""
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
        return [(i, float(scores[i])) for i in order[:top] if scores[i] >= floor]

    def closest(
        self, query: str, candidates: Sequence[str], top: int = 5, floor: float = 0.05
    ) -> list[tuple[int, float]]:
        """The indices of the ``top`` candidates closest to ``query`` with their scores,
        best first, leaving out those below ``floor`` (nothing in common)."""
        return self.ranked(self.scores(query, candidates), top, floor)
