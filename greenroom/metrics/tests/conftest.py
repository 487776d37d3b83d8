import duckdb
import pytest

from greenroom.metrics import store
from greenroom.metrics.definitions import Catalog, Query, expression
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests import fixtures
from greenroom.metrics.tests.raw import REFERENCE, RawLoader
from greenroom.testing.factories import WorkspaceFactory


class Computed:
    """A refreshed in-memory store and a way to compute metrics on it."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        self.catalog = Catalog(store.ibis_backend(connection))

    def rows(self, name: str, **query) -> list[dict]:
        query.setdefault("by", ())
        query["by"] = tuple(query["by"])
        table = expression(self.catalog, name, Query(**query))
        return table.to_pyarrow().to_pylist()

    def series(self, name: str, **query) -> dict:
        return {row["period"]: row["value"] for row in self.rows(name, **query)}


@pytest.fixture
def raw():
    """An empty in-memory store with the contract's raw tables, and a loader."""
    connection = duckdb.connect()
    yield RawLoader(connection)
    connection.close()


@pytest.fixture
def revenue(raw) -> Computed:
    """The eight-customer revenue fixture, refreshed."""
    fixtures.load_revenue(raw)
    refresh_connection(raw.connection, reference=REFERENCE, as_of=fixtures.AS_OF)
    return Computed(raw.connection)


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme")
