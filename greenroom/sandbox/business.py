"""The sandbox company's business data, in the formats the connectors read.

Two years of Harbor Systems: Stripe objects as JSON lines (customers, products, prices,
subscriptions, invoices with their lines, credit notes), product usage as a Parquet export of
Segment ``track`` calls, the general ledger and the HR headcount as CSV, and daily EUR rates.
The history has growth, seasonality (quiet weekends, August and late December), churn,
expansions and contractions (mid-month, with Stripe's proration lines), trials, discounts,
annual plans, a 10 % list-price rise on 2025-09-01 and the launch of Harbor Pay on 2026-03-02.

Accounts join the CRM exports of ``sandbox/crm.py`` through Stripe customer metadata
``crm_account_id`` and the events' ``group_id``: pass ``crm_accounts`` (from
``accounts_from_crm``) to reuse the CRM's ids; without it accounts are named ``acct-00001``.

Events are drawn with numpy, a few seconds for millions.
"""

import calendar
import csv
import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from greenroom.sandbox import company

# accounts, events
SCALES = {
    "small": (420, 200_000),
    "medium": (3000, 5_200_000),
    "large": (6000, 21_000_000),
}
DAY = 86400
EPOCH = date(1970, 1, 1)
PRICE_RISE = date(2025, 9, 1)
PAY_LAUNCH = date(2026, 3, 2)
EUR_COUNTRIES = {"DE", "AT", "FR", "BE", "NL", "LU", "ES", "IT", "PT", "IE", "FI"}
SEGMENTS = {"SMB": 0.5, "Mid-market": 0.35, "Enterprise": 0.15}
SEATS = {"SMB": (3, 25), "Mid-market": (25, 200), "Enterprise": (150, 1500)}
CHURN = {"SMB": 0.025, "Mid-market": 0.012, "Enterprise": 0.006}  # per month
PLANS = {
    "SMB": (("starter", 0.6), ("team", 0.4)),
    "Mid-market": (("team", 0.5), ("business", 0.5)),
    "Enterprise": (("business", 0.3), ("enterprise", 0.7)),
}
# per-seat monthly list price in cents, by plan, for each product
SEAT_PRICE = {"starter": 800, "team": 1200, "business": 2000, "enterprise": 3000}
PRODUCT_FACTOR = {"workspace": 1.0, "automate": 0.5, "insights": 0.6, "pay": 0.4}
ADOPTION = {"workspace": 1.0, "automate": 0.4, "insights": 0.3, "pay": 0.2}
FEATURES = {
    "workspace": ["projects", "boards", "sso", "notifications"],
    "automate": ["workflow_builder", "schedules", "integrations"],
    "insights": ["dashboards", "scheduled_reports", "connectors"],
    "pay": ["invoicing", "checkout", "payouts"],
}


@dataclass(frozen=True)
class BusinessFiles:
    """Where each generated file is."""

    stripe_customers: Path
    stripe_products: Path
    stripe_prices: Path
    stripe_subscriptions: Path
    stripe_invoices: Path
    stripe_credit_notes: Path
    events: Path
    costs: Path
    headcount: Path
    fx_rates: Path
    # The events just drawn, kept in memory for the next step (the demo's PostHog export):
    # reading 5 million rows back from the file cost seconds. None for files found on disk.
    drawn_events: "DrawnEvents | None" = dataclasses.field(default=None, compare=False, repr=False)


def business_files(out_dir: Path) -> BusinessFiles:
    """Where ``generate`` writes (or wrote) each file in ``out_dir``."""
    return BusinessFiles(*(out_dir / name for name in (
        "stripe-customers.jsonl", "stripe-products.jsonl", "stripe-prices.jsonl",
        "stripe-subscriptions.jsonl", "stripe-invoices.jsonl", "stripe-credit-notes.jsonl",
        "segment-tracks.parquet", "ledger.csv", "headcount.csv", "fx-eur.csv",
    )))  # fmt: skip


@dataclass
class _Account:
    id: str
    segment: str
    country: str
    plan: str
    currency: str
    seats: int
    signup: date


