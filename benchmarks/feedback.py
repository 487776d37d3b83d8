"""Feedback themes and suggestions: quality on real labelled reviews and on a planted fixture,
and speed at 100,000 items. One run prints every figure as ``name: value unit (goal ...)``.

Quality (greenroom/lib/text against plain baselines in the same folds):
- suggested tags: accuracy and macro-F1 of TagSuggester vs TF-IDF + logistic regression
  (scikit-learn defaults), 5-fold stratified CV; then precision of the suggestions actually
  shown (above the calibrated threshold) and the share of texts that get one (coverage).
  The review file holds augmented near-copies of reviews ("Would be nice..." / "Would cost
  nice..."), which leak across random folds; the same comparison is therefore repeated with
  near-duplicate groups kept within one fold ("grouped"), the figure to trust for new data.
- themes: adjusted mutual information (AMI) of cluster_themes with the labels vs TF-IDF +
  k-means at k = 4 and at k chosen by silhouette over the same candidates.
Speed: themes and near-duplicates for 100,000 reviews resampled from the real ones with
perturbations (dropped/swapped words, typos), each in a fresh process so its peak RSS is its own.

    python benchmarks/feedback.py [--scale 1.0]    # --scale 0.1: 800 reviews, 10,000 items

The review file is read from $GREENROOM_SHARED_DATA or ../shared/data (it is not in git).
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOALS = {"themes_100k_s": 120, "themes_100k_rss_mb": 2048}
SEED = 0


def line(name: str, value: float, unit: str, goal: str) -> None:
    """One result line, flushed so a long run shows progress."""
    print(f"{name}: {value:.4g} {unit} ({goal})", flush=True)


def _subsample(texts, labels, fraction):
    if fraction >= 1:
        return texts, labels
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(
        np.arange(len(texts)), train_size=fraction, stratify=labels, random_state=SEED
    )
    keep = np.sort(keep)
    return [texts[i] for i in keep], [labels[i] for i in keep]


def suggestion_quality(name: str, texts: list[str], labels: list[str], groups=None) -> None:
    """Ours vs the plain baseline in the same 5 folds; precision/coverage of what is shown."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
    from sklearn.pipeline import make_pipeline

    from greenroom.lib.text import TagSuggester

    x, y = np.array(texts, dtype=object), np.array(labels)
    if groups is None:
        folds = StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, y)
    else:
        folds = StratifiedGroupKFold(5, shuffle=True, random_state=SEED).split(x, y, groups)
    ours, base, shown_right, shown, started = [], [], 0, 0, time.perf_counter()
    truth = []
    for train, test in folds:
        baseline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
        base += list(baseline.fit(x[train], y[train]).predict(x[test]))
        suggester = TagSuggester().fit(list(x[train]), [[label] for label in y[train]])
        ours += suggester.predict(list(x[test]))
        for suggestions, label in zip(suggester.suggest(list(x[test])), y[test], strict=True):
            shown += bool(suggestions)
            shown_right += bool(suggestions) and suggestions[0][0] == label
        truth += list(y[test])
    took = time.perf_counter() - started
    for who, predicted in (("baseline", base), ("ours", ours)):
        line(f"{name}_{who}_accuracy", accuracy_score(truth, predicted), "", "ours > baseline")
        line(
            f"{name}_{who}_macro_f1",
            f1_score(truth, predicted, average="macro"),
            "",
            "ours > baseline",
        )
    line(f"{name}_shown_precision", shown_right / max(shown, 1), "", "target 0.9")
    line(
        f"{name}_shown_coverage",
        shown / len(truth),
        "share of texts",
        "as high as precision allows",
    )
    line(f"{name}_cv_time", took, "s", "info: 5 folds, both models")


