"""The model layer: raw records turned into clean, joined tables (docs/metrics.md).

Built by the refresh in DuckDB, where the connectors land raw records, with SQL that reads
Stripe's JSON documents. The tables here are small next to the events (one row per account,
per invoice line, per account * product * day of MRR); events stay in raw and are summarised by
``rollups``.
"""

from dataclasses import dataclass
from datetime import date

import duckdb

from greenroom.lib.minor_units import stripe_divisor_sql

# Invoices in these states carry no contracted revenue: drafts can still change (and hold
# paused subscriptions' invoices), void ones were cancelled, uncollectible ones were given up.
EXCLUDED_INVOICE_STATUSES = ("draft", "void", "uncollectible")


class RefreshError(Exception):
    """The raw data cannot be modelled as it stands; the message says what to fix."""


@dataclass(frozen=True)
class Reference:
    """Organisation data the model needs, passed in because the store never reads Django."""

    reporting_currency: str
    products: list[tuple[str, str, str]]  # key, name, owner team
    markets: list[tuple[str, str, str]]  # country code, market, region
    team_products: list[tuple[str, str, str, float]]  # team, product key, area, weight


def _epoch(expression: str) -> str:
    return f"make_timestamp(CAST({expression} AS BIGINT) * 1000000)"


def write_reference(connection: duckdb.DuckDBPyConnection, reference: Reference) -> None:
    """Replace the small reference tables (products, markets, team ownership)."""
    tables = {
        "ref_products": (
            "product_key VARCHAR, name VARCHAR, owner_team VARCHAR",
            reference.products,
        ),
        "ref_markets": ("country VARCHAR, market VARCHAR, region VARCHAR", reference.markets),
        "ref_team_products": (
            "team VARCHAR, product_key VARCHAR, area VARCHAR, weight DOUBLE",
            reference.team_products,
        ),
    }
    for name, (columns, rows) in tables.items():
        connection.execute(f"CREATE OR REPLACE TABLE model.{name} ({columns})")
        if rows:
            placeholders = ", ".join("?" for _ in rows[0])
            connection.executemany(f"INSERT INTO model.{name} VALUES ({placeholders})", rows)


# A Stripe customer's plan when its metadata names none: its newest subscription's first
# item's price, by the price's metadata.plan, else its lookup_key, else the name of its
# product when that product is not one of the organisation's (a catalogue of plans sold as
# products: "Pro", "Team"), else the price's nickname. Prices and products are read from the
# item (Stripe expands the price in a subscription) or from raw.stripe_prices / _products.
SUBSCRIPTION_PLANS = """
    item_prices AS (
        SELECT s.doc->>'$.customer' AS customer_id,
               coalesce(s.doc->>'$.items.data[0].price.id', s.doc->>'$.items.data[0].price',
                        s.doc->>'$.items.data[0].plan.id') AS price_id,
               CASE json_type(s.doc, '$.items.data[0].price')
                    WHEN 'OBJECT' THEN s.doc->'$.items.data[0].price' END AS item_price,
               s.doc->>'$.status' IN ('active', 'trialing', 'past_due') AS live,
               s.created
        FROM raw.stripe_subscriptions s
    ),
    subscription_plans AS (
        SELECT i.customer_id,
               arg_max(
                   coalesce(
                       nullif(coalesce(pr.doc, i.item_price)->>'$.metadata.plan', ''),
                       nullif(coalesce(pr.doc, i.item_price)->>'$.lookup_key', ''),
                       CASE WHEN rp.product_key IS NULL AND rk.product_key IS NULL
                            AND NOT coalesce(pd.doc->>'$.metadata.greenroom_product', '') <> ''
                            THEN nullif(pd.doc->>'$.name', '') END,
                       nullif(coalesce(pr.doc, i.item_price)->>'$.nickname', '')
                   ),
                   (i.live, i.created)
               ) AS plan
        FROM item_prices i
        LEFT JOIN raw.stripe_prices pr ON pr.id = i.price_id
        LEFT JOIN raw.stripe_products pd ON pd.id = coalesce(
            coalesce(pr.doc, i.item_price)->>'$.product.id',
            coalesce(pr.doc, i.item_price)->>'$.product')
        LEFT JOIN model.ref_products rp ON lower(rp.name) = lower(pd.doc->>'$.name')
        LEFT JOIN model.ref_products rk ON rk.product_key = lower(pd.doc->>'$.name')
        WHERE i.customer_id IS NOT NULL AND i.price_id IS NOT NULL
        GROUP BY i.customer_id
    )
"""