def generate(
    *,
    out_dir: Path,
    scale: str = "medium",
    seed: int = 7,
    end: date | None = None,
    crm_accounts: list[tuple[str, str, str, str]] | None = None,
    segment_export: bool = True,
) -> BusinessFiles:
    """Write two years up to ``end`` (default yesterday, UTC) into ``out_dir``. Without
    ``segment_export`` the events are drawn but not written as Segment's export (the demo
    loads them as PostHog's, written from ``drawn_events``)."""
    billing = generate_billing(
        out_dir=out_dir, scale=scale, seed=seed, end=end, crm_accounts=crm_accounts
    )
    return generate_usage(billing, segment_export=segment_export)


@dataclass(frozen=True)
class BillingDraw:
    """The billing written (FX rates and Stripe's objects), and what the rest is drawn from
    next: the subscriptions, and the random generator where the billing left it."""

    files: BusinessFiles
    subscriptions: list[dict]
    rng: np.random.Generator
    start: date
    end: date
    n_events: int


def generate_billing(
    *,
    out_dir: Path,
    scale: str = "medium",
    seed: int = 7,
    end: date | None = None,
    crm_accounts: list[tuple[str, str, str, str]] | None = None,
) -> BillingDraw:
    """The first part of ``generate``: the FX rates, the catalogue and the billing."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    end = end or datetime.now(UTC).date() - timedelta(days=1)
    start = end - timedelta(days=730)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_accounts, n_events = SCALES[scale]
    files = business_files(out_dir)
    accounts = _accounts(rng, n_accounts, start, end, crm_accounts)
    # Rates reach back to the longest-serving employee's start, for their cost history.
    rates = _write_fx(files.fx_rates, rng, start - timedelta(days=1000), end)
    prices = _write_catalogue(files)
    subscriptions = _write_billing(files, rng, accounts, prices, start, end, rates)
    return BillingDraw(files, subscriptions, rng, start, end, n_events)


def generate_usage(billing: BillingDraw, *, segment_export: bool = True) -> BusinessFiles:
    """The rest of ``generate``, drawn on from ``billing``: the events, the people and the
    ledger."""
    events = _draw_events(billing.rng, billing.subscriptions, billing.n_events)
    if segment_export:
        write_parquet(
            tracks_table(events),
            billing.files.events,
            dictionary=("event", "group_id", "product", "feature"),
        )
    _write_people_and_costs(billing.files, billing.rng, billing.start, billing.end)
    return dataclasses.replace(billing.files, drawn_events=events)


def accounts_from_crm(salesforce_accounts: Path, hubspot_companies: Path) -> list[tuple]:
    """(id, segment, country, plan) of every CRM account, to bill the same accounts."""
    import pycountry

    accounts = []
    with salesforce_accounts.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            accounts.append(
                (row["Account ID"], row["Segment"], row["Billing Country"], row["Plan"].lower())
            )
    with hubspot_companies.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            country = pycountry.countries.get(name=row["Country/Region"])
            code = country.alpha_2 if country else "US"
            accounts.append((row["Record ID"], "SMB", code, row["Plan"].lower()))
    return accounts


def _accounts(rng, n: int, start: date, end: date, crm: list | None) -> list[_Account]:
    countries = [
        code.strip()
        for _, markets in company.REGIONS.values()
        for codes in markets.values()
        for code in codes.split(",")
    ]
    if crm is None:
        segments = rng.choice(list(SEGMENTS), size=n, p=list(SEGMENTS.values()))
        crm = [
            (f"acct-{i + 1:05d}", str(segment), str(rng.choice(countries)),
             str(rng.choice([p for p, _ in PLANS[segment]], p=[w for _, w in PLANS[segment]])))
            for i, segment in enumerate(segments)
        ]  # fmt: skip
    span = (end - start).days
    # A third were customers before the history starts; sign-ups grow over the two years.
    signups = np.where(
        rng.random(len(crm)) < 0.33, 0, (span * np.sqrt(rng.random(len(crm)))).astype(int)
    )
    accounts = []
    for (account_id, segment, country, plan), offset in zip(crm, signups, strict=True):
        low, high = SEATS.get(segment, SEATS["SMB"])
        accounts.append(
            _Account(
                account_id,
                segment,
                country,
                plan if plan in SEAT_PRICE else "team",
                "eur" if country in EUR_COUNTRIES else "usd",
                int(np.exp(rng.uniform(np.log(low), np.log(high)))),
                start + timedelta(days=int(offset)),
            )
        )
    return accounts


def _write_fx(path: Path, rng, start: date, end: date) -> dict[date, float]:
    days = (end - start).days + 1
    walk = 0.92 * np.exp(np.cumsum(rng.normal(0, 0.003, days)))
    rates = {start + timedelta(days=i): round(float(walk[i]), 6) for i in range(days)}
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "currency", "rate"])
        writer.writerows((day.isoformat(), "EUR", rate) for day, rate in rates.items())
    return rates


def _write_catalogue(files: BusinessFiles) -> dict:
    names = {
        key: name
        for line in company.PORTFOLIO.values()
        for name, (key, *_rest) in line["products"].items()
    }
    products = [
        {"id": f"prod_{key}", "object": "product", "name": names[key], "created": 1546300800,
         "active": True, "metadata": {"greenroom_product": key}}
        for key in PRODUCT_FACTOR
    ]  # fmt: skip
    prices, catalogue = [], {}
    for key, factor in PRODUCT_FACTOR.items():
        for plan, cents in SEAT_PRICE.items():
            for era, rise in (("v1", 1.0), ("v2", 1.1)):
                for interval, months, annual_discount in (("month", 1, 1.0), ("year", 12, 0.85)):
                    unit = round(cents * factor * rise * months * annual_discount)
                    price_id = f"price_{key}_{plan}_{interval}_{era}"
                    doc = {
                        "id": price_id, "object": "price", "active": era == "v2",
                        "currency": "usd", "product": f"prod_{key}", "type": "recurring",
                        "unit_amount": unit, "nickname": f"{plan} {interval}ly",
                        "recurring": {"interval": interval, "interval_count": 1},
                        "metadata": {"plan": plan}, "created": 1546300800,
                    }  # fmt: skip
                    prices.append(doc)
                    catalogue[(key, plan, interval, era)] = doc
    _jsonl(files.stripe_products, products)
    # EUR customers pay the same numbers in euros: each USD price has a EUR twin.
    euro = [{**doc, "id": doc["id"] + "_eur", "currency": "eur"} for doc in prices]
    catalogue.update({(*k, "eur"): {**v, "id": v["id"] + "_eur", "currency": "eur"}
                      for k, v in list(catalogue.items())})  # fmt: skip
    _jsonl(files.stripe_prices, prices + euro)
    return catalogue


def _price(catalogue: dict, key: str, account: _Account, interval: str, on: date) -> dict:
    era = "v2" if on >= PRICE_RISE else "v1"
    doc = catalogue[(key, account.plan, interval, era)]
    return (
        catalogue[(key, account.plan, interval, era, "eur")] if account.currency == "eur" else doc
    )


def _write_billing(files, rng, accounts, catalogue, start, end, rates) -> list[dict]:
    customers, subscriptions, invoices, credit_notes = [], [], [], []
    for number, account in enumerate(accounts):
        customer = f"cus_{number:06d}"
        customers.append({
            "id": customer, "object": "customer", "name": account.id,
            "created": _ts(account.signup),
            "currency": account.currency, "address": {"country": account.country},
            "metadata": {"crm_account_id": account.id, "segment": account.segment,
                         "plan": account.plan},
        })  # fmt: skip
        for key, share in ADOPTION.items():
            if rng.random() >= share:
                continue
            first = max(account.signup, PAY_LAUNCH) if key == "pay" else account.signup
            first += timedelta(days=int(rng.integers(0, 120)) if key != "workspace" else 0)
            if first >= end:
                continue
            sub = _subscription(rng, account, customer, key, first, end, catalogue)
            subscriptions.append(sub["record"])
            invoices += sub["invoices"]
            credit_notes += sub["credit_notes"]
    _jsonl(files.stripe_customers, customers)
    _jsonl(files.stripe_subscriptions, [s["doc"] for s in subscriptions])
    _jsonl(files.stripe_invoices, invoices)
    _jsonl(files.stripe_credit_notes, credit_notes)
    return subscriptions


def _subscription(rng, account, customer, key, first, end, catalogue) -> dict:
    sub_id = f"sub_{customer[4:]}_{key}"
    annual = account.segment != "SMB" and rng.random() < 0.3
    interval = "year" if annual else "month"
    trial = account.segment == "SMB" and rng.random() < 0.5
    discount = 0.15 if account.segment == "Enterprise" and rng.random() < 0.2 else 0.0
    seats = max(1, int(account.seats * (1.0 if key == "workspace" else rng.uniform(0.2, 0.8))))
    invoices, credit_notes = [], []
    period_start, ended_at = first, None
    if trial:
        trial_end = first + timedelta(days=14)
        price = _price(catalogue, key, account, "month", first)
        invoices.append(_invoice(customer, first, [
            _line(sub_id, price, first, trial_end, seats, 0, 0)]))  # fmt: skip
        period_start = trial_end
        if rng.random() < 0.35:  # trials that never convert
            ended_at = trial_end
    churn = CHURN.get(account.segment, 0.02)
    while ended_at is None and period_start <= end:
        months = 12 if annual else 1
        period_end = _add_months(period_start, months)
        price = _price(catalogue, key, account, interval, period_start)
        amount = seats * price["unit_amount"]
        lines = [_line(sub_id, price, period_start, period_end, seats, amount,
                       round(amount * discount))]  # fmt: skip
        invoices.append(_invoice(customer, period_start, lines))
        if rng.random() < 0.01:  # a refund of part of an invoice
            credit_notes.append(_credit_note(customer, period_start, amount // 4, price))
        # Changes between renewals: monthly plans change mid-period with prorations.
        change = rng.random()
        if change < 0.05 or change > 0.98:
            new_seats = max(1, int(seats * (rng.uniform(1.1, 1.6) if change < 0.05
                                            else rng.uniform(0.6, 0.9))))  # fmt: skip
            if not annual:
                at = period_start + timedelta(days=int(rng.integers(1, 27)))
                if at < end:
                    proration = [
                        _line(sub_id, price, at, period_end, seats, -seats * price["unit_amount"]
                              * (period_end - at).days // (period_end - period_start).days, 0,
                              proration=True),
                        _line(sub_id, price, at, period_end, new_seats,
                              new_seats * price["unit_amount"] * (period_end - at).days
                              // (period_end - period_start).days, 0, proration=True),
                    ]  # fmt: skip
                    if period_end < end:
                        invoices.append(_invoice(customer, period_end, proration, pending=True))
            seats = new_seats
        seasonal = 1.5 if period_start.month == 12 else 1.0
        if rng.random() < 1 - (1 - churn * seasonal) ** months:
            ended_at = period_end
        period_start = period_end
    doc = {
        "id": sub_id, "object": "subscription", "customer": customer, "created": _ts(first),
        "status": "canceled" if ended_at and ended_at < end else "active",
        "ended_at": _ts(ended_at) if ended_at and ended_at < end else None,
        "cancel_at_period_end": False, "pause_collection": None,
        "items": {"data": [{"id": f"si_{sub_id}", "quantity": seats}]},
    }  # fmt: skip
    record = {"doc": doc, "account": account.id, "product": key, "start": first,
              "end": ended_at if ended_at and ended_at < end else end, "seats": seats}  # fmt: skip
    return {"record": record, "invoices": _merge_pending(customer, invoices),
            "credit_notes": credit_notes}  # fmt: skip


def _merge_pending(customer: str, invoices: list[dict]) -> list[dict]:
    # Prorations are billed on the next renewal invoice, as Stripe does by default.
    merged: list[dict] = []
    pending: list[dict] = []
    for doc in invoices:
        if doc.pop("_pending", False):
            pending += doc["lines"]["data"]
            continue
        if pending:
            doc["lines"]["data"] = pending + doc["lines"]["data"]
            doc["total"] = sum(
                line["amount"] - sum(d["amount"] for d in line["discount_amounts"])
                for line in doc["lines"]["data"]
            )
            pending = []
        merged.append(doc)
    if pending:  # the subscription ended before its next renewal: a final invoice
        closing = datetime.fromtimestamp(pending[0]["period"]["end"], UTC).date()
        final = _invoice(customer, closing, pending)
        final.pop("_pending")
        merged.append(final)
    for doc in merged:
        for line in doc["lines"]["data"]:
            line["invoice"] = doc["id"]
    return merged


def _line(sub_id, price, start, end, quantity, amount, discount, proration=False) -> dict:
    return {
        "id": f"il_{sub_id}_{_ts(start)}_{quantity}_{int(proration)}_{amount}",
        "object": "line_item", "amount": int(amount), "currency": price["currency"],
        "discount_amounts": [{"amount": int(discount), "discount": "di_loyal"}] if discount else [],
        "period": {"start": _ts(start), "end": _ts(end)}, "price": price,
        "proration": proration, "quantity": int(quantity), "subscription": sub_id,
        "subscription_item": f"si_{sub_id}", "type": "invoiceitem" if proration else "subscription",
    }  # fmt: skip


def _invoice(customer: str, on: date, lines: list[dict], pending: bool = False) -> dict:
    total = sum(line["amount"] - sum(d["amount"] for d in line["discount_amounts"])
                for line in lines)  # fmt: skip
    return {
        "id": f"in_{customer[4:]}_{lines[0]['subscription'][4:]}_{_ts(on)}_{int(pending)}",
        "object": "invoice", "customer": customer, "created": _ts(on), "status": "paid",
        "currency": lines[0]["currency"], "total": total, "_pending": pending,
        "lines": {"object": "list", "data": lines, "has_more": False},
    }  # fmt: skip


def _credit_note(customer: str, on: date, amount: int, price: dict) -> dict:
    return {"id": f"cn_{customer[4:]}_{_ts(on)}", "object": "credit_note", "customer": customer,
            "created": _ts(on + timedelta(days=5)), "currency": price["currency"],
            "status": "issued", "total": int(amount), "reason": "order_change"}  # fmt: skip


@dataclass(frozen=True)
class DrawnEvents:
    """The generated product events as numbers, one entry per event in the file's (time)
    order; text is made from them only when a file is written, from small dictionaries."""

    number: np.ndarray  # the event as drawn: its id is msg-<number>, repeated by a duplicate
    account: np.ndarray  # into account_names
    user: np.ndarray  # the user's number within the account
    anonymous: np.ndarray  # bool: sent before the user signed in
    product: np.ndarray  # into product_names
    feature: np.ndarray  # into feature_names (ignored for a page view)
    page_view: np.ndarray  # bool: "Page Viewed", no feature; else "Feature Used"
    sent: np.ndarray  # seconds since the epoch, UTC
    received: np.ndarray  # seconds since the epoch, UTC
    account_names: np.ndarray
    product_names: np.ndarray
    feature_names: np.ndarray

    def __len__(self) -> int:
        return len(self.number)

    def where(self, keep: np.ndarray) -> "DrawnEvents":
        """Only the events ``keep`` (a boolean mask) selects, in the same order."""
        columns = ("number", "account", "user", "anonymous", "product", "feature", "page_view",
                   "sent", "received")  # fmt: skip
        return dataclasses.replace(self, **{name: getattr(self, name)[keep] for name in columns})

    def text(self, column: str) -> pa.Array:
        """``account``, ``product`` or ``feature`` as a string column."""
        return _text(getattr(self, column), getattr(self, f"{column}_names"))

    def user_ids(self) -> pa.Array:
        """Each event's user as ``<account>-u<number>``, anonymous or not."""
        return pc.binary_join_element_wise(
            self.text("account"), pa.array(self.user).cast(pa.string()), "-u"
        )


