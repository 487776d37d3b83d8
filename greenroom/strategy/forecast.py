"""The arithmetic of "are we on track?": progress, expected progress, a least-squares
forecast at the due date with a prediction interval, the status rule and the roll-up.

Pure functions over plain numbers and dates (no models, no scipy), so each rule is tested
on hand-worked examples and against scipy in the tests. docs/strategy.md states the rules.
"""

import math
from dataclasses import dataclass
from datetime import date

# Status values (choices.Status holds the labels).
ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, UNAVAILABLE = (
    "on_track",
    "at_risk",
    "off_track",
    "no_data",
    "unavailable",
)
# How far progress may trail the expected progress and still count as on track (10 points).
TOLERANCE = 0.10
# The prediction interval's coverage: 80 %, two-sided (t quantile at 0.90).
INTERVAL_LEVEL = 0.80
# A roll-up is off track when at least this share (by weight) of its children is.
ROLLUP_OFF_TRACK_SHARE = 1 / 3

# Student t quantiles at 0.90 (the upper end of a two-sided 80 % interval) for 1..30 degrees
# of freedom, from scipy.stats.t.ppf(0.90, df) (a test compares them); beyond 30 the
# Cornish-Fisher expansion below is within 1e-5 of it.
_T90 = (
    3.077684,
    1.885618,
    1.637744,
    1.533206,
    1.475884,
    1.439756,
    1.414924,
    1.396815,
    1.383029,
    1.372184,
    1.363430,
    1.356217,
    1.350171,
    1.345030,
    1.340606,
    1.336757,
    1.333379,
    1.330391,
    1.327728,
    1.325341,
    1.323188,
    1.321237,
    1.319460,
    1.317836,
    1.316345,
    1.314972,
    1.313703,
    1.312527,
    1.311434,
    1.310415,
)
_Z90 = 1.2815515655446004  # the standard normal quantile at 0.90


def t_quantile_90(df: int) -> float:
    """The Student t distribution's 0.90 quantile with ``df`` degrees of freedom."""
    if df < 1:
        raise ValueError("A t quantile needs at least one degree of freedom.")
    if df <= len(_T90):
        return _T90[df - 1]
    z = _Z90
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


@dataclass(frozen=True)
class Fit:
    """An ordinary least-squares line y = intercept + slope * x over ``n`` points."""

    slope: float
    intercept: float
    n: int
    mean_x: float
    sxx: float
    residual_sd: float | None  # None with two points: no degrees of freedom left

    def predict(self, x: float) -> float:
        return self.intercept + self.slope * x

    def interval(self, x: float) -> tuple[float, float] | None:
        """The 80 % prediction interval of a new observation at ``x`` (n >= 3)."""
        if self.residual_sd is None:
            return None
        half = (
            t_quantile_90(self.n - 2)
            * self.residual_sd
            * math.sqrt(1 + 1 / self.n + (x - self.mean_x) ** 2 / self.sxx)
        )
        centre = self.predict(x)
        return centre - half, centre + half


def least_squares(points: list[tuple[float, float]]) -> Fit | None:
    """The OLS line through ``points`` (x, y); None with fewer than two distinct x."""
    n = len(points)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    residual_sd = None
    if n >= 3:
        sse = sum((y - intercept - slope * x) ** 2 for x, y in points)
        residual_sd = math.sqrt(sse / (n - 2))
    return Fit(slope, intercept, n, mean_x, sxx, residual_sd)


@dataclass(frozen=True)
class Evaluation:
    """Where one key result stands today."""

    status: str
    message: str
    value: float | None = None
    progress: float | None = None
    expected: float | None = None
    forecast: float | None = None
    forecast_low: float | None = None
    forecast_high: float | None = None
    as_of: date | None = None
    points: int = 0


def progress_of(value: float, *, baseline: float, target: float) -> float:
    """How far ``value`` has gone from the baseline towards the target (1.0 = reached); works
    for targets below the baseline (a churn to bring down) as for those above."""
    return (value - baseline) / (target - baseline)


def expected_progress(*, starts_on: date, due_on: date, today: date) -> float:
    """The progress a straight line from the start (0) to the due date (1) has by today."""
    if today <= starts_on:
        return 0.0
    if today >= due_on or due_on <= starts_on:
        return 1.0
    return (today - starts_on).days / (due_on - starts_on).days


