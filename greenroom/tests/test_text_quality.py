"""A quality floor on real labelled app reviews (../shared/data, not in git): a subsample, fast."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from greenroom.lib.text import TagSuggester
from greenroom.testing.shared_data import labelled_reviews, labelled_reviews_path

pytestmark = pytest.mark.skipif(
    labelled_reviews_path() is None,
    reason="app_reviews_labelled_8000.xlsx is not in ../shared/data (or $GREENROOM_SHARED_DATA)",
)


def test_suggestions_beat_the_plain_baseline_on_real_reviews():
    texts, labels = labelled_reviews()
    x, y = np.array(texts, dtype=object), np.array(labels)
    keep, _ = train_test_split(np.arange(len(x)), train_size=2000, stratify=y, random_state=1)
    train, test = train_test_split(keep, test_size=500, stratify=y[keep], random_state=1)
    baseline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    base = accuracy_score(y[test], baseline.fit(x[train], y[train]).predict(x[test]))
    suggester = TagSuggester().fit(list(x[train]), [[label] for label in y[train]])
    ours = accuracy_score(y[test], suggester.predict(list(x[test])))
    assert ours > base
    assert ours > 0.65
    shown = [
        (s[0][0], label)
        for s, label in zip(suggester.suggest(list(x[test])), y[test], strict=True)
        if s
    ]
    assert len(shown) > 0.2 * len(test)
    assert np.mean([a == b for a, b in shown]) > 0.8
