"""Every metric, defined once, as Ibis expressions over the model and rollup tables.

The same expressions run on DuckDB (the default store), PostgreSQL and Spark: nothing here
knows which engine it compiles for. Formulas and edge cases are documented for users in
docs/metrics.md; keep the two in step.

A metric answers a ``Query`` (slice by dimensions, filter, grain, date range) with a tidy
table: one row per period and slice, the number in ``value`` and, for some metrics, the parts
it was computed from. Each is declared with ``@metric(name=..., title=..., ...)`` on the
function computing it, in ``revenue``, ``usage`` or ``cost``; ``registry`` holds the metric
type, the register and the lookup, ``common`` the Ibis pieces they share.
"""

# isort: off
# Imported in this order, they register their metrics in it: the order lists and pages show.
from greenroom.metrics.definitions import revenue, usage, cost  # noqa: F401

# isort: on
from greenroom.metrics.definitions.common import period_after, period_start
from greenroom.metrics.definitions.registry import (
    ACCOUNT_DIMENSIONS,
    DIMENSIONS,
    GRAINS,
    METRICS,
    Catalog,
    Metric,
    Query,
    QueryError,
    compiled_sql,
    expression,
    metric,
)
from greenroom.metrics.definitions.revenue import MOVEMENTS, revenue_series_rollup
from greenroom.metrics.definitions.usage import (
    COUNTED_SLICES,
    RETENTION_SLICES,
    STICKINESS_SLICES,
)

__all__ = [
    "ACCOUNT_DIMENSIONS",
    "COUNTED_SLICES",
    "DIMENSIONS",
    "GRAINS",
    "METRICS",
    "MOVEMENTS",
    "RETENTION_SLICES",
    "STICKINESS_SLICES",
    "Catalog",
    "Metric",
    "Query",
    "QueryError",
    "compiled_sql",
    "expression",
    "metric",
    "period_after",
    "period_start",
    "revenue_series_rollup",
]
