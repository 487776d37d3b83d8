"""The forecast and status rules on hand-worked examples, and the least squares and its
prediction interval against scipy."""

import math
import random
from datetime import date, timedelta

import pytest
from scipy import stats

from greenroom.strategy import forecast
from greenroom.strategy.forecast import Child, evaluate, least_squares, rollup

START = date(2026, 1, 1)


def day(n: int) -> date:
    return START + timedelta(days=n)


# The worked example of docs/strategy.md: baseline 10 on day 0, check-ins 16, 20, 30 on days
# 30, 60 and 90. x̄ = 45, ȳ = 19, Sxx = 4500, Sxy = 960: slope 0.21333, intercept 9.4;
# residuals 0.6, 0.2, -2.2, 1.4, SSE 7.2, s = √3.6. At day 120 the line gives 35.0 and the
# 80 % interval is 35 ± t(0.90; 2) · √3.6 · √(1 + 1/4 + 75²/4500) = 35 ± 1.885618 · 3.
WORKED = [(day(30), 16.0), (day(60), 20.0), (day(90), 30.0)]


def test_it_fits_the_worked_example_by_hand():
    fit = least_squares([(0, 10), (30, 16), (60, 20), (90, 30)])
    assert fit is not None
    assert fit.slope == pytest.approx(960 / 4500)
    assert fit.intercept == pytest.approx(9.4)
    assert fit.residual_sd == pytest.approx(math.sqrt(3.6))
    assert fit.predict(120) == pytest.approx(35.0)
    low, high = fit.interval(120)
    assert low == pytest.approx(35 - 1.885618 * 3, abs=1e-5)
    assert high == pytest.approx(35 + 1.885618 * 3, abs=1e-5)


@pytest.mark.parametrize("seed", range(20))
def test_it_agrees_with_scipy_on_random_series(seed):
    rng = random.Random(seed)
    n = rng.randint(3, 40)
    xs = sorted(rng.sample(range(0, 400), n))
    ys = [rng.uniform(-50, 50) + 0.3 * x for x in xs]
    fit = least_squares(list(zip(xs, ys, strict=True)))
    reference = stats.linregress(xs, ys)
    assert fit.slope == pytest.approx(reference.slope)
    assert fit.intercept == pytest.approx(reference.intercept)
    # The prediction interval, computed independently: s from the residuals, the quantile
    # from scipy, the standard error of a new observation from its textbook formula.
    x0 = 450
    residuals = [y - reference.intercept - reference.slope * x for x, y in zip(xs, ys, strict=True)]
    s = math.sqrt(sum(r * r for r in residuals) / (n - 2))
    mean_x = sum(xs) / n
    se = s * math.sqrt(1 + 1 / n + (x0 - mean_x) ** 2 / sum((x - mean_x) ** 2 for x in xs))
    half = stats.t.ppf(0.90, n - 2) * se
    centre = reference.intercept + reference.slope * x0
    low, high = fit.interval(x0)
    assert low == pytest.approx(centre - half, rel=1e-5)
    assert high == pytest.approx(centre + half, rel=1e-5)


@pytest.mark.parametrize("df", [*range(1, 40), 60, 120, 1000])
def test_its_t_quantiles_match_scipy(df):
    assert forecast.t_quantile_90(df) == pytest.approx(stats.t.ppf(0.90, df), abs=2e-5)


def test_it_needs_two_distinct_points_for_a_line():
    assert least_squares([(0, 1)]) is None
    assert least_squares([(5, 1), (5, 2)]) is None
    assert least_squares([(0, 1), (10, 2)]).interval(20) is None  # no degrees of freedom


def test_it_expects_progress_linearly_from_start_to_due():
    due = day(120)
    assert forecast.expected_progress(starts_on=START, due_on=due, today=day(-5)) == 0
    assert forecast.expected_progress(starts_on=START, due_on=due, today=day(90)) == 0.75
    assert forecast.expected_progress(starts_on=START, due_on=due, today=day(200)) == 1


TODAY, DUE = day(90), day(120)


def _kr(target, points=WORKED, today=TODAY, due=DUE, baseline=10.0):
    return evaluate(
        baseline=baseline, target=target, starts_on=START, due_on=due, points=points, today=today
    )


