"""The refresh: raw → model → rollup, in one writer, recording what it did in meta.refreshes.

A full refresh rebuilds everything. An incremental one reads ``meta.batches`` for batches no
earlier refresh consumed, rebuilds the billing model only if billing, CRM or FX batches
arrived (it is small) or the revenue as-of date moved, and rebuilds activity only for the
days the new event batches touched.

Metrics are computed as of the data's end, per family (``coverage``), unless an as-of date is
given.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb

from greenroom.metrics import coverage, model, rollups, summaries
from greenroom.metrics.rawschema import ensure_raw_and_meta

logger = logging.getLogger(__name__)

# Raw tables whose new batches mean the billing model must be rebuilt.
_BILLING_TABLES = {
    "stripe_customers",
    "stripe_products",
    "stripe_prices",
    "stripe_subscriptions",
    "stripe_subscription_items",
    "stripe_invoices",
    "stripe_invoice_lines",
    "stripe_credit_notes",
    "crm_accounts",
    "fx_rates",
    "billing_subscription_lines",
    "billing_charges",
}
# Bumped when the shape of model or rollup tables changes: the next refresh is then full.
MODEL_VERSION = "6"


@dataclass
class RefreshReport:
    """What a refresh did."""

    refresh_id: str
    mode: str
    batches: list[str] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)
    days_rebuilt: int = 0
    data_coverage: coverage.Coverage | None = None


def refresh_connection(
    connection: duckdb.DuckDBPyConnection,
    *,
    reference: model.Reference,
    as_of: date | None = None,
    full: bool = False,
    progress: Callable[[str], None] = logger.info,
) -> RefreshReport:
    """The refresh, on an open writer connection (metrics.services holds the writer and
    publishes the result; tests and the benchmark pass their own connection). Without
    ``as_of``, each family of metrics is computed as of the end of its data."""
    started = datetime.now(UTC)
    ensure_raw_and_meta(connection)
    new_batches = _unconsumed_batches(connection)
    full = full or not _has_full_refresh(connection)
    report = RefreshReport(uuid.uuid4().hex[:12], "full" if full else "incremental")
    report.batches = sorted({batch for batch, _ in new_batches})
    changed_tables = {table for _, table in new_batches}
    connection.execute("BEGIN TRANSACTION")
    try:
        progress("Reference tables (products, markets, team ownership)")
        model.write_reference(connection, reference)
        if not full:
            _keep_account_slices(connection)
        model.build_accounts(connection)
        accounts_moved = not full and _account_slices_moved(connection)
        model.load_fx(connection)
        report.rebuilt.append("model.accounts")
        billing_changed = full or bool(changed_tables & _BILLING_TABLES)
        if billing_changed:
            model.build_subscription_lines(connection)
        previous = coverage.recorded(connection)
        measured = coverage.measure(connection, today=started.date(), forced=as_of)
        report.data_coverage = measured
        progress(_describe(measured))
        if billing_changed or _moved(previous, measured, "revenue"):
            progress("Revenue: subscription lines, MRR per account per day, billings")
            model.build_revenue(
                connection,
                as_of=measured.as_ofs["revenue"],
                currency=reference.reporting_currency,
            )
            summaries.build_revenue_series(connection)
            report.rebuilt += [
                "model.subscription_lines",
                "model.mrr",
                "model.billings",
                "rollup.revenue_accounts",
                "rollup.revenue_account_products",
            ]
        if (
            full
            or changed_tables & {"costs", "headcount", "fx_rates"}
            or _moved(previous, measured, "cost")
        ):
            progress("Cost and headcount per team and month")
            model.build_team_costs(
                connection,
                as_of=measured.as_ofs["cost"],
                currency=reference.reporting_currency.lower(),
            )
            report.rebuilt.append("model.team_costs")
        if full:
            progress("Activity rollups: all days")
            report.days_rebuilt = rollups.build_full(connection)
            summaries.build_active_counts(connection)
            summaries.build_usage_ratios(connection)
            report.rebuilt.append("rollup.* (activity)")
        elif "events" in changed_tables or accounts_moved:
            days = _days_touched(connection, report.batches) if "events" in changed_tables else []
            progress(f"Activity rollups: {len(days)} day(s) touched by new events")
            report.days_rebuilt = rollups.build_days(connection, days)
            # The stored counts slice users by their account's segment, market, region and
            # plan as they are now (docs/metrics.md, "Slicing"): when any moved, every period
            # is recounted, as a live query would count it.
            summaries.build_active_counts(connection, None if accounts_moved else days)
            summaries.build_usage_ratios(connection)
            report.rebuilt.append("rollup.* (activity, changed days)")
            if accounts_moved:
                report.rebuilt.append("rollup.active_counts (accounts' slices moved)")
        summaries.build_account_activity(connection, as_of=measured.as_ofs["usage"])
        coverage.record(connection, measured)
        _record(connection, report, started=started, as_of=measured.as_of)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    progress(f"Done: {report.mode} refresh, {report.days_rebuilt} day(s) of activity rebuilt")
    return report


def _moved(previous: coverage.Coverage | None, measured: coverage.Coverage, family: str) -> bool:
    # A model built at another as-of date ends elsewhere: rebuilt even when no data arrived.
    return previous is None or previous.as_ofs.get(family) != measured.as_ofs[family]


def _describe(measured: coverage.Coverage) -> str:
    if measured.forced:
        return f"As of {measured.as_of} (given)"
    parts = [
        f"{family} {measured.as_ofs[family]}" + ("" if measured.data_ends[family] else " (no data)")
        for family in coverage.FAMILIES
    ]
    return "As of the data's end: " + ", ".join(parts)


def _unconsumed_batches(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return connection.execute(
        """
        SELECT batch, table_name FROM meta.batches
        WHERE committed_at IS NOT NULL AND batch NOT IN (
            SELECT unnest(batches) FROM meta.refreshes WHERE batches IS NOT NULL
        )
        """
    ).fetchall()


def _has_full_refresh(connection: duckdb.DuckDBPyConnection) -> bool:
    found = connection.execute(
        "SELECT count(*) FROM meta.refreshes WHERE mode = 'full' AND list_contains(rebuilt, ?)",
        [f"version:{MODEL_VERSION}"],
    ).fetchone()[0]
    return found > 0


# What slices activity by account: each id events carry, its account and that account's
# segment, market, region and plan (product is the event's own).
_ACCOUNT_SLICES = """
    SELECT k.key, k.account_id, a.segment, a.market, a.region, a.plan
    FROM model.account_keys k LEFT JOIN model.accounts a ON a.account_id = k.account_id
