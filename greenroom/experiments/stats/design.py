"""Design before launch: users per arm and days to run, from baseline, effect, power and alpha.

Proportions follow Evan Miller's calculator (the null's variance from the baseline alone, the
alternative's from both rates); means use the normal approximation with one standard deviation
for both arms. Both are two-sided unless ``one_sided``.
"""

import math
from dataclasses import dataclass

from greenroom.experiments.stats.errors import InvalidInput


@dataclass(frozen=True)
class Design:
    """What a plan needs: users per arm, in total, and days at the given traffic."""

    per_arm: int
    arms: int
    total: int
    absolute_effect: float
    relative_effect: float | None
    days: int | None

    def as_dict(self) -> dict:
        """The plain form stored in a frozen plan and returned by the API."""
        return {
            "per_arm": self.per_arm,
            "arms": self.arms,
            "total": self.total,
            "absolute_effect": self.absolute_effect,
            "relative_effect": self.relative_effect,
            "days": self.days,
        }


def _check(alpha: float, power: float, arms: int) -> None:
    if not 0 < alpha < 1:
        raise InvalidInput("alpha", "Significance (alpha) must be between 0 and 1, e.g. 0.05.")
    if not 0 < power < 1:
        raise InvalidInput("power", "Power must be between 0 and 1, e.g. 0.8.")
    if arms < 2:
        raise InvalidInput("arms", "An experiment needs a control and at least one variant.")


def _z(alpha: float, power: float, one_sided: bool) -> tuple[float, float]:
    from scipy import stats as sps  # loaded on first use: seconds to import

    z_alpha = sps.norm.ppf(1 - alpha if one_sided else 1 - alpha / 2)
    return float(z_alpha), float(sps.norm.ppf(power))


def _effect(baseline: float, mde: float, relative: bool) -> float:
    effect = baseline * mde if relative else mde
    if effect == 0 or not math.isfinite(effect):
        raise InvalidInput("mde", "The minimum detectable effect must be a number other than 0.")
    return effect


def proportion_sample_size(
    *,
    baseline: float,
    mde: float,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    daily_users: float | None = None,
    one_sided: bool = False,
) -> Design:
    """Users per arm to detect a change of ``mde`` in a conversion rate of ``baseline``.

    ``mde`` is absolute (0.02 = two points) or, with ``relative``, a share of the baseline.
    """
    _check(alpha, power, arms)
    if not 0 < baseline < 1:
        raise InvalidInput("baseline", "The baseline conversion rate must be between 0 and 1.")
    delta = _effect(baseline, mde, relative)
    target = baseline + delta
    if not 0 < target < 1:
        raise InvalidInput(
            "mde", f"Baseline plus the effect is {target:.4g}: a rate must stay between 0 and 1."
        )
    z_alpha, z_beta = _z(alpha, power, one_sided)
    null_sd = math.sqrt(2 * baseline * (1 - baseline))
    alt_sd = math.sqrt(baseline * (1 - baseline) + target * (1 - target))
    n = ((z_alpha * null_sd + z_beta * alt_sd) / delta) ** 2
    return _design(n, arms, delta, delta / baseline, daily_users)


def mean_sample_size(
    *,
    baseline: float,
    std_dev: float,
    mde: float,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    daily_users: float | None = None,
    one_sided: bool = False,
) -> Design:
    """Users per arm to detect a change of ``mde`` in a mean of ``baseline`` (s.d. ``std_dev``)."""
    _check(alpha, power, arms)
    if not std_dev > 0:
        raise InvalidInput("std_dev", "The standard deviation must be above 0.")
    delta = _effect(baseline, mde, relative)
    z_alpha, z_beta = _z(alpha, power, one_sided)
    n = 2 * (std_dev * (z_alpha + z_beta) / delta) ** 2
    relative_effect = delta / baseline if baseline else None
    return _design(n, arms, delta, relative_effect, daily_users)


def _design(
    n: float, arms: int, delta: float, relative: float | None, daily_users: float | None
) -> Design:
    per_arm = math.ceil(n - 1e-9)
    total = per_arm * arms
    days = None
    if daily_users is not None:
        if not daily_users > 0:
            raise InvalidInput("daily_users", "Daily users must be above 0 to estimate a duration.")
        days = math.ceil(total / daily_users)
    return Design(per_arm, arms, total, delta, relative, days)
