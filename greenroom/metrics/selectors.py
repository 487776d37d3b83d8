"""Reading metrics: the one way other apps, the API and pages get numbers.

    result = metric("mrr", workspace=ws, by=["product"], grain="month",
                    period=(date(2026, 1, 1), date(2026, 6, 30)))
    result.rows        # [{"period": date(2026, 1, 1), "product": "workspace", "value": 1234.5}]
    result.definition  # what the number means (docs/metrics.md)
    result.freshness   # when the refresh that produced it ran, and its as-of date
    result.lineage     # which sources feed it, and when each last synced

Rows are a tidy list of dicts (one per period and slice), plain enough for templates, JSON and
pandas (``pandas.DataFrame(result.rows)``) alike.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from greenroom.accounts.models import Workspace
from greenroom.metrics import store
from greenroom.metrics.definitions import (
    METRICS,
    Catalog,
    Query,
    QueryError,
    compiled_sql,
    expression,
)
from greenroom.metrics.services import analytics_workspace


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
    where: dict[str, Iterable[str] | str] | None = None,
    grain: str | None = None,
    period: tuple[date | None, date | None] | None = None,
) -> MetricResult:
    """Compute one metric for ``workspace``, sliced ``by`` dimensions, at ``grain``."""
    _check_workspace(workspace)
    with store.reader() as connection:
        return _result(connection, name, _query(name, by, where, grain, period))


def dashboard(*, workspace: Workspace, months: int = 12) -> dict[str, MetricResult]:
    """The metrics the Metrics page shows, read through one connection."""
    _check_workspace(workspace)
    with store.reader() as connection:
        if not _refreshed(connection):
            raise MetricsUnavailable("The metrics have not been computed yet: run a refresh.")
        as_of = _freshness(connection)["as_of"]
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
            name: _result(connection, name, _query(name, period=(start, None), **options))
            for name, options in plan.items()
        }


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


def _result(connection, name: str, query: Query) -> MetricResult:
    definition = METRICS[name]
    rows = _compute(connection, name, query)
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
        freshness=_freshness(connection),
        lineage=_lineage(connection, definition.sources),
    )


def _check_workspace(workspace: Workspace) -> None:
    owner = analytics_workspace()
    if owner is None or owner.pk != workspace.pk:
        raise MetricsUnavailable("This workspace has no business data connected.")
    if not store.exists():
        raise MetricsUnavailable(
            "No business data yet: connect a source, then run a refresh (greenroom refresh)."
        )


def _compute(connection, name: str, query: Query) -> list[dict]:
    if not _refreshed(connection):
        raise MetricsUnavailable("The metrics have not been computed yet: run a refresh.")
    if settings.ANALYTICS_URL == "duckdb":
        sql, schema = compiled_sql(Catalog(store.ibis_backend(connection)), name, query)
        return connection.execute(sql).to_arrow_table().cast(schema).to_pylist()
    backend = store.warehouse(settings.ANALYTICS_URL)
    return expression(Catalog(backend), name, query).to_pyarrow().to_pylist()


def _refreshed(connection) -> bool:
    found = connection.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'meta' AND table_name = 'refreshes'"
    ).fetchone()[0]
    return bool(found) and connection.execute("SELECT count(*) FROM meta.refreshes").fetchone()[0]


def _freshness(connection) -> dict:
    row = connection.execute(
        "SELECT refresh_id, mode, finished_at, as_of FROM meta.refreshes "
        "ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    return {"refresh_id": row[0], "mode": row[1], "refreshed_at": row[2], "as_of": row[3]}


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
