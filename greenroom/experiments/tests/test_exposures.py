"""Per-variant sums from usage events against an independent computation in plain Python."""

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pytest

from greenroom.experiments.exposures import EventExposures, OutcomeMetric, variant_sums

START = datetime(2026, 1, 1, tzinfo=UTC)


def _store(rows):
    connection = duckdb.connect()
    connection.execute(
        "CREATE SCHEMA raw; CREATE TABLE raw.events (event_id VARCHAR, event VARCHAR, "
        "user_id VARCHAR, occurred_at TIMESTAMPTZ, properties JSON, account_id VARCHAR)"
    )
    connection.executemany(
        "INSERT INTO raw.events VALUES (?, ?, ?, ?, ?, ?)", [(*r, None) for r in rows]
    )
    return connection


def _synthetic(seed=9):
    rng = np.random.default_rng(seed)
    rows, exposures, outcomes = [], defaultdict(list), []
    for u in range(600):
        user = f"u{u}"
        arms = ["control" if rng.random() < 0.5 else "treatment"]
        if rng.random() < 0.03:
            arms.append("treatment" if arms[0] == "control" else "control")
        for i, arm in enumerate(arms):
            at = START + timedelta(hours=int(rng.integers(0, 48)) + i)
            flag = {"$feature_flag": "f", "$feature_flag_response": arm}
            rows.append((f"e{len(rows)}", "$feature_flag_called", user, at, json.dumps(flag)))
            exposures[user].append((arm, at))
        for _ in range(int(rng.poisson(1.5))):
            at = START + timedelta(hours=int(rng.integers(-24, 96)))
            rows.append((f"e{len(rows)}", "buy", user, at, "{}"))
            outcomes.append((user, at))
    # Another flag's exposure of the same user: not this experiment's.
    rows.append(
        (
            "other",
            "$feature_flag_called",
            "u1",
            START,
            '{"$feature_flag": "g", "$feature_flag_response": "control"}',
        )
    )
    return rows, exposures, outcomes


def _by_hand(exposures, outcomes):
    sums = defaultdict(lambda: [0, 0.0, 0.0, 0, 0.0, 0.0])
    excluded = 0
    for user, seen in exposures.items():
        if len({arm for arm, _ in seen}) > 1:
            excluded += 1
            continue
        first = min(at for _, at in seen)
        count = sum(1 for u, at in outcomes if u == user and at >= first)
        s = sums[seen[0][0]]
        s[0] += 1
        s[1] += count > 0
        s[2] += count > 0
        s[3] += 1
        s[4] += count
        s[5] += count * count
    return sums, excluded


def test_it_sums_outcomes_after_first_exposure_and_leaves_out_users_seeing_both():
    rows, exposures, outcomes = _synthetic()
    result = variant_sums(
        _store(rows),
        exposure_event="$feature_flag_called",
        flag_key="f",
        metrics=[
            OutcomeMetric("conv", "conversion", "buy"),
            OutcomeMetric("per_user", "events_per_user", "buy"),
        ],
    )
    hand, excluded = _by_hand(exposures, outcomes)
    assert result.excluded == excluded > 0
    for arm in ("control", "treatment"):
        assert result.users[arm] == hand[arm][0]
        assert result.sums["conv"][arm] == (hand[arm][0], hand[arm][1], hand[arm][2])
        assert result.sums["per_user"][arm] == pytest.approx(
            (hand[arm][3], hand[arm][4], hand[arm][5])
        )


def test_it_returns_nothing_for_a_flag_nobody_saw():
    rows, _, _ = _synthetic()
    result = variant_sums(
        _store(rows),
        exposure_event="$feature_flag_called",
        flag_key="nope",
        metrics=[OutcomeMetric("conv", "conversion", "buy")],
    )
    assert result.users == {} and result.excluded == 0


def test_it_reads_any_exposure_event_and_properties_the_experiment_names():
    at = START
    rows = [
        ("v1", "hero_viewed", "u1", at, '{"test": "hero", "arm": "big"}'),
        ("v2", "hero_viewed", "u2", at, '{"test": "hero", "arm": "small"}'),
        ("v3", "hero_viewed", "u3", at, '{"test": "other", "arm": "big"}'),  # another test
        ("v4", "$feature_flag_called", "u4", at, FLAG_CALL),  # not this event
        ("b1", "buy", "u1", at + timedelta(hours=1), "{}"),
        ("b2", "buy", "u3", at + timedelta(hours=1), "{}"),
    ]
    result = variant_sums(
        _store(rows),
        exposures=EventExposures(
            "hero_viewed", "hero", flag_property="test", variant_property="arm"
        ),
        metrics=[OutcomeMetric("conv", "conversion", "buy")],
    )
    assert result.users == {"big": 1, "small": 1}
    assert result.sums["conv"] == {"big": (1, 1.0, 1.0), "small": (1, 0.0, 0.0)}


FLAG_CALL = '{"$feature_flag": "hero", "$feature_flag_response": "big"}'


def test_it_sums_the_pre_period_for_cuped_as_worked_by_hand():
    day = timedelta(days=1)
    rows = [
        ("x1", "$feature_flag_called", "u1", START, FLAG_CALL),
        ("x2", "$feature_flag_called", "u2", START + day, FLAG_CALL),
        ("x3", "$feature_flag_called", "u3", START, FLAG_CALL.replace("big", "small")),
        ("a", "view", "u1", START - 2 * day, "{}"),  # u1: pre 2, post 3
        ("b", "view", "u1", START - 3 * day, "{}"),
        ("c", "view", "u1", START - 20 * day, "{}"),  # before the 14 days: not counted
        ("d", "view", "u1", START, "{}"),
        ("e", "view", "u1", START + day, "{}"),
        ("f", "view", "u1", START + 2 * day, "{}"),
        ("g", "view", "u2", START, "{}"),  # u2: pre 1 (exposed a day later), post 0
        ("h", "view", "u3", START + day, "{}"),  # u3: pre 0, post 1
    ]
    result = variant_sums(
        _store(rows),
        flag_key="hero",
        metrics=[
            OutcomeMetric("views", "events_per_user", "view"),
            OutcomeMetric("viewed", "conversion", "view"),
        ],
        pre_days=14,
    )
    # big: u1 (pre 2, post 3), u2 (pre 1, post 0); small: u3 (pre 0, post 1)
    assert result.sums["views"] == {"big": (2, 3.0, 9.0), "small": (1, 1.0, 1.0)}
    assert result.pre["views"] == {"big": (3.0, 5.0, 6.0), "small": (0.0, 0.0, 0.0)}
    assert result.pre["viewed"] == {"big": (2.0, 2.0, 1.0), "small": (0.0, 0.0, 0.0)}
