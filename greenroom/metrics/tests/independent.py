"""An independent computation of the metrics: one hand-written DuckDB query per metric, straight
from the raw tables, sharing no code with the model, rollups or Ibis definitions.

Used twice: the test on generated data (every metric must match) and the benchmark (the
metrics layer must stay within a small factor of this hand-written SQL).
"""

from datetime import date

# Month-end MRR per account and product, from invoice lines, written afresh.
_MRR = """
WITH lines AS (
    SELECT i.doc->>'customer' AS customer, l.value AS line
    FROM raw.stripe_invoices i, json_each(i.doc, '$.lines.data') l
    WHERE i.doc->>'status' IN ('paid', 'open')
),
parsed AS (
    SELECT coalesce(c.doc->>'$.metadata.crm_account_id', l.customer) AS account,
           coalesce(p.doc->>'$.metadata.greenroom_product', 'unassigned') AS product,
           CAST(l.line->>'proration' AS BOOLEAN) AS proration,
           CAST(l.line->>'amount' AS BIGINT) AS amount,
           CAST(l.line->>'quantity' AS BIGINT) AS quantity,
           CAST(l.line->'price'->>'unit_amount' AS BIGINT) AS unit_amount,
           l.line->'price'->'recurring'->>'interval' AS interval,
           CAST(l.line->'price'->'recurring'->>'interval_count' AS INTEGER) AS interval_count,
           lower(l.line->>'currency') AS currency,
           epoch_ms(CAST(l.line->'period'->>'start' AS BIGINT) * 1000) AS period_start,
           least(epoch_ms(CAST(l.line->'period'->>'end' AS BIGINT) * 1000),
                 coalesce(epoch_ms(CAST(s.doc->>'ended_at' AS BIGINT) * 1000),
                          TIMESTAMP '9999-01-01')) AS period_end,
           coalesce(list_sum(CAST(json_extract(l.line, '$.discount_amounts[*].amount')
                                  AS BIGINT[])), 0) AS discount
    FROM lines l
    LEFT JOIN raw.stripe_customers c ON c.id = l.customer
    LEFT JOIN raw.stripe_subscriptions s ON s.id = (l.line->>'subscription')
    LEFT JOIN raw.stripe_prices pr ON pr.id = (l.line->'price'->>'id')
    LEFT JOIN raw.stripe_products p ON p.id = (pr.doc->>'product')
    WHERE l.line->>'subscription' IS NOT NULL
      AND (l.line->>'type' = 'subscription' OR CAST(l.line->>'proration' AS BOOLEAN))
),
months AS (
    SELECT CAST(m AS DATE) AS month,
           least(m + INTERVAL 1 MONTH, DATE '{as_of}' + INTERVAL 1 DAY) AS at
    FROM range((SELECT date_trunc('month', min(period_start)) FROM parsed),
               DATE '{as_of}' + INTERVAL 1 DAY, INTERVAL 1 MONTH) r(m)
),
monthly AS (
    SELECT m.month, p.account, p.product, p.currency,
           sum((CASE WHEN p.proration THEN sign(p.amount) * p.quantity * p.unit_amount
                     ELSE p.amount END)
               * (CASE WHEN p.amount = 0 THEN 0 ELSE 1 - p.discount / abs(p.amount) END)
               / (CASE p.interval WHEN 'year' THEN 12 ELSE 1 END * p.interval_count)
               / 100) AS local_mrr,
           CAST(m.at - INTERVAL 1 DAY AS DATE) AS rate_day
    FROM months m JOIN parsed p ON p.period_start < m.at AND p.period_end >= m.at
    GROUP BY ALL
),
mrr AS (
    SELECT month, account, product,
           sum(local_mrr / CASE WHEN currency = 'usd' THEN 1 ELSE (
               SELECT CAST(rate AS DOUBLE) FROM raw.fx_rates f
               WHERE lower(f.currency) = monthly.currency AND f.date <= monthly.rate_day
               ORDER BY f.date DESC LIMIT 1) END) AS mrr
    FROM monthly GROUP BY ALL
),
per_account AS (SELECT month, account, round(sum(mrr), 6) AS mrr FROM mrr GROUP BY ALL),
dense AS (
    SELECT m.month, a.account, coalesce(p.mrr, 0) AS mrr
    FROM (SELECT account, min(month) AS first FROM per_account GROUP BY 1) a
    JOIN months m ON m.month >= a.first
    LEFT JOIN per_account p ON p.account = a.account AND p.month = m.month
),
series AS (
    SELECT *, coalesce(lag(mrr) OVER w, 0) AS prev,
           coalesce(sum(CASE WHEN mrr > 0 THEN 1 ELSE 0 END) OVER (
               PARTITION BY account ORDER BY month
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS paid_before
    FROM dense WINDOW w AS (PARTITION BY account ORDER BY month)
)
"""

_EVENTS = """
WITH events AS (
    SELECT DISTINCT event_id, coalesce(user_id, 'anon:' || anonymous_id) AS user_key,
           account_id, coalesce(product_key, 'unassigned') AS product, feature,
           CAST(timezone('UTC', occurred_at) AS DATE) AS day
    FROM raw.events WHERE coalesce(user_id, anonymous_id) IS NOT NULL
)
"""

