"""Per-variant sufficient statistics: counts, sums and sums of squares, nothing per user.

Every test reads only these, so an analysis over millions of users carries a handful of
numbers per variant, and per-variant summaries uploaded by hand are as good as raw data.
Variances use n - 1 (the sample variance) except for proportions, whose variance is
p (1 - p), as gbstats does.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class MeanSummary:
    """A per-user value (events per user, revenue per account): n, sum, sum of squares."""

    n: int
    sum: float
    sum_squares: float

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        if self.n <= 1:
            return 0.0
        return (self.sum_squares - self.sum**2 / self.n) / (self.n - 1)


@dataclass(frozen=True)
class ProportionSummary:
    """A 0/1 per user (converted or not): n and the number converted."""

    n: int
    sum: float

    @property
    def sum_squares(self) -> float:
        return self.sum

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        return self.mean * (1 - self.mean)


Simple = MeanSummary | ProportionSummary


@dataclass(frozen=True)
class RatioSummary:
    """A ratio of two per-user sums (e.g. revenue per order): the delta method's inputs."""

    n: int
    numerator: Simple
    denominator: Simple
    cross_sum: float  # sum over users of numerator * denominator

    @property
    def mean(self) -> float:
        return self.numerator.sum / self.denominator.sum if self.denominator.sum else 0.0

    @property
    def covariance(self) -> float:
        if self.n <= 1:
            return 0.0
        return (self.cross_sum - self.numerator.sum * self.denominator.sum / self.n) / (self.n - 1)

    @property
    def variance(self) -> float:
        # Delta method for mean_m / mean_d; the per-user variance, divided by n later.
        m, d = self.numerator.mean, self.denominator.mean
        if d == 0 or self.n <= 1:
            return 0.0
        return (
            self.numerator.variance / d**2
            - 2 * self.covariance * m / d**3
            + m**2 * self.denominator.variance / d**4
        )


@dataclass(frozen=True)
class AdjustedSummary:
    """A metric with its pre-period covariate, for CUPED: both sums and their cross products."""

    n: int
    post: Simple
    pre: Simple
    cross_sum: float  # sum over users of post * pre

    @property
    def covariance(self) -> float:
        if self.n <= 1:
            return 0.0
        return (self.cross_sum - self.post.sum * self.pre.sum / self.n) / (self.n - 1)


Summary = MeanSummary | ProportionSummary | RatioSummary | AdjustedSummary


def _array(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=float)


def mean_summary(values: ArrayLike) -> MeanSummary:
    """The summary of one value per user."""
    x = _array(values)
    return MeanSummary(n=int(x.size), sum=float(x.sum()), sum_squares=float(x @ x))


def proportion_summary(converted: ArrayLike) -> ProportionSummary:
    """The summary of a 0/1 (or true/false) per user."""
    x = _array(converted)
    return ProportionSummary(n=int(x.size), sum=float(x.sum()))


def ratio_summary(numerator: ArrayLike, denominator: ArrayLike) -> RatioSummary:
    """The summary of a ratio metric from its per-user numerator and denominator."""
    m, d = _array(numerator), _array(denominator)
    return RatioSummary(
        n=int(m.size),
        numerator=mean_summary(m),
        denominator=mean_summary(d),
        cross_sum=float(m @ d),
    )


def adjusted_summary(post: ArrayLike, pre: ArrayLike, *, binary: bool = False) -> AdjustedSummary:
    """The CUPED summary of a metric (``post``) and the same metric before exposure (``pre``)."""
    y, x = _array(post), _array(pre)
    make = proportion_summary if binary else mean_summary
    return AdjustedSummary(n=int(y.size), post=make(y), pre=make(x), cross_sum=float(y @ x))
