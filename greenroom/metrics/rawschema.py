"""The analytics store's raw and meta tables (docs/analytics-store.md): the contract between
the connectors, which write the raw layer, and the metrics refresh, which reads it.

Defined once, here in the lower app: greenroom.sources imports it, and the refresh creates
any table a store does not have yet (an empty store refreshes to empty models).
"""

import re

BOOKKEEPING = "_source VARCHAR, _batch VARCHAR, _loaded_at TIMESTAMPTZ"
DOCUMENT = "id VARCHAR, parent_id VARCHAR, created TIMESTAMP, doc JSON"

STRIPE_TABLES: dict[str, str] = {
    "customer": "stripe_customers",
    "product": "stripe_products",
    "price": "stripe_prices",
    "subscription": "stripe_subscriptions",
    "subscription_item": "stripe_subscription_items",
    "invoice": "stripe_invoices",
    "line_item": "stripe_invoice_lines",
    "credit_note": "stripe_credit_notes",
}

# table → (column definitions, natural key)
RAW_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    **{table: (DOCUMENT, ("id",)) for table in STRIPE_TABLES.values()},
    "events": (
        "event_id VARCHAR, event VARCHAR, user_id VARCHAR, anonymous_id VARCHAR, "
        "account_id VARCHAR, product_key VARCHAR, feature VARCHAR, occurred_at TIMESTAMPTZ, "
        "received_at TIMESTAMPTZ, properties JSON, source_format VARCHAR",
        ("event_id",),
    ),
    "identities": (
        "message_id VARCHAR, user_id VARCHAR, account_id VARCHAR, traits JSON, seen_at TIMESTAMPTZ",
        ("message_id",),
    ),
    "costs": (
        "entry_id VARCHAR, date DATE, account VARCHAR, cost_centre VARCHAR, "
        "amount DECIMAL(18,2), currency VARCHAR(3), description VARCHAR",
        ("entry_id",),
    ),
    "headcount": (
        "person_id VARCHAR, name VARCHAR, team VARCHAR, role VARCHAR, start_date DATE, "
        "end_date DATE, annual_loaded_cost DECIMAL(18,2), currency VARCHAR(3)",
        ("person_id",),
    ),
    "crm_accounts": (
        "account_id VARCHAR, name VARCHAR, domain VARCHAR, segment VARCHAR, industry VARCHAR, "
        "country VARCHAR, owner VARCHAR, plan VARCHAR, arr DECIMAL(18,2), currency VARCHAR(3), "
        "stripe_customer_id VARCHAR, employees BIGINT, annual_revenue DECIMAL(18,2), "
        "crm VARCHAR",
        ("account_id",),
    ),
    "fx_rates": ("date DATE, currency VARCHAR(3), rate DECIMAL(18,8)", ("date", "currency")),
    # Billing from any system (sources/connectors/billing.py): amounts in major units.
    "billing_subscription_lines": (
        "line_id VARCHAR, subscription_id VARCHAR, customer VARCHAR, plan VARCHAR, "
        "amount DECIMAL(18,4), currency VARCHAR(3), interval_unit VARCHAR, interval_count INTEGER, "
        "start_date DATE, end_date DATE, quantity INTEGER, discount DECIMAL(18,4)",
        ("line_id",),
    ),
    "billing_charges": (
        "charge_id VARCHAR, customer VARCHAR, plan VARCHAR, period_start DATE, "
        "amount DECIMAL(18,4), currency VARCHAR(3)",
        ("charge_id",),
    ),
}

META_COLUMNS = {
    "batches": (
        "batch VARCHAR, source VARCHAR, table_name VARCHAR, rows_in BIGINT, rows_loaded BIGINT, "
        "started_at TIMESTAMPTZ, committed_at TIMESTAMPTZ, cursor VARCHAR, rows_rejected BIGINT"
    ),
    "rejected_rows": (
        'batch VARCHAR, source VARCHAR, table_name VARCHAR, file VARCHAR, "row" BIGINT, '
        "field VARCHAR, reason VARCHAR, record VARCHAR, rejected_at TIMESTAMPTZ"
    ),
    "refreshes": (
        "refresh_id VARCHAR, mode VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, "
        "as_of DATE, batches VARCHAR[], rebuilt VARCHAR[], days_rebuilt BIGINT"
    ),
}
META_DDL = [
    *(f"CREATE SCHEMA IF NOT EXISTS {schema}" for schema in ("raw", "meta", "model", "rollup")),
    *(f"CREATE TABLE IF NOT EXISTS meta.{name} ({cols})" for name, cols in META_COLUMNS.items()),
]


def columns_of(table: str) -> list[str]:
    """The business columns of a raw table, in order."""
    return [part.split(" ")[0] for part in _split(RAW_TABLES[table][0])]


def ensure_raw_and_meta(conn) -> None:
    """Create the raw and meta schemas and tables that do not exist yet, and add columns
    this version writes to tables created by an older one (or by the metrics refresh from
    the contract's minimum). Only ever adds: readers name the columns they read."""
    for statement in META_DDL:
        conn.execute(statement)
    for table, (columns, _key) in RAW_TABLES.items():
        conn.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({columns}, {BOOKKEEPING})")
    existing = set(
        conn.execute(
            "SELECT table_schema || '.' || table_name || '.' || column_name "
            "FROM information_schema.columns WHERE table_schema IN ('raw', 'meta')"
        ).fetchall()
    )
    existing = {row[0] for row in existing}
    for qualified, definition in _all_columns():
        if qualified not in existing:
            table, column = qualified.rsplit(".", 1)
            conn.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {definition}")


def _all_columns() -> list[tuple[str, str]]:
    found = []
    for table, (columns, _key) in RAW_TABLES.items():
        for part in _split(f"{columns}, {BOOKKEEPING}"):
            name, definition = part.split(" ", 1)
            found.append((f"raw.{table}.{name}", definition))
    for table, columns in META_COLUMNS.items():
        for part in _split(columns):
            name, definition = part.split(" ", 1)
            found.append((f"meta.{table}.{name.strip(chr(34))}", definition))
    return found


def _split(columns: str) -> list[str]:
    # Commas outside parentheses: DECIMAL(18,2) is one column.
    return [part.strip() for part in re.split(r",(?![^()]*\))", columns)]
