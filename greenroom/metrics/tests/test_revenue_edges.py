"""Revenue at the edges, worked by hand: credit lines, amounts that are not amounts, and
currencies whose minor unit is not a hundredth."""

from datetime import date

import pytest

from greenroom.lib.minor_units import iso_decimals, stripe_decimals
from greenroom.metrics.model import RefreshError
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE, invoice, line, price

MONTHS = ("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01")
JAN, FEB, MAR = (date(2026, m, 1) for m in (1, 2, 3))
AS_OF = date(2026, 3, 31)
# Stripe's documented lists ("Supported currencies"), written out here to check the table.
STRIPE_ZERO_DECIMAL = [
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
]
STRIPE_THREE_DECIMAL = ["BHD", "JOD", "KWD", "OMR", "TND"]


def _monthly_invoices(customer: str, sub: str, price_doc: dict, amounts: list) -> list[dict]:
    # One invoice a month with one line of the given amount (None: no invoice that month).
    return [
        invoice(customer, MONTHS[m], [line(sub, price_doc, MONTHS[m], MONTHS[m + 1], amount=a)])
        for m, a in enumerate(amounts)
        if a is not None
    ]


def _refreshed(raw, invoices: list[dict], prices: list[dict], fx=()) -> Computed:
    raw.docs("stripe_prices", prices)
    raw.docs("stripe_invoices", invoices)
    raw.fx(list(fx))
    refresh_connection(raw.connection, reference=REFERENCE, as_of=AS_OF)
    return Computed(raw.connection)


@pytest.mark.parametrize("code", STRIPE_THREE_DECIMAL)
def test_it_reads_three_decimal_currencies_in_thousandths(raw, code):
    # 30.000 (30000 thousandths) a month at 0.3 per USD is $100, not $1,000.
    monthly = price(f"price_{code}", "prod_x", 30000, currency=code.lower())
    revenue = _refreshed(
        raw,
        _monthly_invoices("cus_k", "sub_k", monthly, [30000, 30000, 30000]),
        [monthly],
        fx=[("2025-12-31", code, 0.3)],
    )
    assert revenue.series("mrr") == pytest.approx({JAN: 100, FEB: 100, MAR: 100})


@pytest.mark.parametrize(
    ("code", "amount", "rate"),
    [("JPY", 15000, 150.0), ("KRW", 130000, 1300.0), ("CLP", 95000, 950.0), ("MGA", 450000, 4500)],
)
def test_it_reads_zero_decimal_currencies_in_whole_units(raw, code, amount, rate):
    monthly = price(f"price_{code}", "prod_x", amount, currency=code.lower())
    revenue = _refreshed(
        raw,
        _monthly_invoices("cus_z", "sub_z", monthly, [amount]),
        [monthly],
        fx=[("2025-12-31", code, rate)],
    )
    assert revenue.series("mrr")[JAN] == pytest.approx(100)


def test_it_reads_icelandic_kronur_in_hundredths_as_stripe_does(raw):
    # ISO 4217 says ISK has no minor unit; Stripe still writes 10,000 kr as 1000000.
    monthly = price("price_isk", "prod_x", 1000000, currency="isk")
    revenue = _refreshed(
        raw,
        _monthly_invoices("cus_i", "sub_i", monthly, [1000000]),
        [monthly],
        fx=[("2025-12-31", "ISK", 100.0)],
    )
    assert revenue.series("mrr")[JAN] == pytest.approx(100)


def test_it_follows_stripes_zero_and_three_decimal_lists_and_iso_elsewhere():
    assert [c for c in STRIPE_ZERO_DECIMAL if stripe_decimals(c) != 0] == []
    assert [c for c in STRIPE_THREE_DECIMAL if stripe_decimals(c) != 3] == []
    assert stripe_decimals("usd") == stripe_decimals("EUR") == stripe_decimals("ISK") == 2
    # Currencies ISO no longer lists (Bulgaria's lev became the euro) keep Stripe's default.
    assert stripe_decimals("BGN") == 2
    assert iso_decimals()["KWD"] == 3 and iso_decimals()["ISK"] == 0
    assert len(iso_decimals()) > 150


def test_it_floors_an_account_in_credit_at_zero_and_reports_the_credit_apart(raw):
    # Jan $100; Feb $100 and a $150 credit line (net -$50): MRR 0, credit -$50; Mar $100.
    monthly = price("price_c", "prod_x", 10000)
    invoices = _monthly_invoices("cus_c", "sub_c", monthly, [10000, 10000, 10000])
    invoices += _monthly_invoices("cus_c", "sub_credit", monthly, [None, -15000])
    revenue = _refreshed(raw, invoices, [monthly])
    assert revenue.series("mrr") == pytest.approx({JAN: 100, FEB: 0, MAR: 100})
    assert revenue.series("mrr_credits") == pytest.approx({JAN: 0, FEB: -50, MAR: 0})
    movements = {row["period"]: row for row in revenue.rows("mrr_movements")}
    assert (movements[FEB]["churn"], movements[FEB]["value"]) == pytest.approx((-100, -100))
    assert (movements[MAR]["reactivation"], movements[MAR]["value"]) == pytest.approx((100, 100))
    assert revenue.series("logo_churn")[FEB] == 1.0
    assert revenue.series("nrr")[FEB] == 0.0 and revenue.series("grr")[FEB] == 0.0
    assert revenue.series("paying_accounts") == {JAN: 1, MAR: 1}


def test_it_keeps_a_credit_smaller_than_the_bill_as_a_contraction(raw):
    monthly = price("price_c", "prod_x", 10000)
    invoices = _monthly_invoices("cus_c", "sub_c", monthly, [10000, 10000])
    invoices += _monthly_invoices("cus_c", "sub_credit", monthly, [None, -4000])
    revenue = _refreshed(raw, invoices, [monthly])
    movements = {row["period"]: row for row in revenue.rows("mrr_movements")}
    assert movements[FEB]["contraction"] == pytest.approx(-40)
    assert revenue.series("mrr_credits")[FEB] == 0
    assert revenue.series("arpa")[FEB] == pytest.approx(60)


@pytest.mark.parametrize("amount", [None, 404.3, "404"])
def test_it_refuses_to_model_a_line_without_a_whole_number_amount(raw, amount):
    monthly = price("price_c", "prod_x", 10000)
    invoices = _monthly_invoices("cus_c", "sub_c", monthly, [10000, 10000])
    bad = invoices[1]["lines"]["data"][0]
    bad["amount"] = amount
    with pytest.raises(RefreshError, match=rf"1 subscription invoice lines .* {bad['id']} "):
        _refreshed(raw, invoices, [monthly])
