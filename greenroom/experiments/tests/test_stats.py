"""The statistics against worked examples, scipy and the bad inputs the issue names."""

import math

import numpy as np
import pytest
from scipy import stats as sps
from scipy.integrate import quad

from greenroom.experiments.stats import design
from greenroom.experiments.stats.analysis import MetricInput, Settings, analyse
from greenroom.experiments.stats.bayesian import bayesian_test
from greenroom.experiments.stats.checks import check_split, srm_p_value
from greenroom.experiments.stats.corrections import benjamini_hochberg, holm_bonferroni
from greenroom.experiments.stats.effects import effect
from greenroom.experiments.stats.errors import (
    BadSplit,
    EmptyVariant,
    InvalidInput,
    NotEnoughData,
    ZeroBaseline,
    ZeroVariance,
)
from greenroom.experiments.stats.frequentist import sequential_test, t_test
from greenroom.experiments.stats.summaries import (
    MeanSummary,
    ProportionSummary,
    adjusted_summary,
    mean_summary,
    proportion_summary,
)


def test_it_agrees_with_scipys_welch_test_on_absolute_differences():
    rng = np.random.default_rng(1)
    a, b = rng.normal(10, 3, 400), rng.normal(10.6, 4, 450)
    result = t_test(effect(mean_summary(a), mean_summary(b), relative=False))
    welch = sps.ttest_ind(b, a, equal_var=False)
    assert result.p_value == pytest.approx(welch.pvalue, rel=1e-9)
    assert result.estimate == pytest.approx(b.mean() - a.mean())
    interval = welch.confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((interval.low, interval.high))


def test_it_works_a_two_proportion_test_by_hand():
    # 100/1000 vs 130/1000: se = sqrt(.1*.9/1000 + .13*.87/1000) = 0.014251, z = 2.1051.
    e = effect(ProportionSummary(1000, 100), ProportionSummary(1000, 130), relative=False)
    result = t_test(e)
    assert result.std_error == pytest.approx(math.sqrt(0.09 / 1000 + 0.1131 / 1000))
    assert result.estimate / result.std_error == pytest.approx(2.1051, abs=1e-4)
    # With ~1,900 degrees of freedom the t-test is the z-test to 3 decimals.
    assert result.p_value == pytest.approx(2 * sps.norm.sf(2.1051), abs=1e-3)


def test_it_gives_the_relative_lift_a_delta_method_interval():
    # Control mean 10 (var 4, n 100), variant 11 (var 9, n 100):
    # var = 9 / (100 * 100) + 4 * 121 / (10^4 * 100) = 0.0009 + 0.000484 = 0.001384.
    a = MeanSummary(n=100, sum=1000, sum_squares=4 * 99 + 1000**2 / 100)
    b = MeanSummary(n=100, sum=1100, sum_squares=9 * 99 + 1100**2 / 100)
    e = effect(a, b)
    assert e.estimate == pytest.approx(0.1)
    assert e.variance == pytest.approx(0.001384)


def test_it_reduces_variance_with_cuped_and_keeps_the_estimate_unbiased():
    rng = np.random.default_rng(3)
    pre_a, pre_b = rng.normal(50, 10, 5000), rng.normal(50, 10, 5000)
    post_a = pre_a + rng.normal(0, 5, 5000)
    post_b = pre_b + 1 + rng.normal(0, 5, 5000)
    plain = effect(mean_summary(post_a), mean_summary(post_b), relative=False)
    cuped = effect(adjusted_summary(post_a, pre_a), adjusted_summary(post_b, pre_b), relative=False)
    assert cuped.variance < plain.variance / 4
    assert cuped.theta == pytest.approx(1, abs=0.05)
    # By hand: theta from the pooled regression, the means adjusted by it.
    pre, post = np.concatenate([pre_a, pre_b]), np.concatenate([post_a, post_b])
    theta = np.cov(post, pre)[0, 1] / pre.var(ddof=1)
    hand = (post_b.mean() - theta * pre_b.mean()) - (post_a.mean() - theta * pre_a.mean())
    assert cuped.estimate == pytest.approx(hand)


def test_it_computes_chance_to_win_and_risk_in_closed_form():
    e = effect(ProportionSummary(1000, 100), ProportionSummary(1000, 130), relative=False)
    b = bayesian_test(e)
    sd = math.sqrt(e.variance)
    assert b.chance_to_win == pytest.approx(sps.norm.cdf(e.estimate / sd))
    # Risk of shipping = E[max(-X, 0)] for X ~ N(mu, sd): checked by numerical integration.
    loss, _ = quad(lambda x: -x * sps.norm.pdf(x, e.estimate, sd), -np.inf, 0)
    assert b.risk_treatment == pytest.approx(loss, rel=1e-6)