def _draw_events(rng, subscriptions: list[dict], n_events: int) -> DrawnEvents:
    """One event per draw, in proportion to seats * active days.

    Everything is drawn, deduplicated-by-retry and sorted as numbers: reordering millions of
    strings was most of the sandbox's generation time."""
    starts = np.array([(s["start"] - EPOCH).days for s in subscriptions])
    # The last day is included: usage runs up to and including ``end``.
    ends = np.array([(s["end"] - EPOCH).days + 1 for s in subscriptions])
    users = np.array([max(1, int(s["seats"] * 0.3)) for s in subscriptions])
    weights = users * np.maximum(ends - starts, 1)
    picked = rng.choice(len(subscriptions), size=n_events, p=weights / weights.sum())
    days = starts[picked] + (rng.random(n_events) * (ends[picked] - starts[picked])).astype(int)
    kept = _seasonal(rng, days)
    picked, days = picked[kept], days[kept]
    n = len(picked)
    # Heavy and light users: a user's share follows a power law within the account.
    user_number = (users[picked] * rng.random(n) ** 2.5).astype(np.int64)
    seconds = days.astype(np.int64) * DAY + rng.integers(6 * 3600, 22 * 3600, n)
    anonymous = rng.random(n) < 0.02
    account_names, account_of = np.unique(
        [s["account"] for s in subscriptions], return_inverse=True
    )
    product_names, product_of = np.unique(
        [s["product"] for s in subscriptions], return_inverse=True
    )
    product = product_of[picked]
    feature_names = np.array([name for key in product_names for name in FEATURES[key]])
    first_feature = np.cumsum([0] + [len(FEATURES[key]) for key in product_names])[:-1]
    feature_count = np.array([len(FEATURES[key]) for key in product_names])
    feature = first_feature[product] + np.minimum(rng.integers(0, 3, n), feature_count[product] - 1)
    no_feature = rng.random(n) < 0.5
    delay = rng.exponential(5, n).astype(np.int64)
    late = rng.random(n) < 0.01
    delay[late] += rng.integers(DAY, 3 * DAY, late.sum())
    # Segment retries deliver some messages twice; the file is in timestamp order.
    duplicates = np.sort(rng.choice(n, size=n // 200, replace=False))
    rows = _in_time_order(np.concatenate([np.arange(n), duplicates]), seconds)
    sent = seconds[rows]
    return DrawnEvents(
        number=rows,
        account=account_of[picked[rows]],
        user=user_number[rows],
        anonymous=anonymous[rows],
        product=product[rows],
        feature=feature[rows],
        page_view=no_feature[rows],
        sent=sent,
        received=sent + delay[rows],
        account_names=account_names,
        product_names=product_names,
        feature_names=feature_names,
    )


def _in_time_order(rows: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """``rows`` stably sorted by their ``seconds``: each row's time and place packed in one
    number, so that a plain sort of unique numbers gives the stable order (a third of the
    time of a stable argsort of millions)."""
    place_bits = len(rows).bit_length()
    if int(seconds.max(initial=0)) >= 1 << (63 - place_bits) or seconds.min(initial=0) < 0:
        raise ValueError("event times out of range for sorting")
    packed = (seconds[rows].astype(np.int64) << place_bits) | np.arange(len(rows))
    return rows[np.sort(packed) & ((1 << place_bits) - 1)]


def instants(seconds: np.ndarray) -> pa.Array:
    """Seconds since the epoch as UTC timestamps (in microseconds, as the exports hold them)."""
    return pa.array(seconds * 1_000_000, pa.timestamp("us", tz="UTC"))


def tracks_table(events: DrawnEvents) -> pa.Table:
    """The events as Segment ``track`` calls (the columns of its Parquet export)."""
    user = events.user_ids()
    is_anonymous = pa.array(events.anonymous)
    page_view = pa.array(events.page_view)
    return pa.table({
        "id": pc.binary_join_element_wise(
            pa.scalar("msg"), pa.array(events.number).cast(pa.string()), "-"),
        "event": pc.if_else(page_view, pa.scalar("Page Viewed"), pa.scalar("Feature Used")),
        "user_id": pc.if_else(is_anonymous, pa.scalar(None, pa.string()), user),
        "anonymous_id": pc.if_else(is_anonymous, pc.binary_join_element_wise(
            pa.scalar("anon"), user, "-"), pa.scalar(None, pa.string())),
        "group_id": events.text("account"),
        "timestamp": instants(events.sent),
        "received_at": instants(events.received),
        "product": events.text("product"),
        "feature": pc.if_else(page_view, pa.scalar(None, pa.string()), events.text("feature")),
    })  # fmt: skip


def write_parquet(table: pa.Table, path: Path, *, dictionary: tuple[str, ...]) -> None:
    """Write a generated table as Parquet, dictionary-encoding only ``dictionary`` columns.

    Dictionary encoding and statistics pay for few distinct values (accounts, products);
    for ids unique per row they were most of the writing time (about 3 CPU-s of 5 million
    events, against 1.3 s without them) and made the file no smaller."""
    pq.write_table(
        table,
        path,
        row_group_size=256_000,
        use_dictionary=list(dictionary),
        write_statistics=list(dictionary),
    )


def _seasonal(rng, days: np.ndarray) -> np.ndarray:
    """Which drawn days to keep so weekends, August and the last week of December are
    quieter, topped up from the kept ones so the count stays as asked."""
    n = len(days)
    weekday = (days + 3) % 7  # 0 = Monday
    # The calendar of each day in the range, looked up by day: converting millions of days
    # to months took longer than drawing them.
    first = int(days.min(initial=0))
    calendar = np.arange(first, int(days.max(initial=0)) + 1).astype("datetime64[D]")
    months = calendar.astype("datetime64[M]")
    month = (months.astype(int) % 12 + 1)[days - first]
    month_day = (calendar - months).astype(int)[days - first]
    keep = np.ones(n)
    keep[weekday >= 5] = 0.35
    keep[month == 8] *= 0.8
    keep[(month == 12) & (month_day >= 23)] *= 0.5
    index = np.flatnonzero(rng.random(n) < keep)
    return np.concatenate([index, rng.choice(index, size=n - len(index))])


def _text(codes: np.ndarray, names) -> pa.Array:
    """A plain string column from small integer codes into ``names``."""
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(names)).cast(
        pa.string()
    )


def _write_people_and_costs(files: BusinessFiles, rng, start: date, end: date) -> None:
    people, ledger = [], []
    salaries = {
        "Product Manager": 165000,
        "Engineering Manager": 190000,
        "Product Designer": 140000,
        "Senior Software Engineer": 175000,
        "Software Engineer": 135000,
        "QA Engineer": 110000,
        "Data Analyst": 120000,
    }
    span = (end - start).days
    for team in company.TEAMS:
        for role, count in company.TEAM_ROLES:
            for _ in range(count + int(rng.integers(0, 2))):
                joined = start - timedelta(days=int(rng.integers(30, 900)))
                if rng.random() < 0.3:  # hired during the two years: the company grows
                    joined = start + timedelta(days=int(rng.integers(0, span)))
                left = None
                if rng.random() < 0.1:
                    left = joined + timedelta(days=int(rng.integers(120, 700)))
                    left = left if left < end else None
                person = f"E{len(people) + 1:04d}"
                currency = "EUR" if rng.random() < 0.3 else "USD"
                cost = salaries[role] * 1.3 * (0.92 if currency == "EUR" else 1.0)
                people.append(
                    [
                        person,
                        f"Person {person}",
                        team,
                        role,
                        joined.isoformat(),
                        left.isoformat() if left else "",
                        round(cost, 2),
                        currency,
                    ]
                )
    month = date(start.year, start.month, 1)
    while month <= end:
        for team in company.TEAMS:
            for account, what, base in (
                ("6100", "Cloud hosting", 9000),
                ("6200", "Software tools", 2500),
            ):
                ledger.append([f"GL-{month:%Y%m}-{team[:4]}-{account}", month.isoformat(),
                               account, team, round(base * rng.uniform(0.8, 1.3), 2), "USD",
                               what])  # fmt: skip
        month = _add_months(month, 1)
    _csv(files.headcount, ["person_id", "name", "team", "role", "start_date", "end_date",
                           "annual_loaded_cost", "currency"], people)  # fmt: skip
    _csv(files.costs, ["entry_id", "date", "account", "cost_centre", "amount", "currency",
                       "description"], ledger)  # fmt: skip


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _ts(day: date | None) -> int | None:
    """Midnight UTC of ``day`` in seconds since the epoch (by arithmetic: a datetime per
    call, hundreds of thousands of them, was a second of the billing's time)."""
    return None if day is None else (day - EPOCH).days * DAY


def _jsonl(path: Path, docs: list[dict]) -> None:
    with path.open("w") as handle:
        for doc in docs:
            handle.write(json.dumps(doc, separators=(",", ":")) + "\n")


def _csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