def build_accounts(connection: duckdb.DuckDBPyConnection) -> None:
    """model.accounts (one row per account) and model.account_keys (any id → account)."""
    connection.execute(
        f"""
        CREATE OR REPLACE TABLE model.accounts AS
        WITH {SUBSCRIPTION_PLANS},
        crm AS (
            SELECT * FROM raw.crm_accounts
            QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY _loaded_at DESC) = 1
        ),
        cust AS (
            SELECT c.id AS stripe_customer_id,
                   c.doc->>'$.name' AS name,
                   c.doc->>'$.metadata.segment' AS segment,
                   coalesce(nullif(c.doc->>'$.metadata.plan', ''), sp.plan) AS plan,
                   upper(c.doc->>'$.address.country') AS country,
                   coalesce(
                       (SELECT min(k.account_id) FROM crm k WHERE k.stripe_customer_id = c.id),
                       c.doc->>'$.metadata.crm_account_id'
                   ) AS crm_account_id
            FROM raw.stripe_customers c
            LEFT JOIN subscription_plans sp ON sp.customer_id = c.id
        ),
        linked AS (
            SELECT coalesce(crm.account_id, cust.crm_account_id, cust.stripe_customer_id)
                       AS account_id,
                   coalesce(crm.account_id, cust.crm_account_id) AS crm_account_id,
                   coalesce(cust.stripe_customer_id, crm.stripe_customer_id)
                       AS stripe_customer_id,
                   coalesce(crm.name, cust.name) AS name,
                   coalesce(nullif(crm.segment, ''), cust.segment) AS segment,
                   upper(coalesce(nullif(crm.country, ''), cust.country)) AS country,
                   lower(coalesce(nullif(crm.plan, ''), cust.plan)) AS plan
            FROM crm FULL OUTER JOIN cust ON cust.crm_account_id = crm.account_id
        )
        SELECT l.account_id, l.crm_account_id, l.stripe_customer_id, l.name,
               coalesce(l.segment, 'unknown') AS segment,
               l.country,
               coalesce(m.market, 'unknown') AS market,
               coalesce(m.region, 'unknown') AS region,
               coalesce(l.plan, 'unknown') AS plan
        FROM linked l LEFT JOIN model.ref_markets m ON m.country = l.country
        """
    )
    connection.execute(
        """
        CREATE OR REPLACE TABLE model.account_keys AS
        SELECT DISTINCT key, account_id FROM (
            SELECT account_id AS key, account_id FROM model.accounts
            UNION ALL SELECT crm_account_id, account_id FROM model.accounts
            UNION ALL SELECT stripe_customer_id, account_id FROM model.accounts
        ) WHERE key IS NOT NULL
        """
    )


