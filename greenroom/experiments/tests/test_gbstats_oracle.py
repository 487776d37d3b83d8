"""Every statistic against GrowthBook's gbstats 0.8.0, to 4 decimals, on its cases and ours.

The oracle runs once for the module (one subprocess, every case in one JSON document).
"""

import pytest

from greenroom.experiments.stats.bayesian import Prior, bayesian_test
from greenroom.experiments.stats.checks import srm_p_value
from greenroom.experiments.stats.effects import effect
from greenroom.experiments.stats.errors import StatsError, ZeroVariance
from greenroom.experiments.stats.frequentist import sequential_test, t_test
from greenroom.experiments.tests import cases
from greenroom.experiments.tests.oracle import gbstats

TOLERANCE = 5e-5  # equal to 4 decimals
PAIRS = {
    **{f"gb:{k}": v for k, v in cases.GB_CASES.items()},
    **{f"ours:{k}": v for k, v in cases.fixtures().items()},
}
# (label, kind, options): every pair goes through each of these.
RUNS = [
    ("ttest-relative", "ttest", {"relative": True}),
    ("ttest-absolute", "ttest", {"relative": False}),
    ("ttest-alpha-10", "ttest", {"relative": True, "alpha": 0.1}),
    ("sequential-5000", "sequential", {"relative": True, "tuning": 5000}),
    ("sequential-1000-absolute", "sequential", {"relative": False, "tuning": 1000}),
    ("bayes-flat-relative", "bayes", {"relative": True}),
    ("bayes-flat-absolute", "bayes", {"relative": False}),
    ("bayes-prior-relative", "bayes", {"relative": True, "prior": {"mean": 0, "variance": 0.01}}),
    (
        "bayes-prior-absolute",
        "bayes",
        {"relative": False, "prior": {"mean": 0.05, "variance": 0.04}},
    ),
    ("bayes-inverse", "bayes", {"relative": True, "inverse": True}),
]
CASES = [
    (f"{pair}/{label}", pair, kind, options) for pair in PAIRS for label, kind, options in RUNS
]


@pytest.fixture(scope="module")
def oracle() -> dict:
    """gbstats' answer for every case, by case id."""
    payload = [
        {
            "kind": kind,
            "control": cases.spec(PAIRS[pair][0]),
            "treatment": cases.spec(PAIRS[pair][1]),
            **options,
        }
        for _, pair, kind, options in CASES
    ]
    payload += [{"kind": "srm", "users": u, "weights": w} for u, w in cases.GB_SRM]
    negative = cases.GB_NEGATIVE_VARIANCE
    payload.append(
        {"kind": "ttest", "control": cases.spec(negative[0]), "treatment": cases.spec(negative[1])}
    )
    answers = gbstats(payload)
    ids = [case[0] for case in CASES] + [f"srm:{i}" for i in range(len(cases.GB_SRM))]
    return dict(zip([*ids, "negative"], answers, strict=True))


def ours(kind: str, control, treatment, options: dict) -> dict:
    e = effect(control, treatment, relative=options.get("relative", True))
    alpha = options.get("alpha", 0.05)
    if kind == "ttest":
        r = t_test(e, alpha=alpha)
        return {"expected": r.estimate, "ci": [r.ci_low, r.ci_high], "p_value": r.p_value}
    if kind == "sequential":
        r = sequential_test(e, alpha=alpha, tuning=options["tuning"])
        return {"expected": r.estimate, "ci": [r.ci_low, r.ci_high], "p_value": r.p_value}
    prior = Prior(**options["prior"]) if "prior" in options else None
    b = bayesian_test(e, alpha=alpha, prior=prior, inverse=options.get("inverse", False))
    return {
        "expected": b.expected,
        "ci": [b.ci_low, b.ci_high],
        "chance_to_win": b.chance_to_win,
        "risk": [b.risk_control, b.risk_treatment],
    }


def flat(result: dict) -> dict:
    out = {}
    for key, value in result.items():
        if isinstance(value, list):
            out.update({f"{key}[{i}]": v for i, v in enumerate(value)})
        elif key != "error":
            out[key] = value
    return out


@pytest.mark.parametrize(("case_id", "pair", "kind", "options"), CASES, ids=[c[0] for c in CASES])
def test_it_matches_gbstats(oracle, case_id, pair, kind, options):
    expected = oracle[case_id]
    control, treatment = PAIRS[pair]
    if expected["error"]:
        with pytest.raises(StatsError):
            ours(kind, control, treatment, options)
        return
    got = flat(ours(kind, control, treatment, options))
    want = flat(expected)
    assert got.keys() == want.keys()
    for key in want:
        assert got[key] == pytest.approx(want[key], abs=TOLERANCE), key


@pytest.mark.parametrize("index", range(len(cases.GB_SRM)))
def test_it_matches_gbstats_srm(oracle, index):
    users, weights = cases.GB_SRM[index]
    assert srm_p_value(users, weights) == pytest.approx(
        oracle[f"srm:{index}"]["p_value"], abs=TOLERANCE
    )


def test_it_refuses_a_negative_variance_as_gbstats_does(oracle):
    assert oracle["negative"]["error"] == "ZERO_NEGATIVE_VARIANCE"
    with pytest.raises(ZeroVariance):
        effect(*cases.GB_NEGATIVE_VARIANCE)
