"""The same metric definitions give the same numbers on DuckDB, PostgreSQL and Spark."""

import logging
import math
import os
from datetime import date, datetime

import duckdb
import psycopg
import pytest

from greenroom.metrics import store
from greenroom.metrics.definitions import METRICS, Catalog, Query, expression
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.services import publish
from greenroom.metrics.tests import fixtures, test_usage
from greenroom.metrics.tests.raw import REFERENCE, RawLoader

POSTGRES = os.environ.get("GREENROOM_METRICS_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# Per process, so two test runs on one server never drop each other's database.
DATABASE = f"greenroom_metrics_test_{os.getpid()}"

# Every metric at each grain it offers, and sliced by two dimensions at its default grain
# (slicing compiles to the same SQL at every grain; Spark takes about a second a query).
SUITE = (
    [(name, Query(grain=grain)) for name, metric in METRICS.items() for grain in metric.grains]
    + [
        (name, Query(by=metric.dimensions[:2], grain=metric.default_grain))
        for name, metric in METRICS.items()
    ]
    + [
        ("mrr", Query(by=("region", "plan"), where={"market": ("DACH",)}, start=date(2026, 2, 1))),
        ("mau", Query(by=("market",), where={"product": ("workspace",)}, end=date(2026, 1, 31))),
    ]
)


@pytest.fixture(scope="module")
def duck():
    connection = duckdb.connect()
    loader = RawLoader(connection)
    fixtures.load_revenue(loader)
    fixtures.load_costs(loader)
    loader.rows("events", [*test_usage.EVENTS, test_usage.DUPLICATE, test_usage.LATE])
    refresh_connection(connection, reference=REFERENCE, as_of=fixtures.AS_OF)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def postgres(duck):
    admin = psycopg.connect(f"{POSTGRES}/postgres", autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    admin.execute(f"CREATE DATABASE {DATABASE}")
    backend = store.warehouse(f"{POSTGRES}/{DATABASE}")
    publish(duck, backend)
    yield backend
    backend.disconnect()
    admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    admin.close()


@pytest.fixture(scope="session")
def spark_backend():
    """One local Spark session for the whole run (it takes ~20 s to start)."""
    backend = store.warehouse("spark://local")
    yield backend
    backend._session.stop()
    # py4j logs its goodbye from __del__ at interpreter exit, after pytest closed the stream.
    logging.getLogger("py4j").setLevel(logging.WARNING)


@pytest.fixture(scope="module")
def spark(duck, spark_backend):
    publish(duck, spark_backend)
    return spark_backend


def _normalised(rows: list[dict]) -> list[tuple]:
    def value(item):
        if isinstance(item, datetime):
            return item.date()
        if isinstance(item, float):
            return None if math.isnan(item) else round(item, 6)
        return item

    return sorted(
        (tuple(sorted((key, value(item)) for key, item in row.items())) for row in rows),
        key=repr,
    )


def _compute(backend, name: str, query: Query) -> list[tuple]:
    return _normalised(expression(Catalog(backend), name, query).to_pyarrow().to_pylist())


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_it_computes_the_whole_suite_identically_on_every_engine(engine, duck, request):
    other = request.getfixturevalue(engine)
    reference = store.ibis_backend(duck)
    differences, empty = [], set()
    for name, query in SUITE:
        expected = _compute(reference, name, query)
        if not expected:
            empty.add(name)
        if _compute(other, name, query) != expected:
            differences.append(f"{name} {query}")
    assert differences == []
    # Five months of fixture have no twelve-month-old base; everything else has rows.
    assert empty <= {"nrr_12m", "grr_12m"}
