"""Generated account histories through the real refresh, against a plain computation.

Each history is a few accounts, each with one or two subscriptions in a product and a
currency, and for each month a line that is missing, zero, positive, negative (a credit) or
null. The expected figures are computed below in plain Python from the same amounts, by the
rules of docs/metrics.md, never by reading the model.
"""

from datetime import date

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from greenroom.metrics.model import RefreshError
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE, RawLoader, invoice, line, price

MONTH_STARTS = ("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01")
MONTHS = len(MONTH_STARTS) - 1
AS_OF = date(2026, 4, 30)
# Units of each currency per USD, and how many minor units make one (Stripe's rules).
RATES = {"usd": 1.0, "eur": 0.8, "kwd": 0.3, "jpy": 150.0}
MINOR = {"usd": 100, "eur": 100, "kwd": 1000, "jpy": 1}
PRODUCTS = {"prod_a": "workspace", "prod_b": "insights"}
NULL = "null"  # a line whose amount is JSON null

# Per line: 1 in 50 null (one stops the whole refresh, so rare enough that most histories
# reach the invariants), 10 in 50 no line that month, 5 in 50 zero, the rest any amount.
amounts = st.tuples(st.integers(0, 49), st.integers(-30_000, 60_000)).map(
    lambda pick: (
        NULL if pick[0] == 0 else None if pick[0] <= 10 else 0 if pick[0] <= 15 else pick[1]
    )
)
subscriptions = st.fixed_dictionaries(
    {
        "product": st.sampled_from(sorted(PRODUCTS)),
        "currency": st.sampled_from(sorted(RATES)),
        "amounts": st.lists(amounts, min_size=MONTHS, max_size=MONTHS),
    }
)
histories = st.lists(st.lists(subscriptions, min_size=1, max_size=2), min_size=1, max_size=4)


def _load(loader: RawLoader, history: list[list[dict]]) -> None:
    loader.docs(
        "stripe_products",
        [
            {"id": pid, "object": "product", "name": key, "created": 0, "metadata": {}}
            for pid, key in PRODUCTS.items()
        ],
    )
    prices = {
        (pid, cur): price(f"price_{pid}_{cur}", pid, 1000, currency=cur)
        for pid in PRODUCTS
        for cur in RATES
    }
    loader.docs("stripe_prices", list(prices.values()))
    loader.fx([("2025-12-31", cur.upper(), rate) for cur, rate in RATES.items() if cur != "usd"])
    invoices = []
    for a, subs in enumerate(history):
        for s, sub in enumerate(subs):
            price_doc = prices[(sub["product"], sub["currency"])]
            for m, amount in enumerate(sub["amounts"]):
                if amount is None:
                    continue
                item = line(
                    f"sub_{a}_{s}",
                    price_doc,
                    MONTH_STARTS[m],
                    MONTH_STARTS[m + 1],
                    amount=0 if amount == NULL else amount,
                )
                invoices.append(invoice(f"cus_{a}", MONTH_STARTS[m], [item]))
                if amount == NULL:
                    item["amount"] = None
    loader.docs("stripe_invoices", invoices)


def _expected_mrr(history: list[list[dict]]) -> tuple[list[dict], list[list[float]]]:
    """Per account and month: MRR (each product floored at 0) and credits (below 0)."""
    mrr, credits = [], []
    for subs in history:
        mrr.append([0.0] * MONTHS)
        credits.append([0.0] * MONTHS)
        for m in range(MONTHS):
            net_by_product: dict[str, float] = {}
            for sub in subs:
                amount = sub["amounts"][m]
                if amount is not None:
                    value = amount / MINOR[sub["currency"]] / RATES[sub["currency"]]
                    net_by_product[sub["product"]] = net_by_product.get(sub["product"], 0) + value
            for net in net_by_product.values():
                if net > 1e-9:
                    mrr[-1][m] += net
                elif net < -1e-9:
                    credits[-1][m] += net
    return mrr, credits


def _expected_movements(mrr: list[list[float]]) -> list[dict[str, float]]:
    months = []
    for m in range(MONTHS):
        moves = dict.fromkeys(("new", "expansion", "contraction", "churn", "reactivation"), 0.0)
        for series in mrr:
            now, before = series[m], series[m - 1] if m else 0.0
            paid_earlier = any(value > 0 for value in series[:m])
            if before == 0 and now > 0:
                moves["reactivation" if paid_earlier else "new"] += now
            elif before > 0 and now == 0:
                moves["churn"] -= before
            elif before > 0 and now > before:
                moves["expansion"] += now - before
            elif before > 0 and now < before:
                moves["contraction"] += now - before
        months.append(moves)
    return months


