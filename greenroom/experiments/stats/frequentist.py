"""Frequentist tests: Welch's t (means and proportions alike) and the always-valid sequential test.

A proportion is tested as a mean of 0/1 values with variance p (1 - p), through the same
Welch statistic, as gbstats does; for the sample sizes an experiment has this is the
two-proportion z-test with unpooled variance.
"""

import math
from dataclasses import dataclass

from greenroom.experiments.stats.effects import Effect


@dataclass(frozen=True)
class FrequentistResult:
    """Estimate with its confidence interval and p-value; ``sequential`` if peeking-safe."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    std_error: float
    sequential: bool = False


def t_test(e: Effect, *, alpha: float = 0.05) -> FrequentistResult:
    """Two-sided Welch t-test of ``e`` against no effect, with a (1 - alpha) interval."""
    from scipy import stats as sps  # loaded on first use: seconds to import

    se = math.sqrt(e.variance)
    t = e.estimate / se
    p = float(2 * sps.t.sf(abs(t), e.dof))
    half = float(sps.t.ppf(1 - alpha / 2, e.dof)) * se
    return FrequentistResult(e.estimate, e.estimate - half, e.estimate + half, p, se)


def sequential_rho(alpha: float, tuning: float) -> float:
    """The mixture's spread, chosen so the interval is tightest near ``tuning`` users in all."""
    log_alpha = math.log(alpha)
    return math.sqrt((-2 * log_alpha + math.log(-2 * log_alpha + 1)) / tuning)


def sequential_test(e: Effect, *, alpha: float = 0.05, tuning: float = 5000) -> FrequentistResult:
    """Always-valid interval and p-value (Waudby-Smith et al.'s asymptotic confidence sequence).

    Valid whenever it is looked at; ``tuning`` is the total sample size at which it is
    tightest (gbstats' default is 5,000).
    """
    n = e.control.n + e.treatment.n
    rho2 = sequential_rho(alpha, tuning) ** 2
    s2 = e.variance * n  # the per-user variance of the difference
    spread = n * rho2 + 1
    half = math.sqrt(s2) * math.sqrt(
        2 * spread * math.log(math.sqrt(spread) / alpha) / (n**2 * rho2)
    )
    # The mixture e-value; its reciprocal, capped at 1, is an always-valid p-value.
    z2 = e.estimate**2 * n / e.variance
    log_evalue = rho2 * z2 / (2 * spread) - 0.5 * math.log(spread)
    p = min(1.0, math.exp(-log_evalue))
    return FrequentistResult(
        e.estimate, e.estimate - half, e.estimate + half, p, math.sqrt(e.variance), True
    )
