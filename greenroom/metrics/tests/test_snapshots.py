"""Readers and the refresh never collide: readers see the last complete refresh while the
next one is built, in other processes, the way web workers read during a scheduled refresh."""

import json
import os
import subprocess
import sys
import time
from datetime import date

import duckdb
import pytest
from django.conf import settings

from greenroom.metrics import selectors, store
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests import fixtures
from greenroom.metrics.tests.raw import REFERENCE, RawLoader
from greenroom.metrics.tests.test_usage import _event
from greenroom.testing.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

EARLIER = date(2026, 3, 31)
READERS = 2
READER = "greenroom.metrics.tests.snapshot_reader"


def _expected_totals() -> dict[str, list]:
    """The newest period and its total MRR for each as-of date, from a store of its own."""
    expected = {}
    for as_of in (fixtures.AS_OF, EARLIER):
        connection = duckdb.connect()
        fixtures.load_revenue(RawLoader(connection))
        refresh_connection(connection, reference=REFERENCE, as_of=as_of, progress=lambda _: None)
        period, total = connection.execute(
            "SELECT period, round(sum(mrr), 2) FROM rollup.revenue_accounts "
            "GROUP BY period ORDER BY period DESC LIMIT 1"
        ).fetchone()
        expected[str(as_of)] = [str(period), float(total)]
        connection.close()
    return expected


def _refresh(workspace_id: int, *, as_of: date, full: bool, events: list[dict]) -> str:
    with store.writer(workspace_id) as connection:
        if events:
            RawLoader(connection).rows("events", events, source="segment")
        report = refresh_connection(
            connection, reference=REFERENCE, as_of=as_of, full=full, progress=lambda _: None
        )
        store.publish(connection, workspace_id)
    return report.refresh_id


def _start_readers(workspace_id: int, stop_file) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "greenroom.settings",
        "GREENROOM_DATA_DIR": str(settings.DATA_DIR),
        "GREENROOM_ANALYTICS_DIR": str(settings.ANALYTICS_DIR),
    }
    return [
        subprocess.Popen(
            [sys.executable, "-m", READER, str(workspace_id), str(stop_file)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(READERS)
    ]


def test_readers_in_other_processes_never_fail_nor_see_a_half_built_refresh(workspace, tmp_path):
    expected = _expected_totals()
    assert expected[str(fixtures.AS_OF)] != expected[str(EARLIER)]
    with store.writer(workspace.pk) as connection:
        fixtures.load_revenue(RawLoader(connection))
    published = {_refresh(workspace.pk, as_of=fixtures.AS_OF, full=True, events=[])}
    stop_file = tmp_path / "stop"
    readers = _start_readers(workspace.pk, stop_file)
    try:
        # The refreshes start once every reader is reading.
        deadline = time.monotonic() + 180
        while len(list(tmp_path.glob("ready-*"))) < READERS and time.monotonic() < deadline:
            time.sleep(0.1)
        # Full refreshes alternate the as-of date; an incremental one after each adds events.
        for round_no in range(2):
            as_of = EARLIER if round_no % 2 == 0 else fixtures.AS_OF
            published.add(_refresh(workspace.pk, as_of=as_of, full=True, events=[]))
            events = [
                _event(f"e{round_no}-{n}", f"u{n}", "crm-acme", "workspace", "2026-05-20T10:00Z")
                for n in range(20)
            ]
            published.add(_refresh(workspace.pk, as_of=as_of, full=False, events=events))
    finally:
        stop_file.touch()
        reports = [json.loads(reader.communicate(timeout=60)[0]) for reader in readers]
    for report in reports:
        assert report["error_count"] == 0, report["errors"]
        # Kept reading throughout (a count of reads would measure the machine's load, not
        # the store: two cores shared with a test suite manage a few dozen).
        assert report["reads"] >= len(published)
        for refresh_id, (as_of, period, total) in report["seen"].items():
            assert refresh_id in published
            assert [period, total] == expected[as_of], (refresh_id, as_of)
    # Between them, the readers saw several refreshes come and go.
    assert len({rid for report in reports for rid in report["seen"]}) > 2


def test_a_refresh_is_not_visible_until_it_is_published(workspace):
    with store.writer(workspace.pk) as connection:
        fixtures.load_revenue(RawLoader(connection))
        refresh_connection(connection, reference=REFERENCE, as_of=fixtures.AS_OF)
        with pytest.raises(selectors.MetricsUnavailable):
            selectors.metric("mrr", workspace=workspace)
        store.publish(connection, workspace.pk)
    result = selectors.metric("mrr", workspace=workspace, period=(date(2026, 5, 1), None))
    assert [row["value"] for row in result.rows] == [pytest.approx(830)]


def test_it_keeps_the_current_and_previous_snapshots_only(workspace):
    with store.writer(workspace.pk) as connection:
        fixtures.load_revenue(RawLoader(connection))
    for _ in range(4):
        _refresh(workspace.pk, as_of=fixtures.AS_OF, full=False, events=[])
    folder = store.workspace_folder(workspace.pk) / "snapshots"
    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == 2 and store.snapshot_name(workspace.pk) == names[-1]


def test_a_reader_holding_an_old_snapshot_keeps_reading_it(workspace):
    with store.writer(workspace.pk) as connection:
        fixtures.load_revenue(RawLoader(connection))
    _refresh(workspace.pk, as_of=fixtures.AS_OF, full=True, events=[])
    with store.reader(workspace.pk) as held:
        for _ in range(3):  # its file is pruned meanwhile
            _refresh(workspace.pk, as_of=EARLIER, full=True, events=[])
        assert held.execute("SELECT as_of FROM meta.refreshes").fetchall() == [(fixtures.AS_OF,)]
    with store.reader(workspace.pk) as fresh:
        newest = "SELECT as_of FROM meta.refreshes ORDER BY finished_at DESC LIMIT 1"
        assert fresh.execute(newest).fetchone() == (EARLIER,)


def test_the_single_store_of_earlier_versions_moves_into_its_workspace(settings):
    first = WorkspaceFactory(name="First")
    second = WorkspaceFactory(name="Second")
    legacy = settings.DATA_DIR / "analytics.duckdb"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(legacy)) as connection:
        connection.execute("CREATE SCHEMA raw; CREATE TABLE raw.kept AS SELECT 42 AS answer")
    with store.writer(second.pk) as connection:
        assert connection.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (0,)
    assert legacy.exists()
    with store.writer(first.pk) as connection:
        assert connection.execute("SELECT answer FROM raw.kept").fetchone() == (42,)
    assert not legacy.exists()
