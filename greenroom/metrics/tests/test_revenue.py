"""Revenue metrics against the hand-worked fixture (see fixtures.py for the table)."""

import json
from datetime import date

import pytest

from greenroom.metrics.definitions import QueryError
from greenroom.metrics.model import RefreshError
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests import fixtures
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE, invoice, line, price

JAN, FEB, MAR, APR, MAY = (date(2026, m, 1) for m in range(1, 6))


def _account_mrr(revenue, account: str, grain: str = "month") -> dict:
    """The account's MRR read at the end of each period (model.mrr holds every day)."""
    rows = revenue.connection.execute(
        f"""
        SELECT CAST(date_trunc('{grain}', day) AS DATE) AS period, round(sum(mrr), 6)
        FROM model.mrr WHERE account_id = ? AND day IN (
            SELECT max(day) FROM model.days GROUP BY date_trunc('{grain}', day)
        )
        GROUP BY 1
        """,
        [account],
    ).fetchall()
    return {period: value for period, value in rows}


def test_it_computes_month_end_mrr_for_every_case(revenue):
    assert revenue.series("mrr") == pytest.approx(fixtures.EXPECTED_MRR)


def test_it_reads_a_mid_month_upgrade_and_downgrade_from_proration_lines(revenue):
    assert _account_mrr(revenue, "crm-acme") == pytest.approx(
        {JAN: 100, FEB: 300, MAR: 300, APR: 200, MAY: 200}
    )


def test_it_spreads_an_annual_plan_and_converts_it_at_each_months_rate(revenue):
    assert _account_mrr(revenue, "crm-beta") == pytest.approx(
        {JAN: 125, FEB: 100, MAR: 100, APR: 200, MAY: 200}
    )


def test_it_counts_a_trial_as_zero_and_applies_a_forever_discount(revenue):
    assert _account_mrr(revenue, "cus_D") == pytest.approx(
        {JAN: 0, FEB: 150, MAR: 150, APR: 150, MAY: 150}
    )


def test_it_normalises_a_quarterly_plan_and_ignores_credit_notes(revenue):
    assert _account_mrr(revenue, "cus_E") == pytest.approx(
        {m: 100 for m in (JAN, FEB, MAR, APR, MAY)}
    )


def test_it_ends_mrr_at_an_immediate_cancellation(revenue):
    assert _account_mrr(revenue, "cus_T") == pytest.approx({JAN: 70, FEB: 70})


def test_it_splits_movements_into_new_expansion_contraction_churn_and_reactivation(revenue):
    table = {row["period"]: row for row in revenue.rows("mrr_movements")}
    expected = {
        JAN: {"new": 505},
        FEB: {"new": 150, "expansion": 200, "contraction": -25, "churn": -60},
        MAR: {"new": 30, "churn": -120, "reactivation": 60},
        APR: {"expansion": 110, "contraction": -100},
        MAY: {"reactivation": 80},
    }
    for month, parts in expected.items():
        for movement in ("new", "expansion", "contraction", "churn", "reactivation"):
            assert table[month][movement] == pytest.approx(parts.get(movement, 0)), (
                month,
                movement,
            )


def test_it_reconciles_movements_with_the_change_in_mrr(revenue):
    mrr = revenue.series("mrr")
    net = revenue.series("mrr_movements")
    for month in (FEB, MAR, APR, MAY):
        previous = date(2026, month.month - 1, 1)
        assert net[month] == pytest.approx(mrr[month] - mrr[previous])


def test_it_computes_net_and_gross_revenue_retention(revenue):
    nrr = {row["period"]: row for row in revenue.rows("nrr")}
    grr = revenue.series("grr")
    assert nrr[FEB]["starting_mrr"] == pytest.approx(505)
    assert nrr[FEB]["value"] == pytest.approx(620 / 505, abs=1e-6)
    assert grr[FEB] == pytest.approx(420 / 505, abs=1e-6)
    # March: base is February's payers A, B, C, D, E, T (770 less Z's 0); C and T churn.
    assert nrr[MAR]["value"] == pytest.approx((300 + 100 + 150 + 100) / 770, abs=1e-6)