def load_fx(connection: duckdb.DuckDBPyConnection) -> None:
    """The FX rates as a temporary table the builds below join "as of" a date."""
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE fx AS
        SELECT date, lower(currency) AS currency, CAST(rate AS DOUBLE) AS rate
        FROM raw.fx_rates WHERE rate > 0
        """
    )


def build_subscription_lines(connection: duckdb.DuckDBPyConnection) -> None:
    """model.subscription_lines from Stripe invoices and billing files (the refresh reads how
    far billing runs from them before choosing the as-of date of build_revenue)."""
    _build_prices(connection)
    _build_subscription_lines(connection)
    _add_billing_file_lines(connection)


def build_revenue(connection: duckdb.DuckDBPyConnection, *, as_of: date, currency: str) -> None:
    """model.days, model.mrr and model.billings from model.subscription_lines and invoices."""
    _build_days(connection, as_of=as_of)
    _build_mrr(connection, currency=currency.lower())
    _build_billings(connection, currency=currency.lower())


def _build_prices(connection: duckdb.DuckDBPyConnection) -> None:
    # A price's product is an id, or the whole product when the connector expanded it.
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE prices AS
        WITH products AS (
            SELECT p.id AS product_id,
                   coalesce(p.doc->>'$.metadata.greenroom_product', r.product_key, k.product_key)
                       AS product_key
            FROM raw.stripe_products p
            LEFT JOIN model.ref_products r ON lower(r.name) = lower(p.doc->>'$.name')
            LEFT JOIN model.ref_products k ON k.product_key = lower(p.doc->>'$.name')
        )
        SELECT pr.id AS price_id,
               coalesce(pd.product_key, 'unassigned') AS product_key,
               pr.doc->>'$.recurring.interval' AS interval,
               coalesce(CAST(pr.doc->>'$.recurring.interval_count' AS INTEGER), 1)
                   AS interval_count,
               CAST(pr.doc->>'$.unit_amount' AS BIGINT) AS unit_amount
        FROM raw.stripe_prices pr
        LEFT JOIN products pd ON pd.product_id = CASE json_type(pr.doc, '$.product')
            WHEN 'OBJECT' THEN pr.doc->>'$.product.id' ELSE pr.doc->>'$.product' END
        """
    )


# Lines come from raw.stripe_invoice_lines (their invoice is parent_id, or the line's own
# `invoice` field) and from the lines embedded in invoice documents, so either way of
# loading invoices works; the same line id in both is one line. Both Stripe API shapes are
# read: the classic one (line.price, line.subscription, line.proration) and the 2025 one
# (pricing.price_details, parent.*).
_LINE_FIELDS = """
    l.doc->>'$.id' AS line_id,
    coalesce(l.doc->>'$.type', 'subscription') AS type,
    coalesce(l.doc->>'$.subscription',
             l.doc->>'$.parent.subscription_item_details.subscription') AS subscription_id,
    coalesce(CAST(l.doc->>'$.proration' AS BOOLEAN),
             CAST(l.doc->>'$.parent.subscription_item_details.proration' AS BOOLEAN),
             false) AS proration,
    CASE json_type(l.doc, '$.price') WHEN 'OBJECT' THEN l.doc->>'$.price.id'
         ELSE coalesce(l.doc->>'$.price', l.doc->>'$.pricing.price_details.price') END
        AS price_id,
    CASE json_type(l.doc, '$.price') WHEN 'OBJECT' THEN l.doc->'$.price' END AS price_doc,
    -- Only a whole number is an amount: a cast would read 404.3 as 404 and null as no line.
    CASE WHEN json_type(l.doc, '$.amount') IN ('BIGINT', 'UBIGINT')
         THEN CAST(l.doc->>'$.amount' AS BIGINT) END AS amount,
    coalesce(list_sum(CAST(json_extract(l.doc, '$.discount_amounts[*].amount') AS BIGINT[])),
             0) AS discount,
    lower(l.doc->>'$.currency') AS currency,
    coalesce(CAST(l.doc->>'$.quantity' AS BIGINT), 1) AS quantity,
    {start} AS period_start,
    {end} AS period_end
""".format(start=_epoch("l.doc->>'$.period.start'"), end=_epoch("l.doc->>'$.period.end'"))


