"""Load small fixtures into raw tables exactly as docs/analytics-store.md defines them.

Stripe objects are built as Stripe's API returns them (classic API shape: integer amounts in
minor units, epoch-second timestamps, ``line.price`` expanded, prorations as invoice items).
"""

import json
from datetime import UTC, date, datetime
from itertools import count

from greenroom.metrics.model import Reference
from greenroom.metrics.rawschema import ensure_raw_and_meta

REFERENCE = Reference(
    reporting_currency="USD",
    products=[
        ("workspace", "Harbor Workspace", "Projects & Tasks"),
        ("insights", "Harbor Insights", "Dashboards"),
        ("automate", "Harbor Automate", "Workflow"),
    ],
    markets=[
        ("DE", "DACH", "EMEA"),
        ("AT", "DACH", "EMEA"),
        ("US", "United States", "North America"),
    ],
    team_products=[
        ("Projects & Tasks", "workspace", "Projects", 1.0),
        ("Dashboards", "insights", "Dashboards", 1.0),
    ],
)

_ids = count(1)


def epoch(value: str) -> int:
    """Epoch seconds of an ISO date or datetime (UTC)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def price(
    price_id: str,
    product: str,
    unit_amount: int,
    *,
    currency: str = "usd",
    interval: str = "month",
    interval_count: int = 1,
) -> dict:
    """A Stripe recurring price object."""
    return {
        "id": price_id,
        "object": "price",
        "active": True,
        "currency": currency,
        "product": product,
        "type": "recurring",
        "unit_amount": unit_amount,
        "recurring": {"interval": interval, "interval_count": interval_count},
        "metadata": {},
    }


def line(
    subscription: str,
    price_doc: dict,
    start: str,
    end: str,
    *,
    quantity: int = 1,
    amount: int | None = None,
    discount: int = 0,
    proration: bool = False,
) -> dict:
    """A Stripe invoice line item for a subscription (a proration when ``proration``)."""
    if amount is None:
        amount = quantity * price_doc["unit_amount"]
    return {
        "id": f"il_{next(_ids)}",
        "object": "line_item",
        "amount": amount,
        "currency": price_doc["currency"],
        "discount_amounts": [{"amount": discount, "discount": "di_1"}] if discount else [],
        "period": {"start": epoch(start), "end": epoch(end)},
        "price": price_doc,
        "proration": proration,
        "quantity": quantity,
        "subscription": subscription,
        "subscription_item": f"si_{subscription}",
        "type": "invoiceitem" if proration else "subscription",
    }


def invoice(customer: str, created: str, lines: list[dict], *, status: str = "paid") -> dict:
    """A Stripe invoice with its lines embedded (the first page, as the API returns it)."""
    invoice_id = f"in_{next(_ids)}"
    for item in lines:
        item["invoice"] = invoice_id
    total = sum(
        item["amount"] - sum(d["amount"] for d in item["discount_amounts"]) for item in lines
    )
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": customer,
        "created": epoch(created),
        "currency": lines[0]["currency"] if lines else "usd",
        "status": status,
        "total": total,
        "lines": {"object": "list", "data": lines, "has_more": False},
    }


class RawLoader:
    """Writes fixture rows into raw tables and records each load in meta.batches."""

    def __init__(self, connection) -> None:
        self.connection = connection
        ensure_raw_and_meta(connection)
        self._batches = count(1)

    def _batch(self, table: str, rows: int, source: str = "fixture") -> str:
        batch = f"b{next(self._batches)}-{table}"
        now = datetime.now(UTC)
        self.connection.execute(
            "INSERT INTO meta.batches (batch, source, table_name, rows_in, rows_loaded, "
            "started_at, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [batch, source, table, rows, rows, now, now],
        )
        return batch

    def docs(self, table: str, docs: list[dict]) -> str:
        """Load Stripe objects into raw.<table>; a newer version of an id replaces the older."""
        batch = self._batch(table, len(docs), source="stripe")
        now = datetime.now(UTC)
        for doc in docs:
            self.connection.execute(f"DELETE FROM raw.{table} WHERE id = ?", [doc["id"]])
            created = datetime.fromtimestamp(doc.get("created", 0), UTC).replace(tzinfo=None)
            self.connection.execute(
                f"INSERT INTO raw.{table} (id, created, doc, _source, _batch, _loaded_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [doc["id"], created, json.dumps(doc), "stripe", batch, now],
            )
        return batch

    def rows(self, table: str, rows: list[tuple], source: str = "fixture") -> str:
        """Load typed rows (in the contract's column order) into raw.<table>."""
        batch = self._batch(table, len(rows), source=source)
        now = datetime.now(UTC)
        columns = self.connection.execute(f"SELECT * FROM raw.{table} LIMIT 0").description
        width = len(columns) - 3
        placeholders = ", ".join("?" for _ in range(width + 3))
        for row in rows:
            # Columns the contract added later (at the end) default to NULL in fixtures.
            assert len(row) <= width, f"raw.{table} takes {width} values, got {len(row)}"
            padded = [*row, *([None] * (width - len(row)))]
            self.connection.execute(
                f"INSERT INTO raw.{table} VALUES ({placeholders})", [*padded, source, batch, now]
            )
        return batch

    def fx(self, rates: list[tuple[str, str, float]]) -> str:
        """FX rates as (date, currency, units per 1 reporting currency)."""
        return self.rows("fx_rates", [(date.fromisoformat(d), c, r) for d, c, r in rates])


def load_business_files(connection, files, *, events_before=None, events_on=None) -> None:
    """Load the sandbox business files into raw tables, one batch per file (as a connector
    would); ``events_before``/``events_on`` load only the events before or on one UTC day."""
    ensure_raw_and_meta(connection)
    documents = {
        "stripe_customers": files.stripe_customers,
        "stripe_products": files.stripe_products,
        "stripe_prices": files.stripe_prices,
        "stripe_subscriptions": files.stripe_subscriptions,
        "stripe_invoices": files.stripe_invoices,
        "stripe_credit_notes": files.stripe_credit_notes,
    }
    if events_on is None:
        for table, path in documents.items():
            _load(
                connection,
                table,
                f"""
                SELECT json->>'id', NULL,
                       make_timestamp(CAST(json->>'created' AS BIGINT) * 1000000),
                       json, 'sandbox', $batch, now()
                FROM read_json_objects('{path}', format = 'newline_delimited')""",
            )
        _load(
            connection,
            "fx_rates",
            f"""
            SELECT date, currency, rate, 'sandbox', $batch, now()
            FROM read_csv('{files.fx_rates}', header = true)""",
        )
        _load(
            connection,
            "costs",
            f"""
            SELECT entry_id, date, account, cost_centre, amount, currency, description,
                   'sandbox', $batch, now()
            FROM read_csv('{files.costs}', header = true, types = {{'account': 'VARCHAR'}})""",
        )
        _load(
            connection,
            "headcount",
            f"""
            SELECT person_id, name, team, role, start_date, end_date, annual_loaded_cost,
                   currency, 'sandbox', $batch, now()
            FROM read_csv('{files.headcount}', header = true)""",
        )
    condition = "TRUE"
    if events_before is not None:
        condition = f"timestamp < TIMESTAMPTZ '{events_before} 00:00:00+00'"
    if events_on is not None:
        condition = (
            f"timestamp >= TIMESTAMPTZ '{events_on} 00:00:00+00' AND "
            f"timestamp < TIMESTAMPTZ '{events_on} 00:00:00+00' + INTERVAL 1 DAY"
        )
    _load(
        connection,
        "events",
        f"""
        SELECT id, event, user_id, anonymous_id, group_id, product, feature, timestamp,
               received_at, NULL, 'segment', 'sandbox', $batch, now()
        FROM read_parquet('{files.events}') WHERE {condition}""",
    )


_load_batches = count(1)


def _load(connection, table: str, select: str) -> None:
    batch = f"load-{next(_load_batches)}-{table}"
    started = datetime.now(UTC)
    before = connection.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
    connection.execute(f"INSERT INTO raw.{table} {select}", {"batch": batch})
    after = connection.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
    connection.execute(
        "INSERT INTO meta.batches (batch, source, table_name, rows_in, rows_loaded, started_at, "
        "committed_at) VALUES (?, 'sandbox', ?, ?, ?, ?, now())",
        [batch, table, after - before, after - before, started],
    )