def evaluate(
    *,
    baseline: float,
    target: float,
    starts_on: date,
    due_on: date,
    points: list[tuple[date, float]],
    today: date,
    unit: str = "",
) -> Evaluation:
    """Progress, expected progress, forecast and status of a key result from its points (check-ins
    or complete metric periods, dated), by the rule in docs/strategy.md."""
    if target == baseline:
        return Evaluation(
            UNAVAILABLE,
            "The target equals the baseline, so progress cannot be measured: change the target.",
        )
    points = sorted(p for p in points if p[0] <= today)
    if not points:
        return Evaluation(NO_DATA, "No data yet: no check-in or complete metric period.")
    as_of, value = points[-1]
    progress = progress_of(value, baseline=baseline, target=target)
    expected = expected_progress(starts_on=starts_on, due_on=due_on, today=today)
    # The baseline is the value at the start: it anchors the trend when nothing older is known.
    trend = [p for p in points if p[0] >= starts_on]
    if not trend or trend[0][0] > starts_on:
        trend = [(starts_on, baseline), *trend]
    fit = least_squares([((on - starts_on).days, v) for on, v in trend])
    base: dict = {"value": value, "progress": progress, "expected": expected, "as_of": as_of}
    base["points"] = len(trend)
    if today > due_on:
        status = ON_TRACK if progress >= 1 else OFF_TRACK
        verb = "Reached" if progress >= 1 else "Missed"
        return Evaluation(
            status,
            f"{verb}: {_num(value, unit)} at the due date against a target of "
            f"{_num(target, unit)}.",
            forecast=value,
            **base,
        )
    forecast = low = high = None
    if fit is not None:
        x = (due_on - starts_on).days
        forecast = fit.predict(x)
        interval = fit.interval(x)
        if interval is not None:
            low, high = interval
    status, message = _status(
        progress=progress,
        expected=expected,
        baseline=baseline,
        target=target,
        forecast=forecast,
        interval=(low, high) if low is not None and high is not None else None,
        unit=unit,
    )
    return Evaluation(
        status, message, forecast=forecast, forecast_low=low, forecast_high=high, **base
    )


def _status(
    *,
    progress: float,
    expected: float,
    baseline: float,
    target: float,
    forecast: float | None,
    interval: tuple[float, float] | None,
    unit: str,
) -> tuple[str, str]:
    said = f"{_pts(progress)} done, {_pts(expected)} expected by today"
    if progress >= 1:
        return ON_TRACK, f"Target reached ({said})."
    if forecast is not None:
        forecast_progress = progress_of(forecast, baseline=baseline, target=target)
        said += f"; the trend reaches {_num(forecast, unit)} at the due date"
        if interval is not None:
            said += f" (80 % interval {_num(interval[0], unit)} to {_num(interval[1], unit)})"
        if forecast_progress >= 1:
            return ON_TRACK, f"On track: {said}, target {_num(target, unit)}."
    if progress >= expected - TOLERANCE:
        return ON_TRACK, f"On track: {said}."
    if interval is not None:
        # The end of the interval nearest the target: the high end when the target is above
        # the baseline, the low end when it is below.
        best = max(progress_of(end, baseline=baseline, target=target) for end in interval)
        if best < 1:
            return OFF_TRACK, f"Off track: {said}; even its best case misses {_num(target, unit)}."
    if forecast is None:
        said += "; too few points for a trend"
    return AT_RISK, f"At risk: {said}, target {_num(target, unit)}."


def _pts(share: float) -> str:
    return f"{share * 100:.0f} %"


def _num(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")
    if unit in ("%", "pts"):
        return f"{text} {unit}"
    return f"{text} {unit}".strip()


@dataclass(frozen=True)
class Child:
    """A key result (or a rolled-up objective or initiative) as its parent sees it."""

    status: str
    progress: float | None
    expected: float | None
    weight: float = 1.0


@dataclass(frozen=True)
class Rollup:
    """A parent's progress, expected progress and status from its children."""

    status: str
    progress: float | None
    expected: float | None
    counts: dict[str, int]


def rollup(children: list[Child]) -> Rollup:
    """Weighted mean of the children's progress (each capped to 0..100 %, so one
    over-achiever cannot hide a laggard) and status: off track when at least a third of the
    weight with data is off track, at risk when any child is at risk or off track, on track
    otherwise; no data when no child has any."""
    counts: dict[str, int] = {}
    for child in children:
        counts[child.status] = counts.get(child.status, 0) + 1
    measured = [c for c in children if c.progress is not None and c.expected is not None]
    weight = sum(c.weight for c in measured)
    if not measured or weight <= 0:
        return Rollup(NO_DATA, None, None, counts)
    progress = sum(c.weight * min(max(c.progress or 0.0, 0.0), 1.0) for c in measured) / weight
    expected = sum(c.weight * (c.expected or 0.0) for c in measured) / weight
    off = sum(c.weight for c in measured if c.status == OFF_TRACK)
    if off / weight >= ROLLUP_OFF_TRACK_SHARE:
        status = OFF_TRACK
    elif any(c.status in (AT_RISK, OFF_TRACK) for c in measured):
        status = AT_RISK
    else:
        status = ON_TRACK
    return Rollup(status, progress, expected, counts)