def _build_subscription_lines(connection: duckdb.DuckDBPyConnection) -> None:
    excluded = ", ".join(f"'{status}'" for status in EXCLUDED_INVOICE_STATUSES)
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE all_lines AS
        SELECT * FROM (
            SELECT coalesce(l.parent_id, l.doc->>'$.invoice') AS invoice_id, 0 AS preference,
                   {_LINE_FIELDS}
            FROM raw.stripe_invoice_lines l
            UNION ALL
            SELECT i.id AS invoice_id, 1 AS preference, {_LINE_FIELDS}
            FROM raw.stripe_invoices i,
                 unnest(CAST(coalesce(json_extract(i.doc, '$.lines.data'), '[]') AS JSON[]))
                     AS l(doc)
        )
        QUALIFY row_number() OVER (PARTITION BY line_id ORDER BY preference) = 1
        """
    )
    # MRR of a line, in the line's currency's minor units, as a monthly amount:
    # - a regular line bills a whole interval: (amount - discounts) / months in the interval;
    #   a trial line has amount 0, so trials carry no MRR;
    # - a proration line covers part of an interval: it stands for the item's full monthly
    #   price, positive (the new price from the change on) or negative (the old price removed),
    #   reduced by the discount share the line carries.
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE counted_lines AS
        WITH lines AS (
            SELECT a.*, i.doc->>'$.status' AS invoice_status,
                   coalesce(i.doc->>'$.customer', s.doc->>'$.customer') AS customer_id,
                   {_epoch("s.doc->>'$.ended_at'")} AS ended_at,
                   coalesce(p.interval, a.price_doc->>'$.recurring.interval') AS interval,
                   coalesce(p.interval_count,
                            CAST(a.price_doc->>'$.recurring.interval_count' AS INTEGER), 1)
                       AS interval_count,
                   coalesce(p.unit_amount, CAST(a.price_doc->>'$.unit_amount' AS BIGINT))
                       AS unit_amount,
                   coalesce(p.product_key, 'unassigned') AS product_key
            FROM all_lines a
            LEFT JOIN raw.stripe_invoices i ON i.id = a.invoice_id
            LEFT JOIN raw.stripe_subscriptions s ON s.id = a.subscription_id
            LEFT JOIN prices p ON p.price_id = a.price_id
            WHERE a.subscription_id IS NOT NULL
              AND (a.type = 'subscription' OR a.proration)
        )
        SELECT *,
               CASE interval
                   WHEN 'month' THEN 1.0 / interval_count
                   WHEN 'year' THEN 1.0 / (12 * interval_count)
                   WHEN 'week' THEN 52.0 / (12 * interval_count)
                   WHEN 'day' THEN 365.0 / (12 * interval_count)
               END AS monthly_factor,
               CASE WHEN proration THEN sign(amount) * quantity * unit_amount
                    ELSE amount END AS list_amount
        FROM lines
        WHERE interval IS NOT NULL
          AND coalesce(invoice_status, '') NOT IN ({excluded})
        """
    )
    _refuse_lines_without_amount(connection)
    connection.execute(
        """
        CREATE OR REPLACE TABLE model.subscription_lines AS
        SELECT f.line_id, f.invoice_id, f.subscription_id, f.customer_id,
               coalesce(k.account_id, f.customer_id) AS account_id,
               f.product_key, f.currency, f.quantity, f.proration,
               f.period_start,
               CASE WHEN f.ended_at < f.period_end THEN f.ended_at ELSE f.period_end END
                   AS period_end,
               f.list_amount * f.monthly_factor AS list_mrr_minor,
               CASE WHEN f.amount = 0 THEN 0
                    ELSE f.list_amount * (1 - f.discount / abs(f.amount)) * f.monthly_factor
               END AS mrr_minor
        FROM counted_lines f
        LEFT JOIN model.account_keys k ON k.key = f.customer_id
        WHERE f.list_amount IS NOT NULL
        """
    )


