"""One experiment's analysis: the SRM check, then every variant against the control on every
metric, frequentist (fixed or sequential) and Bayesian, with the multiple-comparison correction.

A comparison that cannot be made (no users, too few, no spread, a zero baseline) carries its
typed error instead of numbers, so a page shows the reason and never a misleading figure.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from greenroom.experiments.stats.bayesian import BayesianResult, Prior, bayesian_test
from greenroom.experiments.stats.checks import SRM_THRESHOLD, check_split, srm_p_value
from greenroom.experiments.stats.corrections import benjamini_hochberg, holm_bonferroni
from greenroom.experiments.stats.effects import Effect, effect
from greenroom.experiments.stats.errors import BadSplit, StatsError
from greenroom.experiments.stats.frequentist import FrequentistResult, sequential_test, t_test
from greenroom.experiments.stats.summaries import Summary

Correction = Literal["holm", "bh", "none"]


@dataclass(frozen=True)
class Settings:
    """How to analyse: the defaults are gbstats' (relative lift, 5 %, tuning 5,000, flat prior)."""

    relative: bool = True
    alpha: float = 0.05
    sequential: bool = False
    tuning: float = 5000
    prior: Prior | None = None
    correction: Correction = "holm"
    # Fewer users than this in an arm: "not enough data yet", no p-value.
    min_users: int = 30


@dataclass(frozen=True)
class MetricInput:
    """One metric's summaries, one per variant in the experiment's order (control first)."""

    summaries: Sequence[Summary]
    inverse: bool = False


@dataclass
class Comparison:
    """A variant against the control on one metric: numbers, or the reason there are none."""

    metric: str
    variant: str
    effect: Effect | None = None
    frequentist: FrequentistResult | None = None
    bayesian: BayesianResult | None = None
    adjusted_p_value: float | None = None
    error: StatsError | None = None

    alpha: float = 0.05

    @property
    def significant(self) -> bool:
        """Whether the corrected p-value is below alpha."""
        return self.adjusted_p_value is not None and self.adjusted_p_value < self.alpha


@dataclass
class Analysis:
    """The SRM check and the comparisons, in metric then variant order."""

    variants: list[str]
    users: list[int]
    weights: list[float]
    srm_p_value: float
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def sample_ratio_mismatch(self) -> bool:
        return self.srm_p_value < SRM_THRESHOLD


def compare(
    control: Summary, treatment: Summary, settings: Settings, *, inverse: bool = False
) -> tuple[Effect, FrequentistResult, BayesianResult]:
    """One comparison; raises a StatsError when it cannot be made."""
    e = effect(control, treatment, relative=settings.relative, min_users=settings.min_users)
    if settings.sequential:
        freq = sequential_test(e, alpha=settings.alpha, tuning=settings.tuning)
    else:
        freq = t_test(e, alpha=settings.alpha)
    bayes = bayesian_test(e, alpha=settings.alpha, prior=settings.prior, inverse=inverse)
    return e, freq, bayes


def analyse(
    *,
    variants: Sequence[str],
    users: Sequence[int],
    weights: Sequence[float],
    metrics: Mapping[str, MetricInput],
    settings: Settings | None = None,
) -> Analysis:
    """Every variant (after the first, the control) against the control on every metric."""
    settings = settings or Settings()
    shares = check_split(weights)
    if not (len(variants) == len(users) == len(shares)):
        raise BadSplit("There must be one planned share and one user count per variant.")
    result = Analysis(list(variants), list(users), shares, srm_p_value(users, shares))
    for name, metric in metrics.items():
        if len(metric.summaries) != len(variants):
            raise ValueError(
                f"Metric {name!r} has {len(metric.summaries)} summaries for "
                f"{len(variants)} variants."
            )
        control = metric.summaries[0]
        for variant, summary in zip(variants[1:], metric.summaries[1:], strict=True):
            comparison = Comparison(metric=name, variant=variant, alpha=settings.alpha)
            try:
                comparison.effect, comparison.frequentist, comparison.bayesian = compare(
                    control, summary, settings, inverse=metric.inverse
                )
            except StatsError as error:
                comparison.error = error
            result.comparisons.append(comparison)
    _correct(result.comparisons, settings.correction)
    return result


def _correct(comparisons: list[Comparison], correction: Correction) -> None:
    tested = [c for c in comparisons if c.frequentist is not None]
    raw = [c.frequentist.p_value for c in tested if c.frequentist is not None]
    if not raw:
        return
    if correction == "holm":
        adjusted = holm_bonferroni(raw)
    elif correction == "bh":
        adjusted = benjamini_hochberg(raw)
    else:
        adjusted = raw
    for comparison, p in zip(tested, adjusted, strict=True):
        comparison.adjusted_p_value = p