QUERIES = {
    "mrr": _MRR + "SELECT month AS period, round(sum(mrr), 6) AS value FROM mrr GROUP BY 1",
    "mrr_movements": _MRR
    + """
        SELECT month AS period,
               round(sum(CASE WHEN prev = 0 AND mrr > 0 AND paid_before = 0 THEN mrr ELSE 0 END),
                     6) AS new,
               round(sum(CASE WHEN prev = 0 AND mrr > 0 AND paid_before > 0 THEN mrr ELSE 0 END),
                     6) AS reactivation,
               round(sum(CASE WHEN prev > 0 AND mrr > prev THEN mrr - prev ELSE 0 END), 6)
                   AS expansion,
               round(sum(CASE WHEN prev > 0 AND mrr > 0 AND mrr < prev THEN mrr - prev ELSE 0 END),
                     6) AS contraction,
               round(sum(CASE WHEN prev > 0 AND mrr = 0 THEN -prev ELSE 0 END), 6) AS churn,
               round(sum(mrr - prev), 6) AS value
        FROM series GROUP BY 1""",
    "nrr": _MRR
    + """
        SELECT month AS period, round(sum(mrr) / sum(prev), 6) AS value
        FROM series WHERE prev > 0 GROUP BY 1""",
    "grr": _MRR
    + """
        SELECT month AS period, round(sum(least(mrr, prev)) / sum(prev), 6) AS value
        FROM series WHERE prev > 0 GROUP BY 1""",
    "logo_churn": _MRR
    + """
        SELECT month AS period, round(count(*) FILTER (WHERE mrr = 0) / count(*), 6) AS value
        FROM series WHERE prev > 0 GROUP BY 1""",
    "paying_accounts": _MRR
    + """
        SELECT month AS period, count(*) AS value FROM per_account WHERE mrr > 0 GROUP BY 1""",
    "arpa": _MRR
    + """
        SELECT month AS period, round(round(sum(mrr), 6) / count(*), 6) AS value
        FROM per_account WHERE mrr > 0 GROUP BY 1""",
    "mau": _EVENTS
    + """
        SELECT date_trunc('month', day)::DATE AS period, product, count(DISTINCT user_key) AS value
        FROM events GROUP BY 1, 2""",
    "dau": _EVENTS
    + """
        SELECT day AS period, count(DISTINCT user_key) AS value FROM events GROUP BY 1""",
    "wau": _EVENTS
    + """
        SELECT date_trunc('week', day)::DATE AS period, count(DISTINCT user_key) AS value
        FROM events GROUP BY 1""",
    "active_accounts": _EVENTS
    + """
        SELECT date_trunc('month', day)::DATE AS period, count(DISTINCT account_id) AS value
        FROM events WHERE account_id IS NOT NULL GROUP BY 1""",
    "events": _EVENTS
    + """
        SELECT date_trunc('month', day)::DATE AS period, count(*) AS value
        FROM events GROUP BY 1""",
    "stickiness": _EVENTS
    + """,
        daily AS (SELECT day, count(DISTINCT user_key) AS dau FROM events GROUP BY 1),
        monthly AS (SELECT date_trunc('month', day)::DATE AS period,
                           count(DISTINCT user_key) AS mau FROM events GROUP BY 1)
        SELECT m.period, round(round(avg(d.dau), 6) / m.mau, 6) AS value
        FROM daily d JOIN monthly m ON m.period = date_trunc('month', d.day)
        GROUP BY m.period, m.mau""",
    "feature_adoption": _EVENTS
    + """,
        active AS (SELECT date_trunc('month', day)::DATE AS period, product,
                          count(DISTINCT account_id) AS n
                   FROM events WHERE account_id IS NOT NULL GROUP BY 1, 2)
        SELECT f.period, f.product, f.feature, round(f.n / a.n, 6) AS value FROM (
            SELECT date_trunc('month', day)::DATE AS period, product, feature,
                   count(DISTINCT account_id) AS n
            FROM events WHERE account_id IS NOT NULL AND feature IS NOT NULL GROUP BY 1, 2, 3
        ) f JOIN active a USING (period, product)""",
    "user_retention": _EVENTS
    + """,
        weeks AS (SELECT DISTINCT user_key, date_trunc('week', day)::DATE AS week FROM events),
        firsts AS (SELECT user_key, min(week) AS cohort FROM weeks GROUP BY 1),
        counts AS (SELECT f.cohort, (w.week - f.cohort) // 7 AS weeks_since, count(*) AS n
                   FROM weeks w JOIN firsts f USING (user_key) GROUP BY 1, 2)
        SELECT c.cohort AS period, c.weeks_since, round(c.n / s.n, 6) AS value
        FROM counts c JOIN counts s ON s.cohort = c.cohort AND s.weeks_since = 0""",
}

# How to ask the metrics layer for the same numbers: (metric, by, grain).
EQUIVALENT = {
    "mrr": ("mrr", (), "month"),
    "mrr_movements": ("mrr_movements", (), "month"),
    "nrr": ("nrr", (), "month"),
    "grr": ("grr", (), "month"),
    "logo_churn": ("logo_churn", (), "month"),
    "paying_accounts": ("paying_accounts", (), "month"),
    "arpa": ("arpa", (), "month"),
    "mau": ("mau", ("product",), "month"),
    "dau": ("dau", (), "day"),
    "wau": ("wau", (), "week"),
    "active_accounts": ("active_accounts", (), "month"),
    "events": ("events", (), "month"),
    "stickiness": ("stickiness", (), "month"),
    "feature_adoption": ("feature_adoption", (), "month"),
    "user_retention": ("user_retention", (), "week"),
}


def compute(connection, name: str, as_of: date) -> list[dict]:
    """Run the hand-written query for ``name`` and return its rows as dicts."""
    cursor = connection.execute(QUERIES[name].format(as_of=as_of.isoformat()))
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# Columns that are numbers to compare rather than keys.
PARTS = ("new", "reactivation", "expansion", "contraction", "churn")


def comparable(rows: list[dict], columns: tuple[str, ...], part: str = "value") -> dict:
    """Rows keyed by ``columns``, the number in ``part`` rounded for comparison."""
    return {tuple(row[c] for c in columns): round(float(row[part] or 0), 4) for row in rows}
