"""Tag (or opportunity-link) suggestions for new feedback, learnt from what people tagged.

    suggester = TagSuggester(target_precision=0.9).fit(texts, tag_lists)
    suggester.suggest(["the export to CSV crashes"])   # [[("bug", 0.97)]] or [[]]
    blob = suggester.to_bytes()                         # store per workspace
    TagSuggester.from_bytes(blob).suggest(...)

Labels may be any hashable values: tag names, or opportunity ids for "link to opportunity".
When every training text carries exactly one label the model is multi-class (softmax over
labels); otherwise each label is its own yes/no question (texts without a label are negatives
for all of them, so pass only feedback a person has triaged).

Method: word 1-2-gram and character 2-5-gram TF-IDF (sublinear tf), a linear SVM per label with
C chosen on inner folds (near-copies kept within one fold), and its scores turned into
calibrated confidences by a logistic fit on the out-of-fold scores of the chosen C. The same
out-of-fold confidences choose the *threshold*: the lowest confidence at which the suggestions
above it were right at least ``target_precision`` of the time. Only suggestions at or above it
are returned: one the model is unsure of is not shown. ``report`` keeps what that choice
measured (out-of-fold precision and coverage).

Persisted with joblib (a pickle): load only bytes this application wrote itself.
"""

import io
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC

from greenroom.lib.text.duplicates import duplicate_groups, near_duplicates
from greenroom.lib.text.normalise import analysis_texts

FORMAT_VERSION = 1
SEED = 0
C_GRID = (0.1, 0.3, 1.0, 3.0)
INNER_FOLDS = 3
# Fewer examples than this and a label cannot be learnt or checked: it is never suggested.
MIN_EXAMPLES = 5
# A threshold resting on fewer out-of-fold suggestions than this is noise: nothing is shown.
MIN_SUPPORT = 20
# Training texts this similar are one group in the inner folds (augmented or pasted copies).
COPY_THRESHOLD = 0.8

Suggestion = tuple[Hashable, float]


class Features:
    """Word and character n-gram TF-IDF, one sparse matrix, float32."""

    def __init__(self) -> None:
        self.word = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, min_df=1, dtype=np.float32
        )
        self.char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, dtype=np.float32
        )

    def fit_transform(self, texts: list[str]) -> sparse.csr_matrix:
        """Learn the vocabularies of ``texts`` and return their features."""
        return sparse.hstack(
            [self.word.fit_transform(texts), self.char.fit_transform(texts)], format="csr"
        )

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """Features of ``texts`` in the learnt vocabularies."""
        return sparse.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr")


@dataclass
class _Fit:
    labels: list[Hashable]
    multiclass: bool
    model: LinearSVC | OneVsRestClassifier
    calibrators: list[LogisticRegression]


@dataclass
class SuggesterReport:
    """What fitting measured on out-of-fold predictions of the training texts."""

    examples: int = 0
    labels: int = 0
    dropped_labels: list[Hashable] = field(default_factory=list)
    c: float = 0.0
    threshold: float = 1.0
    precision: float = 0.0
    coverage: float = 0.0
    support: int = 0


