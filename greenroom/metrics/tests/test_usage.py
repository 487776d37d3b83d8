"""Usage metrics on a small event fixture: duplicates, time zones, late arrivals, cohorts."""

from datetime import date, datetime

import pytest

from greenroom.metrics.definitions import GRAINS
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests import fixtures
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


def _event(event_id, user, account, product, at, feature=None, anonymous=None):
    moment = datetime.fromisoformat(at)
    return (
        event_id,
        "used",
        user,
        anonymous,
        account,
        product,
        feature,
        moment,
        moment,
        "{}",
        "segment",
    )


EVENTS = [
    _event("e1", "u1", "crm-acme", "workspace", "2026-01-05T10:00:00+00:00", "boards"),
    _event("e2", "u1", "crm-acme", "workspace", "2026-01-06T10:00:00+00:00"),
    _event("e3", "u2", "cus_B", "workspace", "2026-01-05T12:00:00+00:00"),
    _event("e4", "u2", "cus_B", "insights", "2026-01-12T12:00:00+00:00", "dashboards"),
    # 23:30 in New York on 31 January is 1 February in UTC.
    _event("e5", None, None, "workspace", "2026-01-31T23:30:00-05:00", anonymous="a3"),
    _event("e6", "u1", "crm-acme", "workspace", "2026-02-02T09:00:00+00:00"),
    _event("e7", "u1", "crm-acme", "workspace", "2026-02-28T23:59:59+00:00"),
    # 00:30 in Paris on 1 March is still 28 February in UTC.
    _event("e8", "u2", "cus_B", "workspace", "2026-03-01T00:30:00+01:00"),
]
DUPLICATE = _event("e1", "u1", "crm-acme", "workspace", "2026-01-05T10:00:00+00:00", "boards")
LATE = _event("e9", "u4", "crm-acme", "workspace", "2026-01-20T08:00:00+00:00")


@pytest.fixture
def usage(raw) -> Computed:
    fixtures.load_revenue(raw)
    raw.rows("events", EVENTS, source="segment")
    raw.rows("events", [DUPLICATE], source="segment")
    refresh_connection(raw.connection, reference=REFERENCE, as_of=fixtures.AS_OF)
    computed = Computed(raw.connection)
    computed.loader = raw
    return computed


def test_it_counts_daily_active_users_on_utc_days(usage):
    dau = usage.series("dau", grain="day", where={"product": ("workspace",)})
    assert dau == {
        date(2026, 1, 5): 2,
        date(2026, 1, 6): 1,
        date(2026, 2, 1): 1,
        date(2026, 2, 2): 1,
        date(2026, 2, 28): 2,
    }


def test_it_counts_monthly_active_users_per_product(usage):
    assert usage.series("mau") == {JAN: 2, FEB: 3}
    by_product = {
        (r["period"], r["product"]): r["value"] for r in usage.rows("mau", by=["product"])
    }
    assert by_product == {(JAN, "workspace"): 2, (JAN, "insights"): 1, (FEB, "workspace"): 3}


def test_it_drops_duplicate_deliveries_from_event_counts(usage):
    assert usage.series("events") == {JAN: 4, FEB: 4}


def test_it_maps_billing_and_crm_ids_to_one_account(usage):
    rows = usage.rows("active_accounts", by=["segment"], where={"product": ("workspace",)})
    assert {(r["period"], r["segment"]): r["value"] for r in rows} == {
        (JAN, "Enterprise"): 1,
        (JAN, "SMB"): 1,
        (FEB, "Enterprise"): 1,
        (FEB, "SMB"): 1,
    }


def test_it_computes_stickiness_as_average_dau_over_mau(usage):
    january = {r["period"]: r for r in usage.rows("stickiness")}[JAN]
    assert january["average_dau"] == pytest.approx(4 / 3, abs=1e-6)
    assert january["value"] == pytest.approx(4 / 3 / 2, abs=1e-6)


def test_it_computes_feature_adoption_among_active_accounts(usage):
    rows = usage.rows("feature_adoption", where={"product": ("workspace",)})
    assert [
        (r["period"], r["feature"], r["accounts_using"], r["active_accounts"], r["value"])
        for r in rows
    ] == [(JAN, "boards", 1, 2, 0.5)]


def test_it_builds_weekly_user_retention_cohorts(usage):
    rows = usage.rows("user_retention", grain="week")
    cohort = {
        r["weeks_since"]: (r["cohort_size"], r["retained"])
        for r in rows
        if r["period"] == date(2026, 1, 5)
    }
    assert cohort == {0: (2, 2), 1: (2, 1), 4: (2, 1), 7: (2, 2)}


def test_it_builds_weekly_account_retention_cohorts(usage):
    rows = usage.rows("account_retention", grain="week")
    cohort = {r["weeks_since"]: r["retained"] for r in rows if r["period"] == date(2026, 1, 5)}
    assert cohort == {0: 2, 1: 1, 4: 1, 7: 2}


def test_it_rebuilds_only_the_day_a_late_event_lands_on(usage):
    batch = usage.loader.rows("events", [LATE], source="segment")
    report = refresh_connection(usage.connection, reference=REFERENCE, as_of=fixtures.AS_OF)
    assert (report.mode, report.days_rebuilt, report.batches) == ("incremental", 1, [batch])
    asked = [("dau", "day"), ("wau", "week"), ("mau", "month")] + [
        (name, grain) for name in ("events", "active_accounts") for grain in GRAINS
    ]
    incremental = [usage.rows(name, grain=grain) for name, grain in asked]
    assert usage.series("mau") == {JAN: 3, FEB: 3}
    refresh_connection(usage.connection, reference=REFERENCE, as_of=fixtures.AS_OF, full=True)
    assert [usage.rows(name, grain=grain) for name, grain in asked] == incremental