"""


def _keep_account_slices(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(f"CREATE OR REPLACE TEMP TABLE previous_account_slices AS {_ACCOUNT_SLICES}")


def _account_slices_moved(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether rebuilding the accounts changed what any account id is sliced by."""
    moved = connection.execute(
        f"""
        SELECT count(*) FROM (
            (SELECT * FROM previous_account_slices EXCEPT ALL ({_ACCOUNT_SLICES}))
            UNION ALL
            (({_ACCOUNT_SLICES}) EXCEPT ALL SELECT * FROM previous_account_slices)
        )
        """
    ).fetchone()[0]
    connection.execute("DROP TABLE previous_account_slices")
    return moved > 0


def _days_touched(connection: duckdb.DuckDBPyConnection, batches: list[str]) -> list[date]:
    if not batches:
        return []
    rows = connection.execute(
        f"""
        SELECT DISTINCT {rollups.UTC_DAY.format("occurred_at")} FROM raw.events
        WHERE _batch IN (SELECT unnest($batches))
        """,
        {"batches": batches},
    ).fetchall()
    return sorted(day for (day,) in rows if day is not None)


def _record(
    connection: duckdb.DuckDBPyConnection,
    report: RefreshReport,
    *,
    started: datetime,
    as_of: date,
) -> None:
    connection.execute(
        "INSERT INTO meta.refreshes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            report.refresh_id,
            report.mode,
            started,
            datetime.now(UTC),
            as_of,
            report.batches,
            [*report.rebuilt, f"version:{MODEL_VERSION}"],
            report.days_rebuilt,
        ],
    )
