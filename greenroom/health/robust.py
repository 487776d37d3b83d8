"""The rule that says a change is notable: a robust z-score against the periods before it.

Pure functions on plain numbers, so they are tested on hand-worked series (docs/health.md,
"How a notable change is found").

For the latest complete period x and the ``window`` periods before it (the baseline):

    median = median(baseline)
    MAD    = median(|b - median| for b in baseline)
    scale  = max(1.4826 * MAD, relative_floor * |median|, absolute_floor)
    z      = (x - median) / scale

1.4826 makes the MAD estimate a standard deviation for normal data; the floors stop a flat
baseline (MAD = 0) from calling a tiny wobble infinitely unusual. A change is notable when
|z| >= 3.5 (Iglewicz and Hoaglin's cut-off for the modified z-score) in the direction that
matters, and the relative change from the median is at least ``min_change``.

Seasonal baseline: with a year of history before the baseline, the same calendar period a
year earlier is scored against *its* own baseline; when it moved the same way (z >= 2 in the
same direction), that move is the season (December churn, August usage) and is added to the
expected value: the change is raised only when it is still notable beyond it,
(x - (median + last year's move)) / scale in the direction that matters >= 3.5.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

THRESHOLD = 3.5
SEASONAL_THRESHOLD = 2.0
MAD_TO_SD = 1.4826
MIN_BASELINE = 6
SEASON = 12  # months in a year: the same period a year earlier


@dataclass(frozen=True)
class Score:
    """A period's value against its baseline."""

    value: float
    median: float
    scale: float
    z: float
    baseline: tuple[float, ...]

    @property
    def change(self) -> float | None:
        """The relative change from the baseline's median (None when the median is 0)."""
        return None if self.median == 0 else (self.value - self.median) / abs(self.median)


def mad(values: Sequence[float]) -> float:
    """The median absolute deviation from the median."""
    centre = median(values)
    return median(abs(v - centre) for v in values)


def robust_z(
    value: float,
    baseline: Sequence[float],
    *,
    relative_floor: float = 0.02,
    absolute_floor: float = 1e-9,
) -> Score:
    """``value`` scored against ``baseline`` (the periods before it, oldest first)."""
    if len(baseline) < 1:
        raise ValueError("A robust z-score needs at least one baseline value.")
    centre = median(baseline)
    scale = max(MAD_TO_SD * mad(baseline), relative_floor * abs(centre), absolute_floor)
    return Score(
        value=value,
        median=centre,
        scale=scale,
        z=(value - centre) / scale,
        baseline=tuple(baseline),
    )


def latest_score(series: Sequence[float], *, window: int = 12, **floors: float) -> Score | None:
    """The last value of ``series`` (oldest first) against up to ``window`` values before it,
    or None with fewer than ``MIN_BASELINE`` of them."""
    if len(series) < MIN_BASELINE + 1:
        return None
    baseline = series[-window - 1 : -1]
    return robust_z(series[-1], baseline, **floors)


def seasonal_effect(
    series: Sequence[float], *, direction: int, window: int = 12, **floors: float
) -> float:
    """How far the same period a year before the last one moved from its own baseline's
    median, when it moved the way that matters (z >= 2 in ``direction``); else 0."""
    last_year = len(series) - 1 - SEASON
    if last_year < MIN_BASELINE:
        return 0.0
    score = latest_score(series[: last_year + 1], window=window, **floors)
    if score is None or direction * score.z < SEASONAL_THRESHOLD:
        return 0.0
    return score.value - score.median


def notable(
    series: Sequence[float],
    *,
    direction: int,
    window: int = 12,
    min_change: float = 0.1,
    seasonal: bool = True,
    **floors: float,
) -> Score | None:
    """The last value's score when it is notable in ``direction`` (+1: a rise matters, -1: a
    fall), else None. See the module's docstring for the rule."""
    score = latest_score(series, window=window, **floors)
    if score is None or direction * score.z < THRESHOLD:
        return None
    change = score.change
    if change is not None and direction * change < min_change:
        return None
    if seasonal:
        effect = seasonal_effect(series, direction=direction, window=window, **floors)
        if direction * (score.value - score.median - effect) / score.scale < THRESHOLD:
            return None
    return score