def _add_billing_file_lines(connection: duckdb.DuckDBPyConnection) -> None:
    """Billing exported by any system (raw.billing_subscription_lines, raw.billing_charges)
    as lines of model.subscription_lines, with the same meaning as a Stripe line.

    Their amounts are major units; a line's MRR is kept in the currency's minor units like
    Stripe's, so the MRR build divides every line the same way. A subscription line is in
    force from its start to the day before its end (open: to the end of time), at
    (amount * quantity - discount) a month, scaled by its interval; a charge covers the month
    from its period's start, and is that month's MRR. The customer column joins accounts as a
    Stripe customer id does (model.account_keys: a CRM account id, or the CRM's billing
    customer id); a plan joins products by key or name, else stays the product key itself.
    """
    connection.execute(
        f"""
        INSERT INTO model.subscription_lines
        WITH file_lines AS (
            SELECT 'file:' || line_id AS line_id, subscription_id, customer, plan,
                   lower(currency) AS currency, quantity,
                   CAST(start_date AS TIMESTAMP) AS period_start,
                   CAST(coalesce(end_date, DATE '9999-12-31') AS TIMESTAMP) AS period_end,
                   CAST(amount AS DOUBLE) * quantity AS list_amount,
                   CAST(amount AS DOUBLE) * quantity - CAST(discount AS DOUBLE) AS net_amount,
                   CASE interval_unit
                       WHEN 'month' THEN 1.0 / interval_count
                       WHEN 'year' THEN 1.0 / (12 * interval_count)
                       WHEN 'week' THEN 52.0 / (12 * interval_count)
                       WHEN 'day' THEN 365.0 / (12 * interval_count)
                   END AS monthly_factor
            FROM raw.billing_subscription_lines
            UNION ALL
            SELECT 'file:' || charge_id, customer || '|' || plan || '|' || currency, customer,
                   plan, lower(currency), 1, CAST(period_start AS TIMESTAMP),
                   CAST(period_start + INTERVAL 1 MONTH AS TIMESTAMP),
                   CAST(amount AS DOUBLE), CAST(amount AS DOUBLE), 1.0
            FROM raw.billing_charges
        ),
        unit AS (
            -- The MRR build divides every line by Stripe's minor unit of its currency.
            SELECT *, {stripe_divisor_sql("currency")} AS minor_per_major
            FROM file_lines
        )
        SELECT u.line_id, NULL AS invoice_id, u.subscription_id, u.customer AS customer_id,
               coalesce(k.account_id, u.customer) AS account_id,
               coalesce(r.product_key, n.product_key, nullif(lower(u.plan), ''), 'unassigned')
                   AS product_key,
               u.currency, u.quantity, false AS proration, u.period_start, u.period_end,
               u.list_amount * u.minor_per_major * u.monthly_factor AS list_mrr_minor,
               u.net_amount * u.minor_per_major * u.monthly_factor AS mrr_minor
        FROM unit u
        LEFT JOIN model.account_keys k ON k.key = u.customer
        LEFT JOIN model.ref_products r ON r.product_key = lower(u.plan)
        LEFT JOIN model.ref_products n ON lower(n.name) = lower(u.plan)
        """
    )


def _refuse_lines_without_amount(connection: duckdb.DuckDBPyConnection) -> None:
    # A counted line without a whole-number amount cannot be left out: its subscription would
    # show as churned that month and reactivated the next. The connectors refuse such lines;
    # this catches ones loaded before they did.
    missing = connection.execute(
        """
        SELECT count(*), string_agg(line_id || ' (invoice ' || coalesce(invoice_id, '?') || ')',
                                    ', ' ORDER BY line_id) FILTER (WHERE rank <= 3)
        FROM (SELECT *, row_number() OVER (ORDER BY line_id) AS rank
              FROM counted_lines WHERE amount IS NULL)
        """
    ).fetchone()
    if missing[0]:
        raise RefreshError(
            f"{missing[0]} subscription invoice lines have no whole-number amount (missing, "
            f"null or fractional), e.g. {missing[1]}: Stripe amounts are integers in the "
            "currency's minor unit. Load the invoices again from Stripe or fix the file."
        )


