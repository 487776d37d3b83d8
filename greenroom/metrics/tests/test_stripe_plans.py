"""An account's plan when the Stripe customer's metadata names none: read from the prices
and products of its newest subscription (docs/metrics.md, "Accounts")."""

from datetime import date

from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE, epoch, invoice, line, price

AS_OF = date(2026, 3, 31)


def _customer(customer_id: str, **metadata) -> dict:
    return {"id": customer_id, "object": "customer", "name": customer_id, "metadata": metadata}


def _subscription(sub_id: str, customer: str, price_doc: dict | str, created: str, status="active"):
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "created": epoch(created),
        "status": status,
        "items": {"data": [{"id": f"si_{sub_id}", "price": price_doc, "quantity": 1}]},
    }


def _product(product_id: str, name: str) -> dict:
    return {"id": product_id, "object": "product", "name": name, "metadata": {}}


def _plans(raw, customers, subscriptions, prices, products) -> dict[str, str]:
    raw.docs("stripe_customers", customers)
    raw.docs("stripe_subscriptions", subscriptions)
    raw.docs("stripe_prices", prices)
    raw.docs("stripe_products", products)
    # One paid month each, so every customer is an account with revenue.
    raw.docs(
        "stripe_invoices",
        [
            invoice(s["customer"], "2026-03-01", [line(s["id"], p, "2026-03-01", "2026-04-01")])
            for s, p in zip(subscriptions, prices, strict=False)
        ],
    )
    refresh_connection(raw.connection, reference=REFERENCE, as_of=AS_OF)
    return dict(raw.connection.execute("SELECT account_id, plan FROM model.accounts").fetchall())


def test_it_names_the_plan_by_the_price_metadata_lookup_key_product_or_nickname(raw):
    by_metadata = {**price("price_a", "prod_pro", 5000), "metadata": {"plan": "Growth"}}
    by_lookup = {**price("price_b", "prod_pro", 5000), "lookup_key": "scale_monthly"}
    by_product = {**price("price_c", "prod_pro", 5000), "nickname": "Pro monthly"}
    # Harbor Insights is one of the organisation's products: its name is no plan name.
    by_nickname = {**price("price_d", "prod_insights", 5000), "nickname": "Insights yearly"}
    plans = _plans(
        raw,
        [_customer(c) for c in ("cus_A", "cus_B", "cus_C", "cus_D")],
        [
            _subscription("sub_A", "cus_A", by_metadata, "2026-01-01"),
            # A price only named by id in the item is read from raw.stripe_prices.
            _subscription("sub_B", "cus_B", "price_b", "2026-01-01"),
            _subscription("sub_C", "cus_C", by_product, "2026-01-01"),
            _subscription("sub_D", "cus_D", by_nickname, "2026-01-01"),
        ],
        [by_metadata, by_lookup, by_product, by_nickname],
        [_product("prod_pro", "Pro"), _product("prod_insights", "Harbor Insights")],
    )
    assert plans == {
        "cus_A": "growth",
        "cus_B": "scale_monthly",
        "cus_C": "pro",
        "cus_D": "insights yearly",
    }


def test_the_customers_own_metadata_wins_and_the_newest_live_subscription_names_the_plan(raw):
    starter = {**price("price_s", "prod_starter", 1000), "metadata": {"plan": "starter"}}
    team = {**price("price_t", "prod_team", 3000), "metadata": {"plan": "team"}}
    plans = _plans(
        raw,
        [_customer("cus_A", plan="Enterprise"), _customer("cus_B"), _customer("cus_C")],
        [
            _subscription("sub_A", "cus_A", starter, "2026-01-01"),
            # B upgraded: the newer subscription names the plan.
            _subscription("sub_B1", "cus_B", starter, "2025-06-01", status="canceled"),
            _subscription("sub_B2", "cus_B", team, "2026-01-01"),
            # C's newest subscription was cancelled; the live older one names the plan.
            _subscription("sub_C1", "cus_C", starter, "2025-06-01"),
            _subscription("sub_C2", "cus_C", team, "2026-02-01", status="canceled"),
        ],
        [starter, team],
        [_product("prod_starter", "Starter"), _product("prod_team", "Team")],
    )
    assert plans == {"cus_A": "enterprise", "cus_B": "team", "cus_C": "starter"}


def test_a_customer_without_subscriptions_or_named_prices_has_an_unknown_plan(raw):
    plain = price("price_x", "prod_insights", 1000)
    plans = _plans(
        raw,
        [_customer("cus_A")],
        [_subscription("sub_A", "cus_A", plain, "2026-01-01")],
        [plain],
        [_product("prod_insights", "Harbor Insights")],
    )
    assert plans == {"cus_A": "unknown"}
    assert Computed(raw.connection).series("mrr")[date(2026, 3, 1)] == 10.0
