"""Runs GrowthBook's gbstats 0.8.0 on JSON cases: the oracle the statistics are checked against.

It runs in its own environment (var/gbstats-venv, built by `make gbstats-oracle`), because
gbstats pins numpy < 2 and pandas < 2, which the product excludes. It reads a JSON list of cases
on stdin and writes one JSON result per case on stdout. It imports nothing from Greenroom.
"""

import json
import sys

from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig, GaussianPrior
from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import (
    ProportionStatistic,
    RatioStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
)
from gbstats.utils import check_srm


def statistic(spec):
    kind = spec["type"]
    if kind == "mean":
        return SampleMeanStatistic(n=spec["n"], sum=spec["sum"], sum_squares=spec["sum_squares"])
    if kind == "proportion":
        return ProportionStatistic(n=spec["n"], sum=spec["sum"])
    if kind == "ratio":
        return RatioStatistic(
            n=spec["n"],
            m_statistic=statistic(spec["numerator"]),
            d_statistic=statistic(spec["denominator"]),
            m_d_sum_of_products=spec["cross_sum"],
        )
    if kind == "adjusted":
        return RegressionAdjustedStatistic(
            n=spec["n"],
            post_statistic=statistic(spec["post"]),
            pre_statistic=statistic(spec["pre"]),
            post_pre_sum_of_products=spec["cross_sum"],
            theta=0,
        )
    raise ValueError(kind)


def run(case):
    if case["kind"] == "srm":
        return {"p_value": float(check_srm(case["users"], case["weights"]))}
    a, b = statistic(case["control"]), statistic(case["treatment"])
    difference = "relative" if case.get("relative", True) else "absolute"
    alpha = case.get("alpha", 0.05)
    if case["kind"] == "ttest":
        result = TwoSidedTTest(a, b, FrequentistConfig(difference_type=difference, alpha=alpha))
    elif case["kind"] == "sequential":
        config = SequentialConfig(
            difference_type=difference,
            alpha=alpha,
            sequential_tuning_parameter=case.get("tuning", 5000),
        )
        result = SequentialTwoSidedTTest(a, b, config)
    else:
        prior = case.get("prior")
        config = EffectBayesianConfig(
            difference_type=difference,
            alpha=alpha,
            inverse=case.get("inverse", False),
            prior_effect=GaussianPrior(prior["mean"], prior["variance"], True)
            if prior
            else GaussianPrior(),
        )
        result = EffectBayesianABTest(a, b, config)
    out = result.compute_result()
    row = {
        "expected": float(out.expected),
        "ci": [float(x) for x in out.ci],
        "error": out.error_message,
    }
    if case["kind"] == "bayes":
        row["chance_to_win"] = float(out.chance_to_win)
        row["risk"] = [float(x) for x in out.risk]
    else:
        row["p_value"] = float(out.p_value)
    return row


if __name__ == "__main__":
    json.dump([run(case) for case in json.load(sys.stdin)], sys.stdout)