def test_it_is_on_track_within_ten_points_of_the_expected_progress():
    # Target 40: progress 20/30 = 66.7 %, expected 75 %: within 10 points although the
    # trend's 35 falls short.
    result = _kr(40)
    assert result.progress == pytest.approx(2 / 3)
    assert result.expected == pytest.approx(0.75)
    assert result.forecast == pytest.approx(35.0)
    assert result.status == forecast.ON_TRACK


def test_it_is_on_track_when_the_trend_reaches_the_target():
    # Target 34: progress 20/24 = 83 % (expected 75 %) and the trend's 35 passes it.
    result = _kr(34)
    assert result.status == forecast.ON_TRACK
    assert "trend reaches 35" in result.message


def test_it_is_off_track_when_even_the_best_case_misses():
    # Target 50: progress 20/40 = 50 % < 75 % - 10; the interval's top, 40.66, is below 50.
    result = _kr(50)
    assert result.forecast_high == pytest.approx(35 + 1.885618 * 3, abs=1e-5)
    assert result.status == forecast.OFF_TRACK


def test_it_is_at_risk_when_behind_but_the_interval_still_reaches_the_target():
    # Noisy check-ins: behind by more than 10 points, the trend short of 60, yet the top of
    # its wide interval above it.
    points = [(day(30), 40.0), (day(60), 12.0), (day(90), 30.0)]
    result = _kr(60, points=points)
    assert result.progress < result.expected - 0.10
    assert result.forecast < 60 < result.forecast_high
    assert result.status == forecast.AT_RISK


def test_it_is_at_risk_when_behind_without_enough_points_for_an_interval():
    result = _kr(40, points=[(day(60), 18.0)], today=day(60))
    assert result.forecast == pytest.approx(26.0)  # the line from (0, 10) to (60, 18)
    assert result.forecast_low is None
    assert result.status == forecast.AT_RISK


def test_it_reads_a_target_below_the_baseline_the_other_way_round():
    # Churn from 5 % down to 3 %: 4 % is halfway; the best case of a falling trend is its low end.
    points = [(day(30), 4.8), (day(60), 4.7), (day(90), 4.65)]
    result = _kr(3.0, points=points, baseline=5.0)
    assert result.progress == pytest.approx(0.175)
    assert result.status == forecast.OFF_TRACK
    on_track = _kr(3.0, points=[(day(30), 4.4), (day(60), 3.9), (day(90), 3.5)], baseline=5.0)
    assert on_track.status == forecast.ON_TRACK


def test_it_says_reached_or_missed_after_the_due_date():
    assert _kr(30, today=day(130), due=day(100)).status == forecast.ON_TRACK
    missed = _kr(40, today=day(130), due=day(100))
    assert missed.status == forecast.OFF_TRACK
    assert missed.message.startswith("Missed")


def test_it_explains_a_target_equal_to_the_baseline_and_a_key_result_without_data():
    same = _kr(10)
    assert same.status == forecast.UNAVAILABLE
    assert "target equals the baseline" in same.message
    empty = _kr(40, points=[])
    assert empty.status == forecast.NO_DATA
    assert "No data yet" in empty.message


def test_it_ignores_points_after_today():
    result = _kr(40, today=day(60))
    assert result.value == 20.0


def test_it_rolls_up_by_weight_capping_each_child():
    result = rollup(
        [
            Child(forecast.ON_TRACK, 1.5, 0.5, weight=1),  # counts as 100 %
            Child(forecast.AT_RISK, 0.2, 0.5, weight=3),
            Child(forecast.NO_DATA, None, None),
        ]
    )
    assert result.progress == pytest.approx((1.0 + 3 * 0.2) / 4)
    assert result.expected == pytest.approx(0.5)
    assert result.status == forecast.AT_RISK
    assert result.counts == {"on_track": 1, "at_risk": 1, "no_data": 1}


def test_it_rolls_up_off_track_from_a_third_of_the_weight():
    def children(off_weight):
        return [
            Child(forecast.OFF_TRACK, 0.1, 0.5, weight=off_weight),
            Child(forecast.ON_TRACK, 0.5, 0.5, weight=2),
        ]

    assert rollup(children(1)).status == forecast.OFF_TRACK  # exactly a third
    assert rollup(children(0.9)).status == forecast.AT_RISK
    assert rollup([Child(forecast.ON_TRACK, 0.6, 0.5)]).status == forecast.ON_TRACK
    assert rollup([Child(forecast.NO_DATA, None, None)]).status == forecast.NO_DATA
    assert rollup([]).status == forecast.NO_DATA
