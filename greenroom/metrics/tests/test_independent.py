"""Every metric on generated sandbox data equals an independent hand-written SQL query."""

from datetime import date

import duckdb
import pytest

from greenroom.metrics import store
from greenroom.metrics.definitions import Catalog, Query, expression
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests import independent
from greenroom.metrics.tests.raw import REFERENCE, load_business_files
from greenroom.sandbox import business

END = date(2026, 11, 20)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    files = business.generate(
        out_dir=tmp_path_factory.mktemp("business"), scale="small", seed=11, end=END
    )
    connection = duckdb.connect()
    load_business_files(connection, files)
    refresh_connection(connection, reference=REFERENCE, as_of=END, progress=lambda _: None)
    yield connection
    connection.close()


@pytest.mark.parametrize("name", sorted(independent.QUERIES))
def test_it_matches_the_hand_written_query(generated, name):
    metric, by, grain = independent.EQUIVALENT[name]
    rows = (
        expression(Catalog(store.ibis_backend(generated)), metric, Query(by=by, grain=grain))
        .to_pyarrow()
        .to_pylist()
    )
    expected_rows = independent.compute(generated, name, END)
    columns = [k for k in expected_rows[0] if k != "value"]
    keys = tuple(k for k in columns if k not in independent.PARTS)
    for part in ("value", *(k for k in columns if k in independent.PARTS)):
        ours = independent.comparable(rows, keys, part)
        theirs = independent.comparable(expected_rows, keys, part)
        assert len(theirs) > 3
        assert ours == pytest.approx(theirs, abs=1e-3), part
