"""Bayesian comparison on the effect: a normal posterior from a normal likelihood and prior.

With the default (improper, flat) prior the posterior is the likelihood: mean the estimate,
variance its delta-method variance. A proper prior N(m, v) on the (relative) effect combines
by precision. Chance to beat control is P(effect > 0); the expected loss ("risk") of choosing
an arm is the effect you give up on average if it is the wrong one, in closed form:
E[max(-X, 0)] = sigma phi(mu/sigma) - mu Phi(-mu/sigma) for shipping the variant, and
E[max(X, 0)] = sigma phi(mu/sigma) + mu Phi(mu/sigma) for keeping the control.
"""

import math
from dataclasses import dataclass

from greenroom.experiments.stats.effects import Effect


@dataclass(frozen=True)
class Prior:
    """A normal prior on the effect, stated on the relative scale (0 mean, 0.1 sd is typical)."""

    mean: float = 0.0
    variance: float = 0.01


@dataclass(frozen=True)
class BayesianResult:
    """Posterior mean, credible interval, chance to beat control and the two expected losses."""

    expected: float
    ci_low: float
    ci_high: float
    chance_to_win: float
    risk_control: float  # expected loss of keeping the control
    risk_treatment: float  # expected loss of shipping the variant
    std_dev: float


def bayesian_test(
    e: Effect, *, alpha: float = 0.05, prior: Prior | None = None, inverse: bool = False
) -> BayesianResult:
    """The posterior of ``e``; ``inverse`` for metrics where lower is better."""
    from scipy import stats as sps  # loaded on first use: seconds to import

    mean, precision = e.estimate, 1 / e.variance
    if prior is not None:
        prior_mean, prior_variance = prior.mean, prior.variance
        if not e.relative:
            # The prior is stated relative to the control's mean; move it to absolute units.
            base = e.control.unadjusted_mean
            prior_mean, prior_variance = prior_mean * abs(base), prior_variance * base**2
        precision += 1 / prior_variance
        mean = (e.estimate / e.variance + prior_mean / prior_variance) / precision
    sd = math.sqrt(1 / precision)
    z = mean / sd
    up = float(sps.norm.cdf(z))
    low, high = (float(sps.norm.ppf(q, mean, sd)) for q in (alpha / 2, 1 - alpha / 2))
    density = float(sps.norm.pdf(z))
    risk_control = sd * density + mean * up
    risk_treatment = sd * density - mean * float(sps.norm.cdf(-z))
    if inverse:
        up = 1 - up
        risk_control, risk_treatment = risk_treatment, risk_control
    return BayesianResult(mean, low, high, up, risk_control, risk_treatment, sd)