def _build_days(connection: duckdb.DuckDBPyConnection, *, as_of: date) -> None:
    # Each day is read at its end (the next day's first instant); today is read at as_of's end.
    connection.execute(
        """
        CREATE OR REPLACE TABLE model.days AS
        WITH bounds AS (
            SELECT date_trunc('month', min(period_start))::DATE AS first_day
            FROM model.subscription_lines
        )
        SELECT CAST(d AS DATE) AS day, (d + INTERVAL 1 DAY)::TIMESTAMP AS snapshot_at
        FROM bounds, range(bounds.first_day, CAST($as_of AS DATE) + INTERVAL 1 DAY,
                           INTERVAL 1 DAY) AS r(d)
        WHERE bounds.first_day IS NOT NULL
        """,
        {"as_of": as_of},
    )


def _build_mrr(connection: duckdb.DuckDBPyConnection, *, currency: str) -> None:
    # A line counts on day d when it is in force at d's end: from the day its period starts
    # to the day before its period ends. Summing +value on the first day and -value on the
    # day after the last gives each account, product and currency a few constant stretches,
    # unrolled into one row per day (a range join of lines and days is far slower).
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE mrr_steps AS
        SELECT account_id, product_key, currency, day,
               sum(lines) AS lines, sum(mrr_minor) AS mrr_minor,
               sum(list_mrr_minor) AS list_mrr_minor, sum(quantity) AS quantity
        FROM (
            SELECT account_id, product_key, currency, CAST(period_start AS DATE) AS day,
                   1 AS lines, mrr_minor, list_mrr_minor,
                   CASE WHEN proration THEN 0 ELSE quantity END AS quantity
            FROM model.subscription_lines
            WHERE CAST(period_end AS DATE) > CAST(period_start AS DATE)
            UNION ALL
            SELECT account_id, product_key, currency, CAST(period_end AS DATE),
                   -1, -mrr_minor, -list_mrr_minor,
                   CASE WHEN proration THEN 0 ELSE -quantity END
            FROM model.subscription_lines
            WHERE CAST(period_end AS DATE) > CAST(period_start AS DATE)
        )
        GROUP BY ALL
        """
    )
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE mrr_local AS
        WITH levels AS (
            SELECT account_id, product_key, currency, day AS first_day,
                   coalesce(lead(day) OVER unit - 1, (SELECT max(day) FROM model.days))
                       AS last_day,
                   sum(lines) OVER running AS lines,
                   -- Rounded so that a line ending cancels its start exactly.
                   round(sum(mrr_minor) OVER running, 6) AS mrr_minor,
                   round(sum(list_mrr_minor) OVER running, 6) AS list_mrr_minor,
                   sum(quantity) OVER running AS quantity
            FROM mrr_steps
            WINDOW unit AS (PARTITION BY account_id, product_key, currency ORDER BY day),
                   running AS (unit ROWS UNBOUNDED PRECEDING)
        )
        SELECT account_id, product_key, currency, mrr_minor, list_mrr_minor, quantity,
               CAST(unnest(range(first_day,
                                 least(last_day, (SELECT max(day) FROM model.days)) + 1,
                                 INTERVAL 1 DAY)) AS DATE) AS day
        FROM levels
        WHERE lines > 0 AND first_day <= (SELECT max(day) FROM model.days)
        """
    )
    # One rate per currency and day (the latest on or before it), joined by equality.
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE fx_days AS
        SELECT c.currency, d.day, fx.rate
        FROM (SELECT DISTINCT currency FROM mrr_local WHERE currency <> $reporting) c
        CROSS JOIN model.days d
        ASOF LEFT JOIN fx ON fx.currency = c.currency AND fx.date <= d.day
        """,
        {"reporting": currency},
    )
    missing = connection.execute(
        """
        SELECT x.currency, min(x.day) FROM mrr_local x
        JOIN fx_days f ON f.currency = x.currency AND f.day = x.day
        WHERE f.rate IS NULL GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    if missing:
        detail = "; ".join(f"{code.upper()} on or before {day}" for code, day in missing)
        raise RefreshError(f"raw.fx_rates has no rate for {detail}: load FX rates first.")
    # An account's MRR in a product is never below zero: credit lines (negative amounts)
    # that outweigh what the account pays for the product leave it at zero, and the part
    # below zero is kept apart as credit_mrr (docs/metrics.md, "Credits"). So every unit is
    # either paying (MRR > 0) or paying nothing (MRR = 0), and the five movements always add
    # up to the change in MRR. Rounded first so that lines cancelling exactly give 0.
    connection.execute(
        f"""
        CREATE OR REPLACE TABLE model.mrr AS
        SELECT day, account_id, product_key,
               greatest(net_mrr, 0) AS mrr,
               greatest(net_list_mrr, 0) AS list_mrr,
               quantity,
               least(net_mrr, 0) AS credit_mrr
        FROM (
            SELECT x.day, x.account_id, x.product_key,
                   round(sum(x.mrr_minor / unit / rate), 9) AS net_mrr,
                   round(sum(x.list_mrr_minor / unit / rate), 9) AS net_list_mrr,
                   sum(x.quantity) AS quantity
            FROM (
                SELECT x.*, {stripe_divisor_sql("x.currency")} AS unit,
                       coalesce(f.rate, 1.0) AS rate
                FROM mrr_local x
                LEFT JOIN fx_days f ON f.currency = x.currency AND f.day = x.day
            ) x
            GROUP BY ALL
        )
        """
    )


