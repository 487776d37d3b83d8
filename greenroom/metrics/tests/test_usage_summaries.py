"""Stickiness and weekly retention read from the tables the refresh stores
(rollup.stickiness, rollup.retention_cohorts) equal the same definitions computed live from
the activity rollups, for every grain and slice, on random events; the hand-worked values
are in test_usage.py (which now reads the stored tables)."""

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from greenroom.metrics.definitions import (
    RETENTION_SLICES,
    STICKINESS_SLICES,
    Query,
    expression,
)
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests import fixtures
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE, RawLoader
from greenroom.metrics.tests.test_usage import EVENTS, _event

ACCOUNTS = ["crm-acme", "cus_B", "cus_C", "cus_D", "cus_E", None]
PRODUCTS = ["workspace", "insights"]


def _random_events(seed: int, count: int = 400) -> list[tuple]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    users = {f"u{i}": rng.choice(ACCOUNTS) for i in range(25)}
    rows = []
    for i in range(count):
        user = rng.choice(list(users))
        moment = start + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))
        rows.append(
            _event(f"r{seed}-{i}", user, users[user], rng.choice(PRODUCTS), moment.isoformat())
        )
    return rows


@pytest.fixture(scope="module", params=[1, 2])
def computed(request) -> Iterator[Computed]:
    """One refreshed store per seed for the whole module (a refresh is the slow part)."""
    connection = duckdb.connect()
    raw = RawLoader(connection)
    fixtures.load_revenue(raw)
    raw.rows("events", [*EVENTS, *_random_events(request.param)], source="segment")
    refresh_connection(connection, reference=REFERENCE, as_of=fixtures.AS_OF)
    yield Computed(connection)
    connection.close()


def _both(computed: Computed, name: str, **query) -> tuple[list[dict], list[dict]]:
    query["by"] = tuple(query.get("by", ()))
    stored = expression(computed.catalog, name, Query(**query)).to_pyarrow().to_pylist()
    live = expression(computed.catalog, name, Query(**query, live=True)).to_pyarrow().to_pylist()
    return stored, live


def _slices(dimension: str) -> list[dict]:
    if dimension == "*":
        return [{}]
    return [{"by": (dimension,)}]


def _assert_equal(stored: list[dict], live: list[dict]) -> None:
    key = lambda row: tuple(str(v) for k, v in sorted(row.items()) if k != "value")  # noqa: E731
    assert len(stored) == len(live) > 0
    for a, b in zip(sorted(stored, key=key), sorted(live, key=key), strict=True):
        assert a.keys() == b.keys()
        for column in a:
            if isinstance(a[column], float):
                assert a[column] == pytest.approx(b[column], abs=1e-9), column
            else:
                assert a[column] == b[column], column


@pytest.mark.parametrize("grain", ["week", "month", "quarter"])
def test_it_reads_stored_stickiness_equal_to_the_live_computation(computed, grain):
    for dimension in STICKINESS_SLICES[grain]:
        for query in _slices(dimension):
            _assert_equal(*_both(computed, "stickiness", grain=grain, **query))


def test_it_reads_stored_stickiness_for_one_member_and_a_whole_period_range(computed):
    stored, live = _both(
        computed,
        "stickiness",
        grain="month",
        where={"product": ("insights",)},
        start=date(2026, 2, 1),
        end=date(2026, 4, 30),
    )
    _assert_equal(stored, live)
    assert {row["period"] for row in stored} == {date(2026, m, 1) for m in (2, 3, 4)}


def test_it_computes_stickiness_live_for_a_range_starting_mid_period(computed):
    query = Query(grain="month", start=date(2026, 2, 10), end=date(2026, 3, 31))
    sql = str(computed.catalog.backend.compile(expression(computed.catalog, "stickiness", query)))
    assert "rollup.stickiness" not in sql.replace('"', "")


def test_it_reads_stored_retention_cohorts_equal_to_the_live_computation(computed):
    for dimension in RETENTION_SLICES:
        for query in _slices(dimension):
            _assert_equal(*_both(computed, "user_retention", grain="week", **query))
    segment = computed.connection.execute(
        "SELECT min(member) FROM rollup.retention_cohorts WHERE dimension = 'segment'"
    ).fetchone()[0]
    stored, live = _both(
        computed,
        "user_retention",
        grain="week",
        where={"segment": (segment,)},
        start=date(2025, 12, 29),
        end=date(2026, 4, 30),
    )
    _assert_equal(stored, live)
