"""The robust z-score rule on hand-worked series, and against SciPy's MAD."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from greenroom.health import robust


def test_it_scores_a_spike_against_the_median_and_mad_worked_by_hand():
    # sorted: 10 11 11 12 12 12 13 -> median 12; |x - 12|: 0 0 0 1 1 1 2 -> MAD 1
    score = robust.robust_z(20, [10, 12, 11, 13, 12, 11, 12])
    assert score.median == 12
    assert score.scale == pytest.approx(1.4826)
    assert score.z == pytest.approx(8 / 1.4826)  # 5.396
    assert score.change == pytest.approx(8 / 12)


def test_it_floors_the_scale_of_a_flat_baseline_at_two_percent_of_its_median():
    score = robust.robust_z(6, [5] * 8)  # MAD 0: the scale is 0.02 * 5 = 0.1
    assert score.scale == pytest.approx(0.1)
    assert score.z == pytest.approx(10)


def test_it_raises_a_rise_only_when_a_rise_matters():
    series = [10, 12, 11, 13, 12, 11, 12, 20]
    assert robust.notable(series, direction=1).z == pytest.approx(5.396, abs=1e-3)
    assert robust.notable(series, direction=-1) is None


def test_it_ignores_a_move_under_three_and_a_half():
    # 15 against the same baseline: z = 3 / 1.4826 = 2.02
    assert robust.notable([10, 12, 11, 13, 12, 11, 12, 15], direction=1) is None


def test_it_ignores_a_change_too_small_to_matter_even_when_unusual():
    # z = 4 / 0.24... no: the scale is 1.4826 * MAD = 0; floor 0.02 * 100 = 2; z = 4 / 2 = 2
    assert robust.notable([100] * 7 + [104], direction=1) is None
    # 120: z = 10, change 20 % -> notable; with min_change 25 % it is not
    assert robust.notable([100] * 7 + [120], direction=1) is not None
    assert robust.notable([100] * 7 + [120], direction=1, min_change=0.25) is None


def test_it_treats_a_change_the_same_month_showed_last_year_as_the_season():
    series = [10] * 12 + [20] + [10] * 11 + [20]
    assert robust.seasonal_effect(series, direction=1) == 10
    assert robust.notable(series, direction=1) is None
    assert robust.notable(series, direction=1, seasonal=False).z == pytest.approx(50)


def test_it_still_raises_a_change_well_beyond_last_years_season():
    # Last year the month rose by 2 (z = 2 / 0.2 = 10); this year by 10: 8 beyond the season,
    # an adjusted z of 8 / 0.2 = 40.
    series = [10] * 12 + [12] + [10] * 11 + [20]
    assert robust.notable(series, direction=1).z == pytest.approx(50)
    # A small move last year (z < 2) is not a season: 10.03 scores 0.03 / 0.2 = 0.15.
    assert robust.seasonal_effect([10] * 12 + [10.03] + [10] * 12, direction=1) == 0.0


def test_it_needs_six_months_of_baseline():
    assert robust.latest_score([1, 1, 1, 1, 1, 9]) is None
    assert robust.latest_score([1, 1, 1, 1, 1, 1, 9]) is not None


def test_it_uses_at_most_the_twelve_months_before():
    score = robust.latest_score([1000] * 5 + [10] * 12 + [10])
    assert score.baseline == (10,) * 12


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(-(10**6), 10**6).map(lambda n: n / 7), min_size=2, max_size=40))
def test_its_scale_is_scipys_normal_consistent_mad(baseline):
    score = robust.robust_z(0.0, baseline, relative_floor=0.0, absolute_floor=1e-300)
    expected = stats.median_abs_deviation(baseline, scale="normal")
    assert score.scale == pytest.approx(expected, rel=1e-5, abs=1e-9)
