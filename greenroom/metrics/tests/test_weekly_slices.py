"""Weekly active users and accounts by segment and plan read from the counts the refresh
stores (rollup.active_counts), against the same numbers worked out by hand and counted in
plain Python from the events: a user active in two accounts of different segments and plans
in one week, a week spanning January and February, and an account whose plan changes
mid-week (today's plan counts for all of history: docs/metrics.md, "Slicing")."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from greenroom.metrics.definitions import Query, expression
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests import fixtures
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE
from greenroom.metrics.tests.test_usage import _event

# Monday 26 January to Sunday 1 February 2026, then the week after.
SPANNING, NEXT = date(2026, 1, 26), date(2026, 2, 2)
ACCOUNTS = {"crm-north": ("Enterprise", "business"), "crm-south": ("SMB", "team")}
EVENTS = [
    # u1: in both accounts the week spanning the months, on its January and February days.
    ("w1", "u1", "crm-north", "2026-01-27T10:00:00+00:00"),
    ("w2", "u1", "crm-south", "2026-02-01T18:00:00+00:00"),
    ("w3", "u2", "crm-south", "2026-01-30T09:00:00+00:00"),
    # Sunday evening in New York is Monday in UTC: the next week.
    ("w4", "u3", "crm-north", "2026-02-01T23:30:00-05:00"),
    ("w5", "u2", "crm-south", "2026-02-04T12:00:00+00:00"),
]


def _crm(plans: dict[str, str]) -> list[tuple]:
    return [
        (key, key, f"{key}.example", segment, "Software", "DE", "ana@x", plans.get(key, plan))
        for key, (segment, plan) in ACCOUNTS.items()
    ]


@pytest.fixture
def weekly(raw) -> Computed:
    fixtures.load_revenue(raw)
    raw.rows("crm_accounts", _crm({}))
    raw.rows("events", [_event(i, u, a, "workspace", at) for i, u, a, at in EVENTS], "segment")
    refresh_connection(raw.connection, reference=REFERENCE, as_of=fixtures.AS_OF)
    computed = Computed(raw.connection)
    computed.loader = raw
    return computed


def _counted(computed: Computed, name: str, dimension: str) -> dict[tuple, int]:
    """The stored weekly counts per member (the path key results and dashboards read),
    held equal to the live computation from the activity rollups."""
    query = {"by": (dimension,), "grain": "week", "start": SPANNING, "end": NEXT}
    stored = expression(computed.catalog, name, Query(**query))
    assert "active_counts" in str(computed.catalog.backend.compile(stored))
    live = expression(computed.catalog, name, Query(**query, live=True))
    rows = stored.to_pyarrow().to_pylist()
    assert sorted(rows, key=str) == sorted(live.to_pyarrow().to_pylist(), key=str)
    return {(row["period"], row[dimension]): row["value"] for row in rows}


def _independent(dimension: str, accounts: dict, entity: str) -> dict[tuple, int]:
    """Distinct users (or accounts) per Monday-to-Sunday UTC week and member, from the
    events and each account's attributes, in plain Python."""
    position = {"segment": 0, "plan": 1}[dimension]
    found: dict[tuple, set] = defaultdict(set)
    for _, user, account, at in EVENTS:
        day = datetime.fromisoformat(at).astimezone(UTC).date()
        week = day - timedelta(days=day.weekday())
        found[(week, accounts[account][position])].add(user if entity == "user" else account)
    return {key: len(members) for key, members in found.items()}


def test_weekly_active_users_by_segment_and_plan_match_a_hand_count(weekly):
    assert _counted(weekly, "wau", "plan") == {
        (SPANNING, "business"): 1,  # u1
        (SPANNING, "team"): 2,  # u1 again (another account of another plan), u2
        (NEXT, "business"): 1,  # u3, whose Sunday evening was Monday in UTC
        (NEXT, "team"): 1,  # u2
    }
    for dimension in ("segment", "plan"):
        counted = _counted(weekly, "wau", dimension)
        assert counted == _independent(dimension, ACCOUNTS, "user")
        accounts = _counted(weekly, "active_accounts", dimension)
        assert accounts == _independent(dimension, ACCOUNTS, "account")
    # Overall, u1 is one user in the week spanning the months.
    assert weekly.series("wau", grain="week", start=SPANNING, end=NEXT) == {SPANNING: 2, NEXT: 2}


def test_an_account_changing_plan_mid_week_counts_in_its_new_plan_for_all_weeks(weekly):
    # On Wednesday of the next week the CRM moves crm-south to business; no new events.
    weekly.loader.rows("crm_accounts", _crm({"crm-south": "business"}))
    refresh_connection(weekly.connection, reference=REFERENCE, as_of=fixtures.AS_OF)
    moved = {**ACCOUNTS, "crm-south": ("SMB", "business")}
    counted = _counted(weekly, "wau", "plan")
    # u1 was in two accounts: now both business, one user.
    assert counted == {(SPANNING, "business"): 2, (NEXT, "business"): 2}
    assert counted == _independent("plan", moved, "user")
    assert _counted(weekly, "active_accounts", "plan") == _independent("plan", moved, "account")
    assert _counted(weekly, "wau", "segment") == _independent("segment", moved, "user")
