"""The metric type, the register every metric adds itself to, and the lookup.

A metric is declared next to the function computing it, by keyword::

    @metric(name="mrr", title="MRR", unit="currency", description=..., formula=...,
            sources=BILLING_SOURCES)
    def mrr(catalog: Catalog, query: Query) -> ir.Table: ...

and ``expression``/``compiled_sql`` find it by name.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import ibis
import ibis.expr.types as ir
import pyarrow as pa

DIMENSIONS = ("product", "segment", "market", "region", "plan")
ACCOUNT_DIMENSIONS = ("segment", "market", "region", "plan")
GRAINS = ("day", "week", "month", "quarter")

Compute = Callable[["Catalog", "Query"], ir.Table]


class QueryError(ValueError):
    """A metric was asked for something it cannot answer; the message says what to ask."""


@dataclass(frozen=True)
class Query:
    """What to compute: slices, filters (dimension → allowed values), grain and dates."""

    by: tuple[str, ...] = ()
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)
    grain: str = "month"
    start: date | None = None
    end: date | None = None
    # True while the refresh builds the summary rollups from these same definitions.
    live: bool = False


class Catalog:
    """The model and rollup tables on one Ibis backend (DuckDB, PostgreSQL, Spark...)."""

    def __init__(self, backend: ibis.BaseBackend, schemas: dict[str, str] | None = None) -> None:
        self.backend = backend
        # On a warehouse each workspace's "model" and "rollup" have names of their own.
        self.schemas = schemas or {}
        self._tables: dict[str, ir.Table] = {}

    def table(self, qualified: str) -> ir.Table:
        # Each lookup asks the engine for the table's schema: once per catalog is enough.
        if qualified not in self._tables:
            schema, name = qualified.split(".")
            database = self.schemas.get(schema, schema)
            self._tables[qualified] = self.backend.table(name, database=database)
        return self._tables[qualified]


@dataclass(frozen=True)
class Metric:
    """A named metric: what it means, where it comes from, and how to compute it."""

    name: str
    title: str
    unit: str  # "currency", "count", "ratio"
    description: str
    formula: str
    sources: tuple[str, ...]
    grains: tuple[str, ...]
    compute: Callable[[Catalog, Query], ir.Table]
    default_grain: str = "month"
    dimensions: tuple[str, ...] = DIMENSIONS
    extra_columns: tuple[str, ...] = ()

    def definition(self) -> dict:
        """The metric's definition as plain data (for the API, the page and results)."""
        return {
            "name": self.name,
            "title": self.title,
            "unit": self.unit,
            "description": self.description,
            "formula": self.formula,
            "sources": list(self.sources),
            "grains": list(self.grains),
            "default_grain": self.default_grain,
            "dimensions": list(self.dimensions),
            "columns": ["period", "<by...>", *self.extra_columns, "value"],
            "documentation": f"docs/metrics.md#{self.name.replace('_', '-')}",
        }


# Every metric by name, in the order they were declared (revenue, usage, cost).
METRICS: dict[str, Metric] = {}


def metric(
    *,
    name: str,
    title: str,
    unit: str,
    description: str,
    formula: str,
    sources: tuple[str, ...],
    grains: tuple[str, ...] = GRAINS,
    default_grain: str = "month",
    dimensions: tuple[str, ...] = DIMENSIONS,
    extra_columns: tuple[str, ...] = (),
) -> Callable[[Compute], Compute]:
    """Register the decorated function as the computation of metric ``name``; the function
    itself is returned unchanged, so other metrics can build on it."""

    def register(compute: Compute) -> Compute:
        if name in METRICS:
            raise ValueError(f"The metric {name!r} is declared twice.")
        METRICS[name] = Metric(
            name=name,
            title=title,
            unit=unit,
            description=description,
            formula=formula,
            sources=sources,
            grains=grains,
            compute=compute,
            default_grain=default_grain,
            dimensions=dimensions,
            extra_columns=extra_columns,
        )
        return compute

    return register


def expression(catalog: Catalog, name: str, query: Query) -> ir.Table:
    """The Ibis expression computing metric ``name`` for ``query`` (validated first)."""
    metric = METRICS.get(name)
    if metric is None:
        raise QueryError(f"Unknown metric '{name}'. Known: {', '.join(sorted(METRICS))}.")
    if query.grain not in metric.grains:
        raise QueryError(
            f"{name} is available at grain {', '.join(metric.grains)}, not '{query.grain}'."
        )
    for dim in (*query.by, *query.where):
        if dim not in metric.dimensions:
            raise QueryError(
                f"{name} cannot be sliced by '{dim}'; use {', '.join(metric.dimensions)}."
            )
    if len(set(query.by)) != len(query.by):
        raise QueryError("Each dimension may appear once in 'by'.")
    return metric.compute(catalog, query)


_COMPILED: dict[tuple, tuple[str, pa.Schema]] = {}


def compiled_sql(catalog: Catalog, name: str, query: Query) -> tuple[str, pa.Schema]:
    """The SQL of a metric query for the catalog's engine and the schema of its result,
    compiled once per process.

    Building and compiling the Ibis expression costs more than running it on the rollups
    (tens of milliseconds against a few), so dashboards reuse the compiled text.
    """
    key = (
        catalog.backend.name,
        name,
        query.by,
        tuple(sorted(query.where.items())),
        query.grain,
        query.start,
        query.end,
    )
    if key not in _COMPILED:
        table = expression(catalog, name, query)
        _COMPILED[key] = (str(ibis.to_sql(table)), table.schema().to_pyarrow())
    return _COMPILED[key]
