"""Per-account revenue and usage for the customer database, read from the refreshed store."""

from datetime import date

import pytest

from greenroom.metrics import selectors, store
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests import fixtures
from greenroom.metrics.tests.raw import REFERENCE, RawLoader
from greenroom.metrics.tests.test_usage import _event

pytestmark = pytest.mark.django_db

# As of 31 May the last 30 days are 2 May to 31 May (UTC days).
EVENTS = [
    _event("r1", "u1", "crm-acme", "workspace", "2026-05-20T10:00:00+00:00"),
    _event("r2", "u1", "crm-acme", "workspace", "2026-05-21T10:00:00+00:00"),
    _event("r3", "u2", "cus_A", "insights", "2026-05-30T10:00:00+00:00"),  # Stripe id of Acme
    _event("r4", "u3", "crm-acme", "workspace", "2026-04-01T10:00:00+00:00"),  # too early
    _event("r5", "u9", "crm-beta", "workspace", "2026-03-01T10:00:00+00:00"),
    _event("r6", "u1", "crm-acme", "workspace", "2026-05-02T00:30:00+00:00"),
]


def load_store(settings, tmp_path, workspace, *, events=EVENTS) -> None:
    """The revenue fixture and ``events`` in a store for ``workspace``, refreshed."""
    # The refresh itself, not the command: the command's job lock is shared by every test
    # process on the machine.
    with store.writer(workspace.pk) as connection:
        loader = RawLoader(connection)
        fixtures.load_revenue(loader)
        loader.rows("events", events, source="segment")
        refresh_connection(connection, reference=REFERENCE, as_of=fixtures.AS_OF)
        store.publish(connection, workspace.pk)


@pytest.fixture
def loaded(settings, tmp_path, personas):
    load_store(settings, tmp_path, personas.workspace)
    return personas


def test_it_gives_billing_arr_and_the_mrr_trend_per_crm_or_stripe_id(loaded):
    found = selectors.account_revenue(
        workspace=loaded.workspace, account_ids=["crm-acme", "cus_B", "cus_T", "nobody"], months=3
    )
    assert set(found) == {"crm-acme", "cus_B", "cus_T"}
    acme = found["crm-acme"]
    # Acme's May MRR is 200 (see fixtures): ARR is twelve times the as-of month's MRR.
    assert acme["arr"] == 2400.0
    assert acme["currency"] == "USD"
    assert acme["as_of"] == fixtures.AS_OF
    assert acme["trend"] == [
        (date(2026, 3, 1), 300.0),
        (date(2026, 4, 1), 200.0),
        (date(2026, 5, 1), 200.0),
    ]
    assert found["cus_B"]["arr"] == 2400.0
    # A churned customer's billing ARR is zero, not missing.
    assert found["cus_T"]["arr"] == 0.0


def test_it_sums_the_accounts_mrr_over_products_like_the_mrr_metric(loaded):
    ids = ["crm-acme", "crm-beta", "cus_C", "cus_D", "cus_E", "cus_Z", "cus_H", "cus_T"]
    found = selectors.account_revenue(workspace=loaded.workspace, account_ids=ids)
    may = sum(dict(entry["trend"])[date(2026, 5, 1)] for entry in found.values())
    assert may == fixtures.EXPECTED_MRR[date(2026, 5, 1)]


def test_it_counts_active_users_per_account_and_product_over_the_last_30_days(loaded):
    found = selectors.account_usage(
        workspace=loaded.workspace, account_ids=["crm-acme", "crm-beta", "cus_E"]
    )
    assert set(found) == {"crm-acme", "crm-beta"}
    acme = found["crm-acme"]
    # u1 on 2, 20 and 21 May; u2 under Acme's Stripe id on 30 May; u3 in April is too early.
    assert acme["active_users"] == 2
    assert acme["events"] == 4
    assert acme["by_product"] == {
        "workspace": {"active_users": 1, "events": 3},
        "insights": {"active_users": 1, "events": 1},
    }
    assert acme["last_active"] == date(2026, 5, 30)
    beta = found["crm-beta"]
    assert (beta["active_users"], beta["by_product"], beta["last_active"]) == (
        0,
        {},
        date(2026, 3, 1),
    )


def test_it_widens_the_usage_window_when_asked(loaded):
    found = selectors.account_usage(workspace=loaded.workspace, account_ids=["crm-acme"], days=90)
    assert found["crm-acme"]["active_users"] == 3


def test_it_returns_nothing_for_another_workspace(loaded):
    outsider = loaded.outsider.memberships.first().workspace
    assert selectors.account_revenue(workspace=outsider, account_ids=["crm-acme"]) == {}
    assert selectors.account_usage(workspace=outsider, account_ids=["crm-acme"]) == {}


def test_it_returns_nothing_without_a_store(personas):
    ws = personas.workspace
    assert selectors.account_revenue(workspace=ws, account_ids=["crm-acme"]) == {}
    assert selectors.account_usage(workspace=ws, account_ids=["crm-acme"]) == {}
    assert not store.workspace_folder(ws.pk).exists()


def test_it_returns_nothing_before_the_first_refresh(personas):
    with store.writer(personas.workspace.pk) as connection:
        fixtures.load_revenue(RawLoader(connection))
    ws = personas.workspace
    assert selectors.account_revenue(workspace=ws, account_ids=["crm-acme"]) == {}
    assert selectors.account_usage(workspace=ws, account_ids=["crm-acme"]) == {}


def test_it_reads_many_accounts_in_one_query(loaded):
    ids = [f"crm-{n}" for n in range(5000)] + ["crm-acme"]
    assert list(selectors.account_usage(workspace=loaded.workspace, account_ids=ids)) == [
        "crm-acme"
    ]


def test_it_leaves_out_accounts_idle_in_the_window_when_last_active_is_not_wanted(loaded):
    found = selectors.account_usage(
        workspace=loaded.workspace, account_ids=["crm-acme", "crm-beta"], last_active=False
    )
    assert set(found) == {"crm-acme"}
    assert (found["crm-acme"]["active_users"], found["crm-acme"]["last_active"]) == (2, None)
    assert found["crm-acme"]["by_product"]["insights"] == {"active_users": 1, "events": 1}


@pytest.mark.parametrize("last_active", [True, False])
def test_the_refreshed_activity_summary_answers_as_the_daily_rollups_do(loaded, last_active):
    ids = ["crm-acme", "cus_A", "crm-beta", "cus_B", "nobody"]
    with store.reader(loaded.workspace.pk) as connection:
        summarised = selectors._account_usage_summarised(connection, ids, last_active)
        scanned = selectors._account_usage_scanned(connection, ids, 30, last_active)
    assert summarised == scanned
    assert summarised["crm-acme"]["active_users"] == 2
