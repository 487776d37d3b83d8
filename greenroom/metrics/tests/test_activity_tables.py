"""The activity rollups and usage summaries the refresh stores equal, table for table (EXCEPT
ALL both ways, and column for column), those of the previous computation
(tests/previous_summaries.py: time zone conversions, distinct event ids, every count from the
metric definitions one slice at a time), on generated events with every awkward case: users
under two account keys of one account and of two, a key of two accounts, a key of none, no
key, anonymous users, events with no user, duplicate deliveries, times near midnight in other
time zones, no product, weeks across months and quarters. Incremental refreshes, batch by
batch, leave the same tables as a full one."""

import random
from datetime import UTC, date, datetime, timedelta, timezone

import duckdb
import pytest

from greenroom.metrics import rollups
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests import fixtures, previous_summaries
from greenroom.metrics.tests.raw import REFERENCE, RawLoader
from greenroom.metrics.tests.test_usage import _event

TABLES = (*previous_summaries.ACTIVITY_TABLES, *previous_summaries.SUMMARY_TABLES)
# Keys events carry: Acme's CRM and Stripe ids (one account), Beta's Stripe id, cus_C (the
# Stripe id two CRM accounts name: one key, two accounts), other customers, a key no account
# has, and none.
KEYS = ["crm-acme", "cus_A", "cus_B", "cus_C", "cus_D", "cus_E", "crm-ghost", None]
PRODUCTS = ["workspace", "insights", None]
ZONES = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=1))]
START = datetime(2025, 11, 20, tzinfo=UTC)


def _generated(seed: int, count: int) -> list[tuple]:
    rng = random.Random(seed)
    users = {f"u{i}": rng.choice(KEYS) for i in range(40)}
    rows = []
    for i in range(count):
        user = rng.choice([*users, None, None])
        key = users.get(user, rng.choice(KEYS))
        if rng.random() < 0.15:  # now and then under another key, or none
            key = rng.choice(KEYS)
        anonymous = f"a{rng.randrange(6)}" if user is None and rng.random() < 0.8 else None
        moment = START + timedelta(minutes=rng.randrange(0, 200 * 24 * 60))
        # Near midnight, in another time zone: the UTC day is another day.
        local = moment.astimezone(rng.choice(ZONES))
        feature = rng.choice([None, None, "boards", "dashboards"])
        rows.append(
            _event(
                f"g{seed}-{i}",
                user,
                key,
                rng.choice(PRODUCTS),
                local.isoformat(),
                feature,
                anonymous=anonymous,
            )
        )
    return rows


def _twin_accounts(loader: RawLoader) -> None:
    # Two CRM accounts naming the same Stripe customer: its id is a key of both accounts.
    loader.rows(
        "crm_accounts",
        [
            (
                f"crm-twin-{n}",
                f"Twin {n}",
                "twin.example",
                segment,
                "Software",
                "US",
                "ana@x",
                plan,
                100,
                "USD",
                "cus_C",
            )
            for n, segment, plan in ((1, "SMB", "team"), (2, "Enterprise", "business"))
        ],
    )


@pytest.fixture
def loader():
    connection = duckdb.connect()
    loader = RawLoader(connection)
    fixtures.load_revenue(loader)
    _twin_accounts(loader)
    yield loader
    connection.close()


def _assert_same_tables(connection, schema: str, other: str = "rollup") -> None:
    for table in TABLES:
        columns = [connection.execute(f"DESCRIBE {s}.{table}").fetchall() for s in (schema, other)]
        assert columns[0] == columns[1], table
        assert previous_summaries.differences(connection, schema, table, other) == (0, 0), table
    rows = connection.execute(f"SELECT count(*) FROM {other}.retention_cohorts").fetchone()[0]
    assert rows > 0


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("duplicated", [False, True], ids=["unique-ids", "duplicate-deliveries"])
def test_full_refresh_tables_equal_the_previous_computation(loader, monkeypatch, seed, duplicated):
    # Passes of a few dozen events: the full build reads them in many passes.
    monkeypatch.setattr(rollups, "PASS_EVENTS", 60)
    events = _generated(seed, 700)
    loader.rows("events", events, source="segment")
    if duplicated:
        loader.rows("events", events[::7], source="segment")
    refresh_connection(loader.connection, reference=REFERENCE, as_of=fixtures.AS_OF, full=True)
    previous_summaries.build(loader.connection)
    _assert_same_tables(loader.connection, "previous")


def test_incremental_refreshes_leave_the_tables_of_a_full_one(loader):
    events = _generated(5, 900)
    # Batches in no time order: each touches days across the whole range, some again.
    batches = [events[:300], events[300:500] + events[100:130], events[500:]]
    refresh_connection(loader.connection, reference=REFERENCE, as_of=fixtures.AS_OF)
    for batch in batches:
        loader.rows("events", batch, source="segment")
        report = refresh_connection(loader.connection, reference=REFERENCE, as_of=fixtures.AS_OF)
        assert report.mode == "incremental" and report.days_rebuilt > 0
    # A CRM change with no new events moves an account's plan: every period is recounted.
    loader.rows("crm_accounts", [fixtures.acme_crm_row(plan="team")])
    report = refresh_connection(loader.connection, reference=REFERENCE, as_of=fixtures.AS_OF)
    assert "rollup.active_counts (accounts' slices moved)" in report.rebuilt
    connection = loader.connection
    connection.execute("CREATE SCHEMA incremental")
    for table in TABLES:
        connection.execute(f"CREATE TABLE incremental.{table} AS FROM rollup.{table}")
    refresh_connection(connection, reference=REFERENCE, as_of=fixtures.AS_OF, full=True)
    _assert_same_tables(connection, "incremental")
    previous_summaries.build(connection)
    _assert_same_tables(connection, "previous")


def test_a_full_build_reads_events_in_passes_of_whole_days():
    per_day = [(date(2026, 1, d), n) for d, n in ((1, 4), (2, 5), (3, 12), (4, 1), (5, 2))]
    assert rollups._passes(per_day, 10) == [
        (date(2026, 1, 1), date(2026, 1, 2)),
        (date(2026, 1, 3), date(2026, 1, 3)),  # more than a pass alone
        (date(2026, 1, 4), date(2026, 1, 5)),
    ]
    assert rollups._passes(per_day, 100) == [(date(2026, 1, 1), date(2026, 1, 5))]
    assert rollups._passes([], 10) == []