def test_it_computes_logo_churn_paying_accounts_and_arpa(revenue):
    churn = {row["period"]: row for row in revenue.rows("logo_churn")}
    assert (churn[FEB]["starting_accounts"], churn[FEB]["churned_accounts"]) == (6, 1)
    assert (churn[MAR]["starting_accounts"], churn[MAR]["churned_accounts"]) == (6, 2)
    assert revenue.series("paying_accounts")[JAN] == 6
    assert revenue.series("arpa")[JAN] == pytest.approx(505 / 6, abs=1e-6)


def test_it_slices_mrr_by_product_segment_market_and_region(revenue):
    by_product = {
        (row["period"], row["product"]): row["value"] for row in revenue.rows("mrr", by=["product"])
    }
    assert by_product[(JAN, "insights")] == pytest.approx(125)
    assert by_product[(JAN, "workspace")] == pytest.approx(380)
    by_region = {
        (row["period"], row["segment"], row["region"]): row["value"]
        for row in revenue.rows("mrr", by=["segment", "region"])
    }
    assert by_region[(MAY, "Enterprise", "EMEA")] == pytest.approx(200)
    assert by_region[(MAY, "SMB", "EMEA")] == pytest.approx(200)
    assert by_region[(MAY, "unknown", "North America")] == pytest.approx(430)


def test_it_filters_and_limits_to_a_date_range(revenue):
    rows = revenue.rows("mrr", where={"plan": ("business",)}, start=FEB, end=MAR)
    assert [(row["period"], row["value"]) for row in rows] == [(FEB, 300), (MAR, 300)]


def test_it_reads_a_quarter_at_its_last_month(revenue):
    assert revenue.series("mrr", grain="quarter") == pytest.approx({JAN: 740, APR: 830})


def test_it_computes_price_realisation_from_list_and_discounted_mrr(revenue):
    row = {r["period"]: r for r in revenue.rows("price_realisation")}[FEB]
    assert (row["mrr"], row["list_mrr"]) == pytest.approx((770, 820))


def test_it_counts_credit_notes_in_billings_not_mrr(raw):
    usd = price("price_e", "prod_x", 30000, interval_count=3)
    raw.docs("stripe_prices", [usd])
    raw.docs(
        "stripe_invoices",
        [invoice("cus_E", "2026-01-01", [line("sub_E", usd, "2026-01-01", "2026-04-01")])],
    )
    raw.docs(
        "stripe_credit_notes",
        [
            {
                "id": "cn_1",
                "customer": "cus_E",
                "currency": "usd",
                "created": 1770681600,
                "status": "issued",
                "total": 10000,
            }
        ],
    )
    refresh_connection(raw.connection, reference=REFERENCE, as_of=date(2026, 3, 31))
    computed = Computed(raw.connection)
    assert computed.series("billings") == pytest.approx({JAN: 300, FEB: -100})
    assert computed.series("mrr") == pytest.approx({JAN: 100, FEB: 100, MAR: 100})


def test_it_refuses_to_guess_a_missing_exchange_rate(raw):
    eur = price("price_eur", "prod_x", 5000, currency="eur")
    raw.docs(
        "stripe_invoices",
        [invoice("cus_X", "2026-01-01", [line("sub_X", eur, "2026-01-01", "2026-02-01")])],
    )
    with pytest.raises(RefreshError, match="EUR on or before 2026-01-01"):
        refresh_connection(raw.connection, reference=REFERENCE, as_of=date(2026, 1, 31))


