"""The difference between a variant and the control, and its variance (delta method).

Absolute: mean_b - mean_a, variance var_b/n_b + var_a/n_a.
Relative: (mean_b - mean_a) / mean_a, variance from the delta method
var_b / (mean_a^2 n_b) + var_a mean_b^2 / (mean_a^4 n_a), with the unadjusted means
(so CUPED changes the spread, not what "relative" is relative to), as gbstats does.
With CUPED, theta is estimated once from both arms pooled and both means are adjusted by it.
"""

from dataclasses import dataclass

from greenroom.experiments.stats.errors import (
    EmptyVariant,
    NotEnoughData,
    ZeroBaseline,
    ZeroVariance,
)
from greenroom.experiments.stats.summaries import (
    AdjustedSummary,
    MeanSummary,
    ProportionSummary,
    RatioSummary,
    Simple,
    Summary,
)


@dataclass(frozen=True)
class Arm:
    """One arm as the tests see it: n, the (adjusted) mean and variance, the unadjusted mean."""

    n: int
    mean: float
    variance: float
    unadjusted_mean: float


@dataclass(frozen=True)
class Effect:
    """The estimated effect, its variance, the Welch degrees of freedom and the arms behind it."""

    estimate: float
    variance: float
    dof: float
    control: Arm
    treatment: Arm
    relative: bool
    theta: float | None = None


def _pooled(a: Simple, b: Simple, n: int) -> Simple:
    if isinstance(a, ProportionSummary) and isinstance(b, ProportionSummary):
        return ProportionSummary(n=n, sum=a.sum + b.sum)
    return MeanSummary(n=n, sum=a.sum + b.sum, sum_squares=a.sum_squares + b.sum_squares)


def cuped_theta(a: AdjustedSummary, b: AdjustedSummary) -> float:
    """The regression coefficient of the metric on its pre-period value, both arms pooled."""
    n = a.n + b.n
    post, pre = _pooled(a.post, b.post, n), _pooled(a.pre, b.pre, n)
    if pre.variance == 0 or post.variance == 0 or n <= 1:
        return 0.0
    covariance = (a.cross_sum + b.cross_sum - post.sum * pre.sum / n) / (n - 1)
    return covariance / pre.variance


def _arm(summary: Summary, theta: float = 0.0) -> Arm:
    if isinstance(summary, AdjustedSummary):
        post, pre = summary.post, summary.pre
        if summary.n <= 1:
            variance = 0.0
        else:
            variance = post.variance + theta**2 * pre.variance - 2 * theta * summary.covariance
        return Arm(summary.n, post.mean - theta * pre.mean, variance, post.mean)
    return Arm(summary.n, summary.mean, summary.variance, summary.mean)


def _welch_dof(a: Arm, b: Arm) -> float:
    va, vb = a.variance / a.n, b.variance / b.n
    return (va + vb) ** 2 / (vb**2 / (b.n - 1) + va**2 / (a.n - 1))


def _check(a: Arm, b: Arm, relative: bool, min_users: int) -> None:
    for label, arm in (("The control", a), ("The variant", b)):
        if arm.n == 0:
            raise EmptyVariant(f"{label} has no users yet: nothing to compare.")
    smallest = min(a.n, b.n)
    if smallest < max(min_users, 2):
        raise NotEnoughData(
            f"Not enough data yet: {smallest} users in the smallest arm, "
            f"at least {max(min_users, 2)} are needed before any result means something."
        )
    if relative and a.unadjusted_mean == 0:
        raise ZeroBaseline("The control's mean is 0, so a relative lift is undefined.")
    for label, arm in (("the control", a), ("the variant", b)):
        if arm.variance <= 0:
            raise ZeroVariance(
                f"Every user in {label} has the same value: with no spread there is nothing "
                "to test (check the metric is recorded)."
            )


def effect(
    control: Summary, treatment: Summary, *, relative: bool = True, min_users: int = 0
) -> Effect:
    """The effect of ``treatment`` over ``control`` with its variance; raises a StatsError."""
    theta = None
    if isinstance(control, AdjustedSummary) and isinstance(treatment, AdjustedSummary):
        theta = cuped_theta(control, treatment)
        if theta == 0:
            # No spread in one period: the adjustment would do nothing, use the metric alone.
            control, treatment = _post_only(control), _post_only(treatment)
    elif isinstance(control, AdjustedSummary) or isinstance(treatment, AdjustedSummary):
        raise TypeError("CUPED needs the pre-period for both arms.")
    elif isinstance(control, RatioSummary) != isinstance(treatment, RatioSummary):
        raise TypeError("Both arms must summarise the same kind of metric.")
    a, b = _arm(control, theta or 0.0), _arm(treatment, theta or 0.0)
    _check(a, b, relative, min_users)
    if relative:
        estimate = (b.mean - a.mean) / a.unadjusted_mean
        variance = b.variance / (a.unadjusted_mean**2 * b.n) + a.variance * b.unadjusted_mean**2 / (
            a.unadjusted_mean**4 * a.n
        )
    else:
        estimate = b.mean - a.mean
        variance = b.variance / b.n + a.variance / a.n
    return Effect(estimate, variance, _welch_dof(a, b), a, b, relative, theta)


def _post_only(summary: AdjustedSummary) -> Simple:
    return summary.post