def _build_billings(connection: duckdb.DuckDBPyConnection, *, currency: str) -> None:
    # Billings are what was invoiced (finalised invoices) less credit notes, on the day each
    # was issued: refunds and credit notes change billings, never MRR.
    connection.execute(
        f"""
        CREATE OR REPLACE TABLE model.billings AS
        WITH documents AS (
            SELECT i.doc->>'$.customer' AS customer_id, {_epoch("i.doc->>'$.created'")} AS at,
                   lower(i.doc->>'$.currency') AS currency,
                   CAST(i.doc->>'$.total' AS BIGINT) AS amount, 'invoice' AS kind
            FROM raw.stripe_invoices i
            WHERE i.doc->>'$.status' IN ('open', 'paid')
            UNION ALL
            SELECT c.doc->>'$.customer', {_epoch("c.doc->>'$.created'")},
                   lower(c.doc->>'$.currency'), -CAST(c.doc->>'$.total' AS BIGINT), 'credit_note'
            FROM raw.stripe_credit_notes c
            WHERE coalesce(c.doc->>'$.status', 'issued') = 'issued'
        ),
        dated AS (
            SELECT d.*, CAST(d.at AS DATE) AS day, CAST(d.at AS DATE) AS rate_date
            FROM documents d
        )
        SELECT d.day, coalesce(k.account_id, d.customer_id) AS account_id, d.kind,
               sum(d.amount / {stripe_divisor_sql("d.currency")}
                   / CASE WHEN d.currency = $reporting THEN 1.0 ELSE fx.rate END) AS amount
        FROM dated d
        ASOF LEFT JOIN fx ON fx.currency = d.currency AND fx.date <= d.rate_date
        LEFT JOIN model.account_keys k ON k.key = d.customer_id
        GROUP BY ALL
        """,
        {"reporting": currency},
    )