def test_it_reads_mrr_at_the_end_of_each_day(revenue):
    daily = revenue.series("mrr", grain="day")
    # Acme upgrades from 1 to 3 seats on 15 Feb; Beta's euros convert at 1.0 from 10 Feb.
    assert _account_mrr(revenue, "crm-acme", "day")[date(2026, 2, 14)] == pytest.approx(100)
    assert _account_mrr(revenue, "crm-acme", "day")[date(2026, 2, 15)] == pytest.approx(300)
    assert _account_mrr(revenue, "crm-beta", "day")[date(2026, 2, 9)] == pytest.approx(125)
    assert _account_mrr(revenue, "crm-beta", "day")[date(2026, 2, 10)] == pytest.approx(100)
    assert daily[date(2026, 2, 15)] - daily[date(2026, 2, 14)] == pytest.approx(200)
    # Month ends read at day grain are the month-end snapshot.
    assert daily[date(2026, 2, 28)] == pytest.approx(fixtures.EXPECTED_MRR[FEB])
    assert daily[date(2026, 5, 31)] == pytest.approx(fixtures.EXPECTED_MRR[MAY])


def test_it_dates_movements_to_the_day_they_happen(revenue):
    daily = {row["period"]: row for row in revenue.rows("mrr_movements", grain="day")}
    assert daily[date(2026, 2, 15)]["expansion"] == pytest.approx(200)
    assert daily[date(2026, 3, 20)]["churn"] == pytest.approx(-70)  # cus_T cancelled
    assert daily[date(2026, 4, 10)]["contraction"] == pytest.approx(-100)  # Acme 3 → 2 seats
    assert daily[date(2026, 5, 10)]["reactivation"] == pytest.approx(80)  # cus_C returns
    assert daily[date(2026, 3, 19)]["value"] == pytest.approx(0)


def test_it_reads_a_week_at_its_last_day(revenue):
    weekly = revenue.series("mrr", grain="week")
    # The week of Monday 9 Feb ends on Sunday 15 Feb, Acme's upgrade day.
    assert weekly[date(2026, 2, 9)] == pytest.approx(
        revenue.series("mrr", grain="day")[date(2026, 2, 15)]
    )
    # The week still running is read on the last refreshed day (as of Sunday 31 May).
    assert weekly[date(2026, 5, 25)] == pytest.approx(fixtures.EXPECTED_MRR[MAY])


def test_it_refuses_an_unknown_dimension(revenue):
    with pytest.raises(QueryError, match="cannot be sliced by 'colour'"):
        revenue.rows("mrr", by=["colour"])


def test_it_computes_trailing_twelve_month_retention(raw):
    hundred, fifty, one_fifty = (price(f"p{n}", "prod_x", n * 100) for n in (100, 50, 150))
    months = [f"{2025 + (m // 12)}-{m % 12 + 1:02d}-01" for m in range(15)]
    invoices = [
        invoice(
            "cus_X",
            months[m],
            [line("sub_X", one_fifty if m >= 12 else hundred, months[m], months[m + 1])],
        )
        for m in range(14)
    ] + [
        invoice("cus_Y", months[m], [line("sub_Y", fifty, months[m], months[m + 1])])
        for m in range(5)
    ]
    raw.docs("stripe_invoices", invoices)
    refresh_connection(raw.connection, reference=REFERENCE, as_of=date(2026, 2, 28))
    computed = Computed(raw.connection)
    january = date(2026, 1, 1)
    assert computed.series("nrr_12m")[january] == pytest.approx(150 / 150)
    assert computed.series("grr_12m")[january] == pytest.approx(100 / 150, abs=1e-6)
    assert computed.series("nrr_12m", grain="quarter")[january] == pytest.approx(150 / 150)


def test_it_reads_lines_landed_on_their_own_with_their_invoice_as_parent(raw):
    usd = price("price_s", "prod_x", 4200)
    doc = invoice("cus_S", "2026-01-01", [line("sub_S", usd, "2026-01-01", "2026-02-01")])
    standalone = doc["lines"]["data"][0]
    del standalone["invoice"]
    doc["lines"] = {"object": "list", "data": [], "has_more": True}
    raw.docs("stripe_invoices", [doc])
    raw.connection.execute(
        "INSERT INTO raw.stripe_invoice_lines (id, parent_id, created, doc) VALUES (?, ?, ?, ?)",
        [standalone["id"], doc["id"], None, json.dumps(standalone)],
    )
    refresh_connection(raw.connection, reference=REFERENCE, as_of=date(2026, 1, 31))
    assert Computed(raw.connection).series("mrr") == {JAN: 42}