def _by_month(values: dict) -> list:
    """A metric's series as one value per generated month (None where it has no row)."""
    found = {period.isoformat(): value for period, value in values.items()}
    return [found.get(start) for start in MONTH_STARTS[:MONTHS]]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=histories)
def test_generated_histories_keep_every_revenue_invariant(history):
    connection = duckdb.connect()
    try:
        _load(RawLoader(connection), history)
        has_null = any(NULL in sub["amounts"] for sub in _subs(history))
        # Shown by --hypothesis-show-statistics: how often each edge was generated.
        event("a null amount (refresh refused)" if has_null else "refreshed")
        if any(a is not None and a != NULL and a < 0 for s in _subs(history) for a in s["amounts"]):
            event("a negative line")
        if has_null:
            with pytest.raises(RefreshError, match="no whole-number amount"):
                refresh_connection(connection, reference=REFERENCE, as_of=AS_OF)
            return
        refresh_connection(connection, reference=REFERENCE, as_of=AS_OF)
        _check(Computed(connection), history)
    finally:
        connection.close()


def _subs(history: list[list[dict]]) -> list[dict]:
    return [sub for subs in history for sub in subs]


def _check(revenue: Computed, history: list[list[dict]]) -> None:
    mrr, credits = _expected_mrr(history)
    totals = [sum(series[m] for series in mrr) for m in range(MONTHS)]
    approx = {"abs": 1e-5}

    got_mrr = _by_month(revenue.series("mrr"))
    assert [value or 0.0 for value in got_mrr] == pytest.approx(totals, **approx)
    got_credits = _by_month(revenue.series("mrr_credits"))
    expected_credits = [sum(series[m] for series in credits) for m in range(MONTHS)]
    assert [value or 0.0 for value in got_credits] == pytest.approx(expected_credits, **approx)

    rows = {row["period"].isoformat(): row for row in revenue.rows("mrr_movements")}
    expected = _expected_movements(mrr)
    for m, start in enumerate(MONTH_STARTS[:MONTHS]):
        row = rows.get(start)
        change = totals[m] - (totals[m - 1] if m else 0.0)
        if row is None:
            assert change == pytest.approx(0, **approx)
            continue
        parts = {name: row[name] for name in expected[m]}
        # The five movements always add up to the change in MRR, and each is right.
        assert sum(parts.values()) == pytest.approx(change, **approx)
        assert row["value"] == pytest.approx(change, **approx)
        assert parts == pytest.approx(expected[m], **approx)

    # Sliced by product, each product's movements add up to its own change.
    for row in revenue.rows("mrr_movements", by=("product",)):
        moved = sum(row[name] for name in expected[0])
        assert row["value"] == pytest.approx(moved, **approx)

    _check_retention_and_churn(revenue, mrr)


def _check_retention_and_churn(revenue: Computed, mrr: list[list[float]]) -> None:
    nrr = {row["period"].isoformat(): row for row in revenue.rows("nrr")}
    grr = {row["period"].isoformat(): row for row in revenue.rows("grr")}
    churn = {row["period"].isoformat(): row for row in revenue.rows("logo_churn")}
    paying = revenue.series("paying_accounts")
    arpa = revenue.series("arpa")
    for m in range(MONTHS):
        start = MONTH_STARTS[m]
        base = [s for s in mrr if m and s[m - 1] > 0]
        if not base:
            assert start not in nrr and start not in grr and start not in churn
        else:
            then = sum(s[m - 1] for s in base)
            kept = {"nrr": sum(s[m] for s in base), "grr": sum(min(s[m], s[m - 1]) for s in base)}
            for name, row in (("nrr", nrr[start]), ("grr", grr[start])):
                assert row["starting_mrr"] == pytest.approx(then, abs=1e-5)
                assert row["retained_mrr"] == pytest.approx(kept[name], abs=1e-5)
                # The ratio is of the parts as reported (rounded to 6 decimals).
                assert row["value"] == pytest.approx(
                    row["retained_mrr"] / row["starting_mrr"], abs=1e-6
                )
            assert 0 <= grr[start]["value"] <= 1 and nrr[start]["value"] >= 0
            churned = sum(1 for s in base if s[m] <= 0)
            assert churn[start]["churned_accounts"] == churned
            assert churn[start]["starting_accounts"] == len(base)
        payers = [s[m] for s in mrr if s[m] > 0]
        got_paying = {p.isoformat(): v for p, v in paying.items()}.get(start, 0)
        assert got_paying == len(payers)
        if payers:
            got_arpa = {p.isoformat(): v for p, v in arpa.items()}[start]
            assert got_arpa == pytest.approx(sum(payers) / len(payers), abs=1e-5)
