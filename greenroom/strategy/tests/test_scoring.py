"""RICE and the weighted-drivers formula against worked examples (docs/strategy.md,
"Prioritisation")."""

from decimal import Decimal

import pytest

from greenroom.strategy.choices import DEFAULT_WEIGHTS
from greenroom.strategy.scoring import Inputs, rice, weighted


def test_it_scores_rice_as_worked_by_hand():
    # 200 accounts a quarter x high impact (2) x 80 % / 4 person-months = 80
    assert rice(Inputs(reach=200, impact=2.0, confidence=80, effort=4.0)).value == 80.0


def test_it_takes_reach_from_feedback_demand_when_the_team_gave_none():
    # 30 requesting accounts x 1 x 50 % / 2 = 7.5; a reach given wins over demand
    assert rice(Inputs(impact=1.0, confidence=50, effort=2.0, demand_accounts=30)).value == 7.5
    given = Inputs(reach=10, impact=1.0, confidence=50, effort=2.0, demand_accounts=30)
    assert rice(given).value == 2.5


def test_it_says_what_rice_is_missing():
    score = rice(Inputs(impact=1.0, effort=2.0))
    assert score.value is None and score.missing == ("reach", "confidence")


def test_it_scores_weighted_drivers_as_worked_by_hand():
    items = {
        1: Inputs(
            confidence=80,
            effort=2.0,
            value=Decimal(100_000),
            demand_arr=Decimal(50_000),
            demand_accounts=5,
        ),
        2: Inputs(
            confidence=40,
            effort=4.0,
            value=Decimal(50_000),
            demand_arr=Decimal(100_000),
            demand_accounts=10,
        ),
        3: Inputs(),
    }
    scores = weighted(items, DEFAULT_WEIGHTS)  # value 2, arr 2, accounts 1, confidence 1, ease 1
    # 1: (2x1 + 2x0.5 + 1x0.5 + 1x0.8 + 1x1) / 7 = 5.3 / 7 = 75.71 %
    assert scores[1].value == 75.7
    # 2: (2x0.5 + 2x1 + 1x1 + 1x0.4 + 1x0.5) / 7 = 4.9 / 7 = 70 %
    assert scores[2].value == 70.0
    assert scores[3].value == 0.0
    assert scores[2].parts["ease"] == pytest.approx(0.5)


def test_it_weights_only_the_drivers_given():
    items = {1: Inputs(confidence=30), 2: Inputs(confidence=90)}
    scores = weighted(items, {"confidence": 1.0})
    assert (scores[1].value, scores[2].value) == (30.0, 90.0)
