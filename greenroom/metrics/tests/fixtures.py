"""The revenue fixture: eight customers, each a nasty case, with MRR worked out by hand.

Expected month-end MRR in USD (as of 2026-05-31; EUR converted at the month's rate):

    account        Jan   Feb   Mar   Apr   May   the case
    cus_A (Acme)   100   300   300   200   200   upgrade 15 Feb (1→3 seats), downgrade 10 Apr
    cus_B (Beta)   125   100   100   200   200   €1,200 annual plan; EUR at 0.8, 1.0, 0.5
    cus_C           50    50     0     0    80   cancels at period end, returns 10 May
    cus_D            0   150   150   150   150   trial in Jan, then $200 with 25 % off forever
    cus_E          100   100   100   100   100   $300 per quarter; $100 credit note in Feb
    cus_Z           60     0    60    60    60   February invoice voided (paused collection)
    cus_H            -     -    30    40    40   $40 with $10 off the first invoice only
    cus_T           70    70     0     0     0   cancelled immediately on 20 Mar, no proration
    total          505   770   740   750   830
"""

from datetime import date

from greenroom.metrics.tests.raw import RawLoader, invoice, line, price

AS_OF = date(2026, 5, 31)
EXPECTED_MRR = {
    date(2026, 1, 1): 505.0,
    date(2026, 2, 1): 770.0,
    date(2026, 3, 1): 740.0,
    date(2026, 4, 1): 750.0,
    date(2026, 5, 1): 830.0,
}
MONTHS = ("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01")


def _monthly(customer: str, sub: str, price_doc: dict, months: range, **kwargs) -> list[dict]:
    return [
        invoice(customer, MONTHS[m], [line(sub, price_doc, MONTHS[m], MONTHS[m + 1], **kwargs)])
        for m in months
    ]


def load_revenue(loader: RawLoader) -> None:
    """Load the eight customers, their products, prices, subscriptions, invoices and CRM."""
    products = [
        {
            "id": "prod_ws",
            "object": "product",
            "name": "Workspace Team",
            "created": 0,
            "metadata": {"greenroom_product": "workspace"},
        },
        {
            "id": "prod_in",
            "object": "product",
            "name": "Harbor Insights",
            "created": 0,
            "metadata": {},
        },
    ]
    team = price("price_team", "prod_ws", 10000)
    annual = price("price_annual", "prod_in", 120000, currency="eur", interval="year")
    quarterly = price("price_q", "prod_ws", 30000, interval_count=3)
    small = {
        k: price(f"price_{k}", "prod_ws", v)
        for k, v in {"c": 5000, "c2": 8000, "d": 20000, "z": 6000, "h": 4000, "t": 7000}.items()
    }
    loader.docs("stripe_products", products)
    loader.docs("stripe_prices", [team, annual, quarterly, *small.values()])
    customers = [
        {"id": "cus_A", "object": "customer", "name": "Acme", "created": 0, "metadata": {}},
        {
            "id": "cus_B",
            "object": "customer",
            "name": "Beta",
            "created": 0,
            "metadata": {"crm_account_id": "crm-beta"},
            "address": {"country": "AT"},
        },
    ] + [
        {
            "id": f"cus_{k}",
            "object": "customer",
            "name": k,
            "created": 0,
            "metadata": {},
            "address": {"country": "US"},
        }
        for k in "CDEZHT"
    ]
    loader.docs("stripe_customers", customers)
    loader.rows(
        "crm_accounts",
        [
            acme_crm_row(),
            (
                "crm-beta",
                "Beta",
                "beta.example",
                "SMB",
                "Retail",
                "AT",
                "ben@x",
                "team",
                1200,
                "EUR",
                None,
            ),
        ],
    )
    loader.fx([("2025-12-31", "EUR", 0.8), ("2026-02-10", "EUR", 1.0), ("2026-04-01", "EUR", 0.5)])
    subscriptions = [
        {
            "id": sub,
            "object": "subscription",
            "customer": cus,
            "created": 0,
            "ended_at": ended,
            "status": "canceled" if ended else "active",
        }
        for sub, cus, ended in [
            ("sub_A", "cus_A", None),
            ("sub_B", "cus_B", None),
            ("sub_C", "cus_C", 1772323200),
            ("sub_C2", "cus_C", None),
            ("sub_D", "cus_D", None),
            ("sub_E", "cus_E", None),
            ("sub_Z", "cus_Z", None),
            ("sub_H", "cus_H", None),
            ("sub_T", "cus_T", 1773964800),
        ]
    ]
    loader.docs("stripe_subscriptions", subscriptions)
    loader.docs("stripe_invoices", _invoices(team, annual, quarterly, small))
    loader.docs(
        "stripe_credit_notes",
        [
            {
                "id": "cn_1",
                "object": "credit_note",
                "customer": "cus_E",
                "currency": "usd",
                "created": 1770681600,
                "status": "issued",
                "total": 10000,
                "invoice": "in_e",
            }
        ],
    )


