"""Checks on the whole experiment: the planned split and sample-ratio mismatch."""

import math
from collections.abc import Sequence

from greenroom.experiments.stats.errors import BadSplit

# Below this p-value the observed split is too unlikely under the plan: something is broken in
# assignment or logging, and no result of the experiment can be trusted (gbstats' threshold).
SRM_THRESHOLD = 0.001


def check_split(weights: Sequence[float]) -> list[float]:
    """The planned shares as fractions; raises BadSplit unless they add up to 100 %."""
    if len(weights) < 2:
        raise BadSplit("An experiment needs a control and at least one variant.")
    if any(not math.isfinite(w) or w < 0 for w in weights):
        raise BadSplit("Every variant's share must be 0 % or more.")
    total = sum(weights)
    if abs(total - 1) > 1e-6:
        raise BadSplit(f"The split adds up to {total * 100:g} %, not 100 %.")
    return [float(w) for w in weights]


def srm_p_value(users: Sequence[int], weights: Sequence[float]) -> float:
    """Chi-square goodness-of-fit p-value of the users per variant against the planned split."""
    from scipy import stats as sps  # loaded on first use: seconds to import

    shares = check_split(weights)
    if len(users) != len(shares):
        raise BadSplit("There must be one planned share per variant.")
    total = sum(users)
    if not total:
        return 1.0
    chi2 = 0.0
    for observed, share in zip(users, shares, strict=True):
        if share > 0:  # an arm planned at 0 % carries no expectation (as gbstats does)
            expected = share * total
            chi2 += (observed - expected) ** 2 / expected
    return float(sps.chi2.sf(chi2, len(users) - 1))
