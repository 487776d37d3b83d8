"""Reading metrics: the one way other apps, the API and pages get numbers.

    result = metric("mrr", workspace=ws, by=["product"], grain="month",
                    period=(date(2026, 1, 1), date(2026, 6, 30)))
    result.rows        # [{"period": date(2026, 1, 1), "product": "workspace", "value": 1234.5}]
    result.definition  # what the number means (docs/metrics.md)
    result.freshness   # when the refresh that produced it ran, the metric's as-of date, and
                       # how far each family of data runs
    result.lineage     # which sources feed it, and when each last synced

Rows are a tidy list of dicts (one per period and slice), plain enough for templates, JSON and
pandas (``pandas.DataFrame(result.rows)``) alike. Each row says whether its period is
``partial``: still running at the metric's as-of date, its figures are "to date".
"""

import copy
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import ibis
from django.conf import settings

from greenroom.accounts.models import Workspace
from greenroom.metrics import coverage, store
from greenroom.metrics.definitions import (
    ACCOUNT_DIMENSIONS,
    METRICS,
    Catalog,
    Query,
    QueryError,
    compiled_sql,
    expression,
)
from greenroom.metrics.services import warehouse_schemas
from greenroom.metrics.summaries import ACTIVITY_DAYS


class MetricsUnavailable(Exception):
    """This workspace has no business data to compute metrics from (yet)."""


@dataclass(frozen=True)
class MetricResult:
    """A metric's rows with what they mean, how fresh they are and where they came from."""

    definition: dict
    query: dict
    rows: list[dict]
    freshness: dict
    lineage: list[dict]


def metric_definitions() -> list[dict]:
    """Every metric's definition, by name."""
    return [METRICS[name].definition() for name in sorted(METRICS)]


def metric(
    name: str,
    *,
    workspace: Workspace,
    by: Iterable[str] = (),
    where: Mapping[str, Iterable[str] | str] | None = None,
    grain: str | None = None,
    period: tuple[date | None, date | None] | None = None,
) -> MetricResult:
    """Compute one metric for ``workspace``, sliced ``by`` dimensions, at ``grain``."""
    query = _query(name, by, where, grain, period)
    return _remembered(
        workspace,
        _query_key("metric", name, query),
        lambda connection: _result(connection, workspace, name, query),
    )


def dashboard(*, workspace: Workspace, months: int = 12) -> dict[str, MetricResult]:
    """The metrics the Metrics page shows, read through one connection."""
    return _remembered(
        workspace,
        ("dashboard", months),
        lambda connection: _dashboard(connection, workspace, months),
    )