def build_team_costs(connection: duckdb.DuckDBPyConnection, *, as_of: date, currency: str) -> None:
    """model.team_costs: per month and team, FTE at month end, people cost and ledger cost.

    People cost is the annual loaded cost ÷ 12, pro rata to the days employed in the month;
    ledger (GL) costs count in the month they are dated. Both are converted at the rate of the
    month's last day.
    """
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE cost_months AS
        WITH bounds AS (
            SELECT least((SELECT min(start_date) FROM raw.headcount),
                         (SELECT min(date) FROM raw.costs)) AS first_day
        )
        SELECT CAST(m AS DATE) AS month,
               CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS last_day
        FROM bounds, range(date_trunc('month', bounds.first_day),
                           date_trunc('month', CAST($as_of AS DATE)) + INTERVAL 1 DAY,
                           INTERVAL 1 MONTH) AS r(m)
        WHERE bounds.first_day IS NOT NULL
        """,
        {"as_of": as_of},
    )
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE people_months AS
        WITH people AS (
            SELECT * FROM raw.headcount
            QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY _loaded_at DESC) = 1
        )
        SELECT m.month, m.last_day AS rate_date, p.team, lower(p.currency) AS currency,
               sum(CASE WHEN p.start_date <= m.last_day
                         AND (p.end_date IS NULL OR p.end_date >= m.last_day)
                        THEN 1 ELSE 0 END) AS fte,
               sum(CAST(p.annual_loaded_cost AS DOUBLE) / 12
                   * (least(coalesce(p.end_date, m.last_day), m.last_day)
                      - greatest(p.start_date, m.month) + 1)
                   / (m.last_day - m.month + 1)) AS cost
        FROM cost_months m JOIN people p
          ON p.start_date <= m.last_day AND (p.end_date IS NULL OR p.end_date >= m.month)
        GROUP BY ALL
        """
    )
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE ledger_months AS
        SELECT CAST(date_trunc('month', date) AS DATE) AS month,
               CAST(date_trunc('month', date) + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
                   AS rate_date,
               cost_centre AS team, lower(currency) AS currency,
               sum(CAST(amount AS DOUBLE)) AS cost
        FROM (SELECT * FROM raw.costs
              QUALIFY row_number() OVER (PARTITION BY entry_id ORDER BY _loaded_at DESC) = 1)
        GROUP BY ALL
        """
    )
    for table in ("people_months", "ledger_months"):
        missing = connection.execute(
            f"""
            SELECT x.currency, min(x.rate_date) FROM {table} x
            ASOF LEFT JOIN fx ON fx.currency = x.currency AND fx.date <= x.rate_date
            WHERE x.currency <> $reporting AND fx.rate IS NULL GROUP BY 1 ORDER BY 1
            """,
            {"reporting": currency},
        ).fetchall()
        if missing:
            detail = "; ".join(f"{code.upper()} on or before {day}" for code, day in missing)
            raise RefreshError(f"raw.fx_rates has no rate for {detail}: load FX rates first.")
    connection.execute(
        """
        CREATE OR REPLACE TABLE model.team_costs AS
        WITH converted AS (
            SELECT x.month, x.team, x.fte, x.cost / fx_rate AS people_cost, 0.0 AS ledger_cost
            FROM (SELECT p.*, CASE WHEN p.currency = $reporting THEN 1.0 ELSE fx.rate END
                         AS fx_rate
                  FROM people_months p
                  ASOF LEFT JOIN fx ON fx.currency = p.currency AND fx.date <= p.rate_date) x
            UNION ALL
            SELECT x.month, x.team, 0, 0.0, x.cost / fx_rate
            FROM (SELECT l.*, CASE WHEN l.currency = $reporting THEN 1.0 ELSE fx.rate END
                         AS fx_rate
                  FROM ledger_months l
                  ASOF LEFT JOIN fx ON fx.currency = l.currency AND fx.date <= l.rate_date) x
        )
        SELECT month, team, CAST(sum(fte) AS DOUBLE) AS fte, sum(people_cost) AS people_cost,
               sum(ledger_cost) AS ledger_cost
        FROM converted GROUP BY ALL
        """,
        {"reporting": currency},
    )