def test_it_keeps_the_sequential_interval_wider_than_the_fixed_one():
    rng = np.random.default_rng(4)
    e = effect(mean_summary(rng.normal(5, 2, 3000)), mean_summary(rng.normal(5.2, 2, 3000)))
    fixed, always = t_test(e), sequential_test(e)
    assert always.ci_low < fixed.ci_low and always.ci_high > fixed.ci_high
    assert always.p_value >= fixed.p_value


def test_it_checks_the_split_against_the_plan_with_chi_square():
    p = srm_p_value([5000, 4700], [0.5, 0.5])
    assert p == pytest.approx(sps.chisquare([5000, 4700], [4850, 4850]).pvalue)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([0.5, 0.4], "adds up to 90 %"),
        ([0.6, 0.6], "adds up to 120 %"),
        ([1.2, -0.2], "0 % or more"),
        ([1.0], "at least one variant"),
    ],
)
def test_it_refuses_a_split_that_does_not_add_up(weights, message):
    with pytest.raises(BadSplit, match=message):
        check_split(weights)


def test_it_adjusts_p_values_like_the_textbook():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm by hand: sorted .005 .01 .03 .04 times 4, 3, 2, 1 = .02 .03 .06 .04 -> monotone .06.
    assert holm_bonferroni(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert benjamini_hochberg(p) == pytest.approx(list(sps.false_discovery_control(p)))


def test_it_says_not_enough_data_rather_than_a_p_value():
    with pytest.raises(NotEnoughData, match="Not enough data yet"):
        effect(proportion_summary([1, 0, 1]), proportion_summary([0, 0, 1, 1]), min_users=30)


def test_it_names_a_variant_with_no_users():
    with pytest.raises(EmptyVariant, match="no users"):
        effect(ProportionSummary(100, 10), ProportionSummary(0, 0))


def test_it_refuses_a_metric_with_zero_variance():
    with pytest.raises(ZeroVariance, match="same value"):
        effect(mean_summary([3.0] * 50), mean_summary(np.arange(50.0)))


def test_it_refuses_a_relative_lift_on_a_zero_baseline():
    with pytest.raises(ZeroBaseline):
        effect(ProportionSummary(100, 0), ProportionSummary(100, 5))


def test_it_analyses_an_experiment_and_keeps_each_failure_in_its_comparison():
    rng = np.random.default_rng(5)
    conversions = [
        proportion_summary(rng.random(n) < p) for n, p in [(5000, 0.1), (5000, 0.12), (10, 0.1)]
    ]
    result = analyse(
        variants=["control", "b", "tiny"],
        users=[5000, 5000, 10],
        weights=[0.4, 0.4, 0.2],
        metrics={"signup": MetricInput(conversions)},
        settings=Settings(correction="holm"),
    )
    assert result.sample_ratio_mismatch
    b, tiny = result.comparisons
    assert b.frequentist is not None and b.adjusted_p_value == b.frequentist.p_value
    assert isinstance(tiny.error, NotEnoughData) and tiny.frequentist is None


def test_it_matches_evan_millers_calculator():
    # evanmiller.org/ab-testing/sample-size.html: 10 %, +2 points absolute, 80 %, 5 % -> 3,623.
    result = design.proportion_sample_size(baseline=0.10, mde=0.02, power=0.8, alpha=0.05)
    assert result.per_arm == 3623
    relative = design.proportion_sample_size(baseline=0.10, mde=0.2, relative=True)
    assert relative.per_arm == 3623


def test_it_sizes_a_test_of_means_by_hand():
    # n = 2 (z_.975 + z_.8)^2 sd^2 / delta^2 = 2 * 7.8489 * 100 / 4 = 392.44 -> 393.
    result = design.mean_sample_size(baseline=50, std_dev=10, mde=2, daily_users=100)
    assert result.per_arm == 393
    assert result.total == 786
    assert result.days == 8


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"baseline": 1.2, "mde": 0.02}, "baseline"),
        ({"baseline": 0.1, "mde": 0}, "mde"),
        ({"baseline": 0.95, "mde": 0.1}, "mde"),
        ({"baseline": 0.1, "mde": 0.02, "power": 1.5}, "power"),
        ({"baseline": 0.1, "mde": 0.02, "alpha": 0}, "alpha"),
    ],
)
def test_it_names_the_bad_design_input(kwargs, field):
    with pytest.raises(InvalidInput) as raised:
        design.proportion_sample_size(**kwargs)
    assert raised.value.field == field


def test_it_shows_lifts_and_risks_as_percentages():
    from greenroom.experiments.templatetags.experiments import percent, small_percent

    assert percent(0.2487) == "+24.9 %"
    assert percent(-0.05) == "\u22125.0 %"
    assert percent(0.988, False) == "98.8 %"
    assert small_percent(0.00012) == "0.01 %"
    assert percent(None) == "—"