def _dashboard(connection, workspace: Workspace, months: int) -> dict[str, MetricResult]:
    as_of = _freshness(connection, METRICS["mrr"].sources)["as_of"]
    first = as_of.year * 12 + as_of.month - months  # months counted from year 0
    start = date(first // 12, first % 12 + 1, 1)
    plan = {
        "mrr": {},
        "mrr_movements": {},
        "nrr": {},
        "grr": {},
        "nrr_12m": {},
        "mau": {"by": ["product"]},
    }
    return {
        name: _result(connection, workspace, name, _query(name, period=(start, None), **opts))
        for name, opts in plan.items()
    }


def _query_key(kind: str, name: str, query: Query) -> tuple:
    """What a remembered answer is filed under: the kind of answer and the whole query."""
    where = tuple(sorted(query.where.items()))
    return (kind, name, query.by, where, query.grain, query.start, query.end)


def _query(name, by=(), where=None, grain=None, period=None) -> Query:
    definition = METRICS.get(name)
    if definition is None:
        raise QueryError(f"Unknown metric '{name}'. Known: {', '.join(sorted(METRICS))}.")
    start, end = period or (None, None)
    return Query(
        by=tuple(by),
        where={
            dim: (values,) if isinstance(values, str) else tuple(values)
            for dim, values in (where or {}).items()
        },
        grain=grain or definition.default_grain,
        start=start,
        end=end,
    )


def _result(connection, workspace: Workspace, name: str, query: Query) -> MetricResult:
    definition = METRICS[name]
    freshness = _freshness(connection, definition.sources)
    rows = _compute(connection, workspace, name, query)
    for row in rows:
        row["partial"] = _partial(row.get("period"), query.grain, freshness["as_of"])
    return MetricResult(
        definition=definition.definition(),
        query={
            "by": list(query.by),
            "where": {k: list(v) for k, v in query.where.items()},
            "grain": query.grain,
            "start": query.start,
            "end": query.end,
        },
        rows=rows,
        freshness=freshness,
        lineage=_lineage(connection, definition.sources),
    )


@contextmanager
def _published_store(workspace: Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """A reader on the workspace's last published refresh, or MetricsUnavailable."""
    with ExitStack() as stack:
        try:
            connection = stack.enter_context(store.reader(workspace.pk))
        except store.StoreNotPublished as error:
            raise MetricsUnavailable(
                "No business data yet: connect a source, then run a refresh (greenroom refresh)."
            ) from error
        yield connection


# Everything read from a snapshot stays true until the next one is published (a snapshot is
# never written again), so each process keeps answers by snapshot: after the first request
# of each refresh, dashboards answer from memory. Callers get copies, free to change.
_remembered_results: OrderedDict[tuple, Any] = OrderedDict()
_remembered_lock = threading.Lock()
REMEMBERED_MAX = 512


def _remembered(workspace: Workspace, key: tuple, compute: Callable[[Any], Any]) -> Any:
    snapshot = store.snapshot_name(workspace.pk)
    if snapshot is None:
        raise MetricsUnavailable(
            "No business data yet: connect a source, then run a refresh (greenroom refresh)."
        )
    full_key = (str(store.workspace_folder(workspace.pk)), snapshot, settings.ANALYTICS_URL, key)
    with _remembered_lock:
        if full_key in _remembered_results:
            _remembered_results.move_to_end(full_key)
            return copy.deepcopy(_remembered_results[full_key])
    with _published_store(workspace) as connection:
        value = compute(connection)
    with _remembered_lock:
        _remembered_results[full_key] = value
        while len(_remembered_results) > REMEMBERED_MAX:
            _remembered_results.popitem(last=False)
    return copy.deepcopy(value)


def _compute(connection, workspace: Workspace, name: str, query: Query) -> list[dict]:
    if settings.ANALYTICS_URL == "duckdb":
        sql, schema = _compiled(connection, name, query)
        return connection.execute(sql).to_arrow_table().cast(schema).to_pylist()
    backend = store.warehouse(settings.ANALYTICS_URL)
    catalog = Catalog(backend, schemas=warehouse_schemas(workspace.pk))
    return expression(catalog, name, query).to_pyarrow().to_pylist()


# Compiling a metric's Ibis expression to SQL costs more than running it on the rollups
# (about 100 ms against tens of ms), and the SQL of one query never changes: every store has
# the same model and rollup tables, named alike. So each process compiles each query once,
# and a refresh's readers (strategy re-evaluating every key result) only run it.
_compiled_queries: OrderedDict[tuple, tuple[str, Any]] = OrderedDict()
COMPILED_MAX = 1024


def _compiled(connection, name: str, query: Query) -> tuple[str, Any]:
    key = (
        name,
        query.by,
        tuple(sorted(query.where.items())),
        query.grain,
        query.start,
        query.end,
        query.live,
    )
    with _remembered_lock:
        if key in _compiled_queries:
            _compiled_queries.move_to_end(key)
            return _compiled_queries[key]
    compiled = compiled_sql(Catalog(store.ibis_backend(connection)), name, query)
    with _remembered_lock:
        _compiled_queries[key] = compiled
        while len(_compiled_queries) > COMPILED_MAX:
            _compiled_queries.popitem(last=False)
    return compiled


def _freshness(connection, sources: tuple[str, ...] = ()) -> dict:
    """The last refresh, the as-of date of metrics reading ``sources`` and how far each
    family of data runs (snapshots older than model.coverage: the refresh's as-of date)."""
    row = connection.execute(
        "SELECT refresh_id, mode, finished_at, as_of FROM meta.refreshes "
        "ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    freshness = {"refresh_id": row[0], "mode": row[1], "refreshed_at": row[2], "as_of": row[3]}
    measured = coverage.recorded(connection)
    if measured is None:
        return {**freshness, "as_of_given": False, "data_ends": {}}
    return {
        **freshness,
        "as_of": coverage.metric_as_of(measured, sources),
        "as_of_given": measured.forced,
        "data_ends": measured.data_ends,
    }


def _partial(period: Any, grain: str | None, as_of: date) -> bool:
    if grain is None or not isinstance(period, date):
        return False  # rows without a period (none today) cannot be running
    if isinstance(period, datetime):
        period = period.date()
    return coverage.is_partial(period, grain, as_of)


def _lineage(connection, sources: tuple[str, ...]) -> list[dict]:
    rows = connection.execute(
        """
        SELECT source, table_name, max(committed_at), count(*), sum(rows_loaded)
        FROM meta.batches
        WHERE table_name IN (SELECT unnest($tables)) AND committed_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 2, 1
        """,
        {"tables": list(sources)},
    ).fetchall()
    return [
        {
            "source": source,
            "table": f"raw.{table}",
            "last_synced_at": synced,
            "batches": batches,
            "rows_loaded": int(loaded or 0),
        }
        for source, table, synced, batches, loaded in rows
    ]


# Every key that names the wanted accounts (a CRM id or a Stripe customer id, as the caller
# holds it), with the model's account for it and all the other keys of that account.
_WANTED_KEYS = """
    wanted AS (
        SELECT w.given, coalesce(k.account_id, w.given) AS account_id
        FROM (SELECT DISTINCT unnest($ids) AS given) w
        LEFT JOIN model.account_keys k ON k.key = w.given
    )
"""


def account_revenue(
    *, workspace: Workspace, account_ids: Iterable[str], months: int = 12
) -> dict[str, dict]:
    """Billing ARR and the last ``months`` of MRR per account, keyed by the ids asked for.
    ARR is the last complete month's (``arr_month``); a month still running at the as-of date
    is the trend's ``running_month``, its MRR "to date".

    Ids may be CRM or Stripe customer ids. Accounts billing never saw are left out, and so is
    everything when the store has no refreshed data for ``workspace``: callers fall back.
    """
    ids = tuple(sorted({str(i) for i in account_ids if i}))
    if not ids or not business_data_available(workspace=workspace):
        return {}
    return _remembered(
        workspace,
        ("account_revenue", ids, months),
        lambda connection: _account_revenue(connection, workspace, list(ids), months),
    )


def _account_revenue(connection, workspace: Workspace, ids: list[str], months: int) -> dict:
    as_of = _freshness(connection, METRICS["mrr"].sources)["as_of"]
    # One month more than shown: while the as-of month is running, ARR is the last complete
    # month's, which may lie just outside the trend.
    rows = connection.execute(
        f"""
        WITH {_WANTED_KEYS}
        SELECT w.given, r.period, r.mrr,
               r.period > CAST($as_of AS DATE) - to_months($months) AS shown
        FROM wanted w JOIN rollup.revenue_accounts r ON r.account_id = w.account_id
        WHERE r.period > CAST($as_of AS DATE) - to_months($months + 1)
        ORDER BY w.given, r.period
        """,
        {"ids": ids, "as_of": as_of, "months": months},
    ).fetchall()
    currency = workspace.reporting_currency
    result: dict[str, dict] = {}
    for given, period, mrr, shown in rows:
        entry = result.setdefault(
            given,
            {
                "arr": 0.0,
                "arr_month": None,
                "currency": currency,
                "trend": [],
                "running_month": None,
                "as_of": as_of,
            },
        )
        partial = coverage.is_partial(period, "month", as_of)
        if shown:
            entry["trend"].append((period, round(mrr, 2)))
        if partial:
            entry["running_month"] = period
        else:
            # The series runs to the as-of month for every account that was ever billed.
            entry["arr"], entry["arr_month"] = round(mrr * 12, 2), period
    return {given: entry for given, entry in result.items() if entry["trend"]}


def account_usage(
    *, workspace: Workspace, account_ids: Iterable[str], days: int = 30, last_active: bool = True
) -> dict[str, dict]:
    """Active users and events per account over the ``days`` to the as-of date (from the
    daily rollups), per product too, and (with ``last_active``) the last day anyone was
    active; keyed by the ids asked for. Accounts with no activity (in the window, when
    ``last_active`` is off) are left out, and so is everything when the store has no
    refreshed data for ``workspace``."""
    ids = tuple(sorted({str(i) for i in account_ids if i}))
    if not ids or not business_data_available(workspace=workspace):
        return {}
    return _remembered(
        workspace,
        ("account_usage", ids, days, last_active),
        lambda connection: _account_usage(connection, list(ids), days, last_active),
    )


def _account_usage(connection, ids: list[str], days: int, last_active: bool) -> dict:
    if days == ACTIVITY_DAYS:
        try:
            return _account_usage_summarised(connection, ids, last_active)
        except duckdb.CatalogException:
            pass  # a snapshot published before the summary existed: scan until the next one
    return _account_usage_scanned(connection, ids, days, last_active)


def _account_usage_scanned(connection, ids: list[str], days: int, last_active: bool) -> dict:
    as_of = _freshness(connection, METRICS["active_users"].sources)["as_of"]
    pairs = connection.execute(
        f"""
        WITH {_WANTED_KEYS}
        SELECT w.given, k.key FROM wanted w
        JOIN model.account_keys k ON k.account_id = w.account_id
        UNION SELECT given, given FROM wanted
        """,
        {"ids": ids},
    ).fetchall()
    # The keys also go in as a plain IN list, so DuckDB can filter the rollup while
    # scanning it instead of after the join.
    params = {
        "given": [given for given, _ in pairs],
        "key": [key for _, key in pairs],
        "as_of": as_of,
        "since": as_of - timedelta(days=days),
    }
    rows = connection.execute(
        """
        WITH keys AS (SELECT unnest($given) AS given, unnest($key) AS key)
        SELECT k.given, u.product_key, count(DISTINCT u.user_key), sum(u.events)
        FROM rollup.user_days u JOIN keys k ON k.key = u.account_key
        WHERE u.account_key IN (SELECT unnest($key))
          AND u.day > $since AND u.day <= $as_of
        GROUP BY GROUPING SETS ((k.given), (k.given, u.product_key))
        """,
        params,
    ).fetchall()
    # The last active day reads all history: skipped when only the window matters.
    last = _last_active_days(connection, params) if last_active else []
    result = {
        given: {
            "active_users": 0,
            "events": 0,
            "by_product": {},
            "last_active": day,
            "days": days,
            "as_of": as_of,
        }
        for given, day in last
    }
    # Each account's total row (product None) first, then its products.
    for given, product, users, events in sorted(rows, key=lambda row: row[1] is not None):
        if product is None:
            entry = result.setdefault(
                given, {"by_product": {}, "last_active": None, "days": days, "as_of": as_of}
            )
            entry.update(active_users=users, events=int(events))
        else:
            result[given]["by_product"][product] = {"active_users": users, "events": int(events)}
    return result


def _account_usage_summarised(connection, ids: list[str], last_active: bool) -> dict:
    """The same answer as the scan of the daily rollups, read from rollup.account_activity
    (built by the refresh for the usual window)."""
    as_of = _freshness(connection, METRICS["active_users"].sources)["as_of"]
    rows = connection.execute(
        f"""
        WITH {_WANTED_KEYS}
        SELECT w.given, a.product_key, a.active_users, a.events, a.last_active
        FROM wanted w JOIN rollup.account_activity a ON a.account_id = w.account_id
        """,
        {"ids": ids},
    ).fetchall()
    result: dict[str, dict] = {}
    # Each account's total row (product None) first, then its products.
    for given, product, users, events, last in sorted(rows, key=lambda row: row[1] is not None):
        if product is None:
            if not users and not last_active:
                continue
            result[given] = {
                "active_users": users,
                "events": int(events),
                "by_product": {},
                "last_active": last if last_active else None,
                "days": ACTIVITY_DAYS,
                "as_of": as_of,
            }
        elif users and given in result:
            result[given]["by_product"][product] = {"active_users": users, "events": int(events)}
    return result


def _last_active_days(connection, params: dict) -> list[tuple]:
    return connection.execute(
        """
        WITH keys AS (SELECT unnest($given) AS given, unnest($key) AS key)
        SELECT k.given, max(u.day)
        FROM rollup.user_days u JOIN keys k ON k.key = u.account_key
        WHERE u.account_key IN (SELECT unnest($key)) AND u.day <= $as_of
        GROUP BY 1
        """,
        {name: params[name] for name in ("given", "key", "as_of")},
    ).fetchall()


def business_data_available(*, workspace: Workspace) -> bool:
    """Whether a refresh of ``workspace``'s business data has been published (cheap: one
    small file is read), so callers can skip gathering ids when it has not."""
    return store.published(workspace.pk)


def account_movements(
    *,
    workspace: Workspace,
    month: date,
    where: Mapping[str, Iterable[str] | str] | None = None,
    largest: int | None = None,
) -> list[dict]:
    """The accounts behind a month's MRR movements: per account, its MRR at the previous
    month's end and at this one's, the movement (new, expansion, contraction, churn,
    reactivation) and the amount, with the account's name and attributes; largest first.

    The same series and cases as the ``mrr_movements`` metric, so a movement's amounts add up
    to that metric's figure for the month and slice. With ``largest``, only the largest
    that many of each movement (what a dashboard lists; remembered apart, so a page does not
    copy every account's row on each request).
    """
    query = _query("mrr_movements", where=where, grain="month", period=(month, month))
    key = ("account_movements", tuple(sorted(query.where.items())), month, largest)
    return _remembered(
        workspace, key, lambda connection: _account_movements(connection, query, largest)
    )


def _account_movements(connection, query: Query, largest: int | None = None) -> list[dict]:
    from greenroom.metrics.definitions.revenue import account_movements as movements

    catalog = Catalog(store.ibis_backend(connection))
    sql = str(ibis.to_sql(movements(catalog, query)))
    cursor = connection.execute(
        f"""
        SELECT m.account_id, coalesce(a.name, m.account_id) AS name,
               coalesce(a.segment, 'unknown') AS segment, coalesce(a.market, 'unknown') AS market,
               coalesce(a.region, 'unknown') AS region, coalesce(a.plan, 'unknown') AS plan,
               a.crm_account_id, m.period, m.previous_mrr, m.mrr, m.movement, m.amount
        FROM ({sql}) m LEFT JOIN model.accounts a ON a.account_id = m.account_id
        ORDER BY abs(m.amount) DESC, m.account_id
        """
    )
    columns = [column[0] for column in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    if largest is None:
        return rows
    counted: dict[str, int] = {}
    kept = []
    for row in rows:  # largest first already
        counted[row["movement"]] = counted.get(row["movement"], 0) + 1
        if counted[row["movement"]] <= largest:
            kept.append(row)
    return kept


def dimension_values(*, workspace: Workspace) -> dict[str, list[str]]:
    """The values each dimension takes in the workspace's data (products from billing and
    usage, account attributes from the accounts), for filter choices."""
    return _remembered(workspace, ("dimension_values",), _dimension_values)


def _dimension_values(connection) -> dict[str, list[str]]:
    values = {
        dim: [
            row[0]
            for row in connection.execute(
                f"SELECT DISTINCT coalesce({dim}, 'unknown') FROM model.accounts ORDER BY 1"
            ).fetchall()
        ]
        for dim in ACCOUNT_DIMENSIONS
    }
    values["product"] = [
        row[0]
        for row in connection.execute(
            "SELECT DISTINCT product FROM rollup.revenue_account_products "
            "WHERE product IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    return values


def as_of(*, workspace: Workspace, metric_name: str = "mrr") -> date:
    """The as-of date of ``metric_name`` (the last day its sources all cover)."""
    return _remembered(
        workspace,
        ("as_of", metric_name),
        lambda connection: _freshness(connection, METRICS[metric_name].sources)["as_of"],
    )


def metric_sql(
    name: str,
    *,
    workspace: Workspace,
    by: Iterable[str] = (),
    where: Mapping[str, Iterable[str] | str] | None = None,
    grain: str | None = None,
    period: tuple[date | None, date | None] | None = None,
) -> str:
    """The SQL ``metric(...)`` runs for these arguments on the workspace's store."""
    query = _query(name, by, where, grain, period)
    return _remembered(
        workspace,
        _query_key("metric_sql", name, query),
        lambda connection: compiled_sql(Catalog(store.ibis_backend(connection)), name, query)[0],
    )


def metric_documentation(name: str) -> dict:
    """What a metric means, for people: its definition, the docstring of its computation,
    and its section of docs/metrics.md when the docs ship beside the code ("" otherwise)."""
    definition = METRICS.get(name)
    if definition is None:
        raise QueryError(f"Unknown metric '{name}'. Known: {', '.join(sorted(METRICS))}.")
    return {
        **definition.definition(),
        "docstring": (definition.compute.__doc__ or "").strip(),
        "section": _docs_section(definition.name, definition.title),
    }


_DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def _docs_section(name: str, title: str) -> str:
    """The docs/metrics.md section whose heading names the metric (by `name` or title)."""
    try:
        text = _DOCS.read_text(encoding="utf-8")
    except OSError:
        return ""
    sections = re.split(r"^(?=#{2,3} )", text, flags=re.MULTILINE)
    wanted = (f"`{name}`", title.lower())
    for section in sections:
        heading = section.split("\n", 1)[0].lower()
        if heading.startswith("#") and any(w.lower() in heading for w in wanted):
            return section.strip()
    return ""
