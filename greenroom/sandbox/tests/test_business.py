"""The sandbox business data: real formats, the promised history, deterministic."""

import csv
import json
from datetime import UTC, date, datetime

import pyarrow.parquet as pq
import pytest

from greenroom.sandbox import business

END = date(2026, 11, 20)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return business.generate(
        out_dir=tmp_path_factory.mktemp("business"), scale="small", seed=3, end=END
    )


def _jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_it_writes_stripe_objects_as_json_lines(files):
    invoices = _jsonl(files.stripe_invoices)
    assert {doc["object"] for doc in invoices} == {"invoice"}
    line = invoices[0]["lines"]["data"][0]
    assert {"amount", "period", "price", "quantity", "subscription", "proration"} <= set(line)
    assert any(line["proration"] for doc in invoices for line in doc["lines"]["data"])
    customers = _jsonl(files.stripe_customers)
    assert len(customers) == business.SCALES["small"][0]
    assert all(c["metadata"]["crm_account_id"] for c in customers)


def test_it_bills_in_euros_and_raises_prices_once(files):
    prices = _jsonl(files.stripe_prices)
    assert {p["currency"] for p in prices} == {"usd", "eur"}
    lines = [line for doc in _jsonl(files.stripe_invoices) for line in doc["lines"]["data"]]
    starts = {
        datetime.fromtimestamp(li["period"]["start"], UTC).date()
        for li in lines
        if li["price"]["id"].endswith(("_v2", "_v2_eur"))
    }
    assert min(starts) >= business.PRICE_RISE
    assert {li["currency"] for li in lines} == {"usd", "eur"}


def test_it_launches_harbor_pay_on_its_date(files):
    lines = [line for doc in _jsonl(files.stripe_invoices) for line in doc["lines"]["data"]]
    pay = [li for li in lines if li["price"]["product"] == "prod_pay"]
    assert pay
    first = min(datetime.fromtimestamp(li["period"]["start"], UTC).date() for li in pay)
    assert first >= business.PAY_LAUNCH


def test_it_writes_events_with_duplicates_and_two_years_of_history(files):
    events = pq.read_table(files.events)
    assert events.num_rows >= business.SCALES["small"][1]
    assert events.num_rows > len(set(events.column("id").to_pylist()))
    days = events.column("timestamp").to_pylist()
    assert (max(days) - min(days)).days >= 700
    assert set(events.column("product").to_pylist()) == set(business.PRODUCT_FACTOR)


def test_it_writes_costs_headcount_and_rates_as_csv(files):
    for path, column in (
        (files.costs, "cost_centre"),
        (files.headcount, "team"),
        (files.fx_rates, "currency"),
    ):
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and column in rows[0]


def test_it_is_deterministic_for_a_seed(files, tmp_path):
    again = business.generate(out_dir=tmp_path, scale="small", seed=3, end=END)
    assert again.stripe_invoices.read_bytes() == files.stripe_invoices.read_bytes()


def test_it_refuses_an_unknown_scale(tmp_path):
    with pytest.raises(ValueError, match="unknown scale"):
        business.generate(out_dir=tmp_path, scale="huge")


def test_it_bills_the_accounts_of_the_crm_exports(tmp_path):
    from greenroom.sandbox import generator
    from greenroom.sandbox.crm import crm_generate

    organisation = generator.generate(out_dir=tmp_path, scale="small", seed=5).organisation
    crm = crm_generate(out_dir=tmp_path, scale="small", seed=5, organisation=organisation)
    accounts = business.accounts_from_crm(crm.salesforce_accounts, crm.hubspot_companies)
    files = business.generate(
        out_dir=tmp_path / "business", scale="small", seed=5, end=END, crm_accounts=accounts
    )
    customers = _jsonl(files.stripe_customers)
    assert [c["metadata"]["crm_account_id"] for c in customers] == [a[0] for a in accounts]
    by_id = {a[0]: a for a in accounts}
    assert all(
        c["metadata"]["segment"] == by_id[c["metadata"]["crm_account_id"]][1] for c in customers
    )
    group_ids = set(pq.read_table(files.events, columns=["group_id"]).column(0).to_pylist())
    assert group_ids <= set(by_id)