class TagSuggester:
    """Suggests labels for texts, showing only those above a precision-calibrated threshold."""

    def __init__(self, target_precision: float = 0.9, top: int = 3) -> None:
        if not 0 < target_precision <= 1:
            raise ValueError("target_precision must be in (0, 1]")
        self.target_precision = target_precision
        self.top = top
        self.threshold = float("inf")
        self.report = SuggesterReport()
        self._features: Features | None = None
        self._fit: _Fit | None = None

    # -- fitting -----------------------------------------------------------------------------

    def fit(
        self, texts: Sequence[str | bytes | None], tag_lists: Sequence[Sequence[Hashable]]
    ) -> "TagSuggester":
        """Learn from ``texts`` and the labels people gave each (same order, same length)."""
        if len(texts) != len(tag_lists):
            raise ValueError(f"{len(texts)} texts but {len(tag_lists)} tag lists")
        tag_sets = [list(dict.fromkeys(tags)) for tags in tag_lists]
        counts: dict[Hashable, int] = {}
        for tags in tag_sets:
            for tag in tags:
                counts[tag] = counts.get(tag, 0) + 1
        labels = sorted((t for t, n in counts.items() if n >= MIN_EXAMPLES), key=repr)
        dropped = sorted((t for t, n in counts.items() if n < MIN_EXAMPLES), key=repr)
        self.report = SuggesterReport(
            examples=len(texts), labels=len(labels), dropped_labels=dropped
        )
        self.threshold, self._features, self._fit = float("inf"), None, None
        if len(labels) < 2 and not (labels and any(not tags for tags in tag_sets)):
            return self  # nothing to tell apart: a suggester that suggests nothing
        multiclass = all(len(tags) == 1 for tags in tag_sets)
        keep = [i for i, tags in enumerate(tag_sets) if not multiclass or tags[0] in set(labels)]
        index = {label: k for k, label in enumerate(labels)}
        y = np.zeros((len(keep), len(labels)), dtype=bool)
        for row, i in enumerate(keep):
            for tag in tag_sets[i]:
                if tag in index:
                    y[row, index[tag]] = True
        self._features = Features()
        x = self._features.fit_transform(analysis_texts(texts[i] for i in keep))
        groups = _copy_groups([texts[i] for i in keep])
        c, scores = self._choose_c(x, y, multiclass, groups)
        calibrators = _calibrate(scores, y, multiclass)
        model = _svm(c, multiclass).fit(x, _target(y, multiclass))
        self._fit = _Fit(labels, multiclass, model, calibrators)
        self._choose_threshold(_confidences(scores, calibrators, multiclass), y, c)
        return self

    def _choose_c(
        self, x: sparse.csr_matrix, y: np.ndarray, multiclass: bool, groups: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """The C with the best out-of-fold accuracy (or label F1), and its out-of-fold scores."""
        best: tuple[float, float, np.ndarray] | None = None
        for c in C_GRID:
            scores = _out_of_fold_scores(x, y, multiclass, c, groups)
            quality = _quality(scores, y, multiclass)
            if best is None or quality > best[0]:
                best = (quality, c, scores)
        assert best is not None
        return best[1], best[2]

    def _choose_threshold(self, confidences: np.ndarray, y: np.ndarray, c: float) -> None:
        threshold, precision, support = precision_threshold(
            confidences, y, self.target_precision, top=1 if self._is_multiclass else self.top
        )
        self.threshold = threshold
        shown = np.asarray((confidences >= threshold).any(axis=1))
        self.report.c = c
        self.report.threshold = threshold
        self.report.precision = precision
        self.report.support = support
        self.report.coverage = float(shown.mean()) if shown.size else 0.0

    @property
    def _is_multiclass(self) -> bool:
        return bool(self._fit and self._fit.multiclass)

    # -- use ---------------------------------------------------------------------------------

    def confidences(self, texts: Sequence[str | bytes | None]) -> tuple[list[Hashable], np.ndarray]:
        """Every label's calibrated confidence for each text, shown or not (for evaluation)."""
        if self._fit is None or self._features is None:
            return [], np.zeros((len(texts), 0))
        x = self._features.transform(analysis_texts(texts))
        scores = _scores(self._fit.model, x, self._fit.multiclass)
        return self._fit.labels, _confidences(scores, self._fit.calibrators, self._fit.multiclass)

    def suggest(self, texts: Sequence[str | bytes | None]) -> list[list[Suggestion]]:
        """For each text, its suggested labels with their confidence, most confident first:
        only those at or above the threshold, at most ``top`` (one when multi-class)."""
        labels, conf = self.confidences(texts)
        limit = 1 if self._is_multiclass else self.top
        out: list[list[Suggestion]] = []
        for row in conf:
            order = np.argsort(-row, kind="stable")[:limit]
            out.append(
                [(labels[k], round(float(row[k]), 4)) for k in order if row[k] >= self.threshold]
            )
        return out

    def predict(self, texts: Sequence[str | bytes | None]) -> list[Hashable | None]:
        """The most likely label of each text, shown or not (for evaluation)."""
        labels, conf = self.confidences(texts)
        if not labels:
            return [None] * len(texts)
        return [labels[k] for k in conf.argmax(axis=1)]

    # -- persistence -------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The fitted suggester as bytes to store (joblib, compressed)."""
        buffer = io.BytesIO()
        joblib.dump({"version": FORMAT_VERSION, "suggester": self}, buffer, compress=3)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> "TagSuggester":
        """A suggester stored by :meth:`to_bytes` (only ever bytes this application wrote)."""
        payload = joblib.load(io.BytesIO(blob))
        if not isinstance(payload, dict) or payload.get("version") != FORMAT_VERSION:
            raise ValueError("Stored suggester has another format version: fit it again.")
        suggester = payload["suggester"]
        if not isinstance(suggester, cls):
            raise ValueError("Stored bytes are not a TagSuggester.")
        return suggester


def precision_threshold(
    confidences: np.ndarray, y: np.ndarray, target: float, top: int = 1
) -> tuple[float, float, int]:
    """The lowest confidence whose suggestions (each text's ``top`` most confident labels at or
    above it) were right at least ``target`` of the time: (threshold, precision, how many).
    ``inf`` when no threshold reaches the target on at least MIN_SUPPORT suggestions."""
    if confidences.size == 0:
        return float("inf"), 0.0, 0
    order = np.argsort(-confidences, axis=1, kind="stable")[:, :top]
    rows = np.repeat(np.arange(len(confidences)), order.shape[1])
    cols = order.ravel()
    conf = confidences[rows, cols]
    right = y[rows, cols]
    by_conf = np.argsort(-conf, kind="stable")
    conf, right = conf[by_conf], right[by_conf]
    precision = np.cumsum(right) / np.arange(1, len(right) + 1)
    # Ties: a threshold admits every suggestion of equal confidence, so judge at the last one.
    last_of_tie = np.r_[conf[1:] != conf[:-1], True]
    ok = np.flatnonzero((precision >= target) & last_of_tie)
    ok = ok[ok + 1 >= MIN_SUPPORT]
    if not len(ok):
        return float("inf"), 0.0, 0
    k = ok[-1]
    return float(conf[k]), float(precision[k]), int(k + 1)


def _svm(c: float, multiclass: bool = True) -> LinearSVC | OneVsRestClassifier:
    """A linear SVM: one-vs-rest over classes, or one per label for a label matrix."""
    svm = LinearSVC(C=c, random_state=SEED, dual="auto", max_iter=5000)
    return svm if multiclass else OneVsRestClassifier(svm)


def _target(y: np.ndarray, multiclass: bool) -> np.ndarray:
    return y.argmax(axis=1) if multiclass else y


def _scores(model: object, x: sparse.csr_matrix, multiclass: bool) -> np.ndarray:
    scores = model.decision_function(x)  # type: ignore[attr-defined]
    return np.asarray(scores).reshape(x.shape[0], -1)


def _copy_groups(texts: Sequence[str | bytes | None]) -> np.ndarray:
    """A group id per text; near-copies (cosine >= COPY_THRESHOLD) share one. Inner folds keep
    a group together: a near-copy on both sides makes out-of-fold confidence (and so the
    threshold) look better than it will be on new feedback."""
    groups = np.arange(len(texts))
    pairs = near_duplicates(texts, COPY_THRESHOLD)
    for number, group in enumerate(duplicate_groups(len(texts), pairs)):
        groups[group] = len(texts) + number
    return groups


def _out_of_fold_scores(
    x: sparse.csr_matrix, y: np.ndarray, multiclass: bool, c: float, groups: np.ndarray
) -> np.ndarray:
    scores = np.zeros(y.shape, dtype=np.float64)
    target = _target(y, multiclass)
    if multiclass:
        splitter = StratifiedGroupKFold(INNER_FOLDS, shuffle=True, random_state=SEED)
        folds = splitter.split(x, target, groups)
    else:
        folds = GroupKFold(INNER_FOLDS, shuffle=True, random_state=SEED).split(x, groups=groups)
    for train, test in folds:
        if multiclass:
            model = _svm(c, multiclass).fit(x[train], target[train])
            scores[test] = _scores(model, x[test], multiclass)
        else:
            for k in range(y.shape[1]):
                column = target[train, k]
                if column.all() or not column.any():
                    scores[test, k] = 1.0 if column.all() else -1.0
                    continue
                model = _svm(c).fit(x[train], column)
                scores[test, k] = _scores(model, x[test], multiclass)[:, 0]
    return scores


def _quality(scores: np.ndarray, y: np.ndarray, multiclass: bool) -> float:
    if multiclass:
        return float((scores.argmax(axis=1) == y.argmax(axis=1)).mean())
    predicted = scores > 0
    tp = (predicted & y).sum()
    return float(2 * tp / max(predicted.sum() + y.sum(), 1))


def _calibrate(scores: np.ndarray, y: np.ndarray, multiclass: bool) -> list[LogisticRegression]:
    """Logistic fits from SVM scores to probabilities (Platt; multinomial when multi-class)."""
    if multiclass:
        return [LogisticRegression(C=1.0, max_iter=1000).fit(scores, y.argmax(axis=1))]
    return [
        LogisticRegression(C=1.0, max_iter=1000).fit(scores[:, [k]], y[:, k])
        if 0 < y[:, k].sum() < len(y)
        else _constant(bool(y[:, k].any()))
        for k in range(y.shape[1])
    ]


def _constant(value: bool) -> LogisticRegression:
    model = LogisticRegression()
    model.classes_ = np.array([False, True])
    model.coef_ = np.zeros((1, 1))
    model.intercept_ = np.array([10.0 if value else -10.0])
    return model


def _confidences(
    scores: np.ndarray, calibrators: list[LogisticRegression], multiclass: bool
) -> np.ndarray:
    if multiclass:
        return calibrators[0].predict_proba(scores)
    return np.column_stack(
        [cal.predict_proba(scores[:, [k]])[:, 1] for k, cal in enumerate(calibrators)]
    )
