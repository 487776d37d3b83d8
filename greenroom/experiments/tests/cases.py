"""Inputs compared with gbstats: its own test cases re-expressed as summaries, and fixtures."""

import numpy as np

from greenroom.experiments.stats.summaries import (
    AdjustedSummary,
    MeanSummary,
    ProportionSummary,
    RatioSummary,
    Summary,
    adjusted_summary,
    mean_summary,
    proportion_summary,
    ratio_summary,
)


def spec(s: Summary) -> dict:
    """A summary as the oracle script reads it."""
    if isinstance(s, MeanSummary):
        return {"type": "mean", "n": s.n, "sum": s.sum, "sum_squares": s.sum_squares}
    if isinstance(s, ProportionSummary):
        return {"type": "proportion", "n": s.n, "sum": s.sum}
    if isinstance(s, RatioSummary):
        return {
            "type": "ratio",
            "n": s.n,
            "numerator": spec(s.numerator),
            "denominator": spec(s.denominator),
            "cross_sum": s.cross_sum,
        }
    return {
        "type": "adjusted",
        "n": s.n,
        "post": spec(s.post),
        "pre": spec(s.pre),
        "cross_sum": s.cross_sum,
    }


# gbstats' own test cases (packages/stats/tests in the growthbook repository), as pairs.
GB_MEAN_A = MeanSummary(n=3407, sum=1396.87, sum_squares=52377.9767)
GB_MEAN_B = MeanSummary(n=3461, sum=2422.7, sum_squares=134698.29)
GB_SEQ_A = MeanSummary(n=3000, sum=1396.87, sum_squares=52377.9767)
GB_CASES: dict[str, tuple[Summary, Summary]] = {
    "two_sided_ttest": (GB_MEAN_A, GB_MEAN_B),
    "ttest_binom": (ProportionSummary(n=28, sum=14), ProportionSummary(n=30, sum=16)),
    "sequential_mean": (GB_SEQ_A, GB_MEAN_B),
    "sequential_prop": (ProportionSummary(n=3000, sum=1396), ProportionSummary(n=3461, sum=2422)),
    "sequential_ra": (
        AdjustedSummary(
            n=3000,
            post=GB_SEQ_A,
            pre=MeanSummary(n=3000, sum=16.87, sum_squares=527.9767),
            cross_sum=12525,
        ),
        AdjustedSummary(
            n=3461,
            post=GB_MEAN_B,
            pre=MeanSummary(n=3461, sum=22.7, sum_squares=1348.29),
            cross_sum=3333,
        ),
    ),
    "bayes_binom": (ProportionSummary(n=100, sum=49), ProportionSummary(n=100, sum=51)),
    "bayes_gaussian": (
        MeanSummary(n=10, sum=100, sum_squares=1002.25),
        MeanSummary(n=10, sum=105, sum_squares=1111.5),
    ),
    "bayes_log_inexact": (
        MeanSummary(n=381, sum=99.06, sum_squares=9987.2276),
        MeanSummary(n=381, sum=20281.8, sum_squares=3646063.4064),
    ),
}
# gbstats' test of a variance that comes out negative (n=2): no result, an error.
GB_NEGATIVE_VARIANCE = (MeanSummary(n=2, sum=1396.87, sum_squares=52377.9767), GB_MEAN_B)
GB_SRM = [
    ([1000, 1200], [0.5, 0.5]),
    ([1000, 1000, 1000], [1 / 3, 1 / 3, 1 / 3]),
    ([2000, 1000, 1000], [0.5, 0.25, 0.25]),
    ([1040, 960, 0], [0.5, 0.5, 0.0]),
    ([5120, 4880], [0.5, 0.5]),
]


def fixtures(seed: int = 15) -> dict[str, tuple[Summary, Summary]]:
    """Our own pairs drawn from known distributions: each metric kind, effects large and nil."""
    rng = np.random.default_rng(seed)
    out: dict[str, tuple[Summary, Summary]] = {}
    out["conversion_lift"] = (
        proportion_summary(rng.random(8000) < 0.10),
        proportion_summary(rng.random(8100) < 0.12),
    )
    out["conversion_nil"] = (
        proportion_summary(rng.random(5000) < 0.30),
        proportion_summary(rng.random(5000) < 0.30),
    )
    out["events_per_user"] = (
        mean_summary(rng.poisson(3.0, 4000)),
        mean_summary(rng.poisson(3.15, 4100)),
    )
    out["revenue_per_account"] = (
        mean_summary(rng.lognormal(3, 1.2, 900)),
        mean_summary(rng.lognormal(3.05, 1.2, 880)),
    )
    orders_a, orders_b = rng.poisson(2, 3000) + 1, rng.poisson(2, 3000) + 1
    out["revenue_per_order"] = (
        ratio_summary(orders_a * rng.gamma(2, 10, 3000), orders_a),
        ratio_summary(orders_b * rng.gamma(2, 10.5, 3000), orders_b),
    )
    pre_a, pre_b = rng.gamma(2, 5, 6000), rng.gamma(2, 5, 6000)
    out["cuped_mean"] = (
        adjusted_summary(0.8 * pre_a + rng.normal(0, 4, 6000), pre_a),
        adjusted_summary(0.8 * pre_b + 0.4 + rng.normal(0, 4, 6000), pre_b),
    )
    was_a, was_b = rng.random(6000) < 0.3, rng.random(6000) < 0.3
    out["cuped_conversion"] = (
        adjusted_summary(
            (was_a & (rng.random(6000) < 0.8)) | (rng.random(6000) < 0.05), was_a, binary=True
        ),
        adjusted_summary(
            (was_b & (rng.random(6000) < 0.82)) | (rng.random(6000) < 0.05), was_b, binary=True
        ),
    )
    out["small_arms"] = (
        mean_summary(rng.normal(10, 3, 35)),
        mean_summary(rng.normal(11, 3, 40)),
    )
    return out