def _invoices(team: dict, annual: dict, quarterly: dict, small: dict) -> list[dict]:
    acme = [
        invoice("cus_A", MONTHS[0], [line("sub_A", team, MONTHS[0], MONTHS[1])]),
        invoice("cus_A", MONTHS[1], [line("sub_A", team, MONTHS[1], MONTHS[2])]),
        invoice(
            "cus_A",
            MONTHS[2],
            [
                line("sub_A", team, "2026-02-15", MONTHS[2], amount=-5000, proration=True),
                line(
                    "sub_A", team, "2026-02-15", MONTHS[2], quantity=3, amount=15000, proration=True
                ),
                line("sub_A", team, MONTHS[2], MONTHS[3], quantity=3),
            ],
        ),
        invoice("cus_A", MONTHS[3], [line("sub_A", team, MONTHS[3], MONTHS[4], quantity=3)]),
        invoice(
            "cus_A",
            MONTHS[4],
            [
                line(
                    "sub_A",
                    team,
                    "2026-04-10",
                    MONTHS[4],
                    quantity=3,
                    amount=-20000,
                    proration=True,
                ),
                line(
                    "sub_A", team, "2026-04-10", MONTHS[4], quantity=2, amount=13333, proration=True
                ),
                line("sub_A", team, MONTHS[4], MONTHS[5], quantity=2),
            ],
        ),
    ]
    beta = [invoice("cus_B", "2026-01-15", [line("sub_B", annual, "2026-01-15", "2027-01-15")])]
    gamma = [
        *_monthly("cus_C", "sub_C", small["c"], range(2)),
        invoice("cus_C", "2026-05-10", [line("sub_C2", small["c2"], "2026-05-10", "2026-06-10")]),
    ]
    delta = [
        invoice("cus_D", MONTHS[0], [line("sub_D", small["d"], MONTHS[0], MONTHS[1], amount=0)]),
        *_monthly("cus_D", "sub_D", small["d"], range(1, 5), discount=5000),
    ]
    epsilon = [
        invoice("cus_E", MONTHS[0], [line("sub_E", quarterly, MONTHS[0], MONTHS[3])]),
        invoice("cus_E", MONTHS[3], [line("sub_E", quarterly, MONTHS[3], "2026-07-01")]),
    ]
    zeta = _monthly("cus_Z", "sub_Z", small["z"], range(5))
    zeta[1]["status"] = "void"
    eta = [
        invoice(
            "cus_H", MONTHS[2], [line("sub_H", small["h"], MONTHS[2], MONTHS[3], discount=1000)]
        ),
        *_monthly("cus_H", "sub_H", small["h"], range(3, 5)),
    ]
    theta = _monthly("cus_T", "sub_T", small["t"], range(3))
    return acme + beta + gamma + delta + epsilon + zeta + eta + theta


def load_costs(loader: RawLoader) -> None:
    """Three people (one hired mid-month in EUR, one leaving) and one ledger entry."""
    loader.rows(
        "headcount",
        [
            ("p1", "Ann", "Projects & Tasks", "Engineer", date(2025, 12, 1), None, 120000, "USD"),
            ("p2", "Bo", "Dashboards", "Designer", date(2026, 1, 16), None, 96000, "EUR"),
            ("p3", "Cy", "Growth", "Analyst", date(2026, 1, 1), date(2026, 1, 31), 60000, "USD"),
        ],
    )
    loader.rows("costs", [("gl1", date(2026, 1, 10), "6000", "Dashboards", 1000, "USD", "AWS")])


def acme_crm_row(plan: str = "business") -> tuple:
    """Acme's row of raw.crm_accounts, on ``plan``."""
    return (
        "crm-acme",
        "Acme",
        "acme.example",
        "Enterprise",
        "Software",
        "DE",
        "ana@x",
        plan,
        2400,
        "USD",
        "cus_A",
    )