def theme_quality(name: str, texts: list[str], labels: list[str], k_range=(4, 16)) -> None:
    """AMI of our themes vs TF-IDF + k-means (k = number of labels, and k by silhouette)."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_mutual_info_score, silhouette_score

    from greenroom.lib.text import cluster_themes

    n_labels = len(set(labels))
    started = time.perf_counter()
    ours = cluster_themes(texts, k_range=k_range)
    took = time.perf_counter() - started
    ours_fixed = cluster_themes(texts, k=n_labels)
    tfidf = TfidfVectorizer().fit_transform(texts)
    sample = np.random.default_rng(SEED).permutation(len(texts))[:3000]
    baseline: dict[int, np.ndarray] = {}
    silhouettes = {}
    for k in sorted({n_labels, *range(k_range[0], k_range[1] + 1, 2)}):
        baseline[k] = KMeans(k, n_init=3, random_state=SEED).fit_predict(tfidf)
        silhouettes[k] = silhouette_score(tfidf[sample], baseline[k][sample], random_state=SEED)
    chosen = max((k for k in silhouettes if k_range[0] <= k <= k_range[1]), key=silhouettes.get)
    ami = adjusted_mutual_info_score
    line(f"{name}_themes_ours_ami", ami(labels, ours.assignments), "", "> both baselines")
    line(f"{name}_themes_ours_k", ours.k, "themes", "info: chosen by silhouette")
    line(
        f"{name}_themes_ours_k{n_labels}_ami",
        ami(labels, ours_fixed.assignments),
        "",
        "> baseline k",
    )
    line(f"{name}_themes_kmeans_k{n_labels}_ami", ami(labels, baseline[n_labels]), "", "baseline")
    line(f"{name}_themes_kmeans_chosen_ami", ami(labels, baseline[chosen]), "", "baseline")
    line(f"{name}_themes_kmeans_chosen_k", chosen, "clusters", "info: chosen by silhouette")
    line(f"{name}_themes_time", took, "s", "info")
    print(f"# {name} themes: " + " | ".join(f"{t.count} {t.label}" for t in ours.themes[:8]))


def synthetic(texts: list[str], n: int) -> list[str]:
    """``n`` reviews resampled from ``texts``, most perturbed (a word dropped/swapped, a typo)."""
    rng = random.Random(SEED)
    out = []
    for _ in range(n):
        words = rng.choice(texts).split()
        roll = rng.random()
        if len(words) > 3 and roll < 0.3:
            del words[rng.randrange(len(words))]
        elif len(words) > 3 and roll < 0.6:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif words and roll < 0.9:
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 3:
                j = rng.randrange(len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        out.append(" ".join(words))
    return out


def speed_step(step: str, n: int) -> None:
    """Run one timed step in this (fresh) process and print its figures as JSON."""
    from greenroom.lib.text import cluster_themes, near_duplicates
    from greenroom.testing.shared_data import labelled_reviews

    texts = synthetic(labelled_reviews()[0], n)
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    if step == "themes":
        result = cluster_themes(texts)
        extra = {"k": result.k}
    else:
        pairs = near_duplicates(texts, threshold=0.9)
        extra = {"pairs": len(pairs)}
    took = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    print(json.dumps({"seconds": took, "cpu": cpu, "rss_mb": usage.ru_maxrss / 1024, **extra}))


def speed(n: int) -> None:
    for step in ("themes", "duplicates"):
        done = subprocess.run(
            [sys.executable, __file__, "--speed-step", step, "--n", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        goal = f"goal <= {GOALS['themes_100k_s']} s at 100k" if step == "themes" else "info"
        line(f"{step}_{n}_time", figures["seconds"], "s", goal)
        line(f"{step}_{n}_cpu", figures["cpu"], "s", "info: CPU time, all threads")
        line(f"{step}_{n}_peak_rss", figures["rss_mb"], "MB", "goal <= 2048 MB")
        if step == "duplicates":
            line(f"{step}_{n}_pairs", figures["pairs"], "pairs at cosine >= 0.9", "info")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--speed-step", choices=["themes", "duplicates"])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["real", "planted", "speed"])
    args = parser.parse_args()
    if args.speed_step:
        speed_step(args.speed_step, args.n)
        return
    from greenroom.lib.text import duplicate_groups, near_duplicates
    from greenroom.testing.shared_data import labelled_reviews, planted_feedback

    if "planted" not in args.skip:
        texts, themes, _ = planted_feedback()
        suggestion_quality("planted_tags", texts, themes)
        theme_quality("planted", texts, themes)
    if "real" not in args.skip:
        texts, labels = _subsample(*labelled_reviews(), min(1.0, args.scale))
        pairs = near_duplicates(texts, threshold=0.8)
        groups = np.arange(len(texts))
        for number, group in enumerate(duplicate_groups(len(texts), pairs)):
            groups[group] = len(texts) + number
        grouped = len(texts) - len(np.unique(groups))
        line("reviews_in_near_duplicate_groups", grouped, "reviews beyond one per group", "info")
        suggestion_quality("reviews_tags", texts, labels)
        suggestion_quality("reviews_tags_grouped", texts, labels, groups)
        theme_quality("reviews", texts, labels)
    if "speed" not in args.skip:
        speed(int(100_000 * args.scale))


if __name__ == "__main__":
    main()
