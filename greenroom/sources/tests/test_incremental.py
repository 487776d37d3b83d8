"""Incremental, idempotent and resumable: nothing is loaded twice, nothing is lost."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from greenroom.sources import services
from greenroom.sources.choices import RunStatus
from greenroom.sources.tests.conftest import fixture_copy, make_source, query


def _sync(source, **options):
    return services.source_sync(source=source, **options)


def test_a_second_sync_loads_only_what_was_appended(workspace, files):
    path = fixture_copy("segment.jsonl", files)
    source = make_source(workspace, "segment", path)
    first = _sync(source)
    assert (first.rows_in, first.rows_loaded) == (6, 6)
    with open(path, "a") as handle:
        handle.write(
            json.dumps(
                {
                    "type": "track",
                    "messageId": "new-1",
                    "userId": "u",
                    "event": "Login",
                    "timestamp": "2025-03-10T00:00:00Z",
                }
            )
            + "\n"
        )
    second = _sync(source)
    assert (second.rows_in, second.rows_loaded) == (1, 1)
    assert (
        second.cursor_before["files"][str(path)]["offset"]
        < second.cursor_after["files"][str(path)]["offset"]
    )
    assert _sync(source).rows_in == 0


def test_a_full_resync_and_a_reupload_create_no_duplicates(workspace, files):
    path = fixture_copy("stripe.jsonl", files)
    source = make_source(workspace, "stripe_files", path)
    _sync(source)
    before = query("SELECT count(*) FROM raw.stripe_invoices")
    _sync(source, full=True)
    fixture_copy("stripe.jsonl", files, "copy-of-stripe.jsonl")
    source.settings = {"path": str(files)}
    source.save()
    _sync(source)
    assert query("SELECT count(*) FROM raw.stripe_invoices") == before
    assert query("SELECT count(*), count(DISTINCT id) FROM raw.stripe_subscription_items") == [
        (1, 1)
    ]


def test_a_replaced_file_is_read_again_from_the_start(workspace, files):
    path = fixture_copy("fx.csv", files)
    source = make_source(workspace, "fx_rates", path)
    _sync(source)
    path.write_text("date,currency,rate\n2025-01-31,EUR,0.9700\n2025-03-31,EUR,0.9500\n")
    run = _sync(source)
    assert run.rows_in == 2
    rates = query(
        "SELECT date::VARCHAR, rate::VARCHAR FROM raw.fx_rates WHERE currency = 'EUR' ORDER BY date"
    )
    assert rates == [
        ("2025-01-31", "0.97000000"),
        ("2025-02-28", "0.95980000"),
        ("2025-03-31", "0.95000000"),
    ]


def test_a_rejected_file_does_not_move_the_cursor_and_other_files_still_load(workspace, files):
    good = fixture_copy("costs.csv", files, "a.csv")
    bad = files / "b.csv"
    bad.write_text("date,account,cost centre,amount,currency\n2025-01-31,6100,Billing,x,EUR\n")
    source = make_source(workspace, "costs", files)
    run = _sync(source)
    # a.csv loaded, b.csv refused whole: partly loaded, with the counts of both.
    assert run.status == RunStatus.PARTLY_LOADED
    assert (run.batches, run.batches_rejected) == (2, 1)
    assert (run.rows_in, run.rows_loaded, run.rows_rejected, run.rows_skipped) == (5, 4, 1, 0)
    assert str(bad) not in run.cursor_after["files"]
    assert str(good) in run.cursor_after["files"]
    bad.write_text("date,account,cost centre,amount,currency\n2025-01-31,6100,Billing,1,EUR\n")
    run = _sync(source)
    assert (run.status, run.rows_loaded) == (RunStatus.SUCCEEDED, 1)
    assert query("SELECT count(*) FROM raw.costs") == [(5,)]


def test_each_batch_records_its_cursor_in_the_same_store(workspace, files):
    source = make_source(workspace, "costs", fixture_copy("costs.csv", files))
    run = _sync(source)
    rows = query("SELECT source, table_name, rows_in, rows_loaded, cursor FROM meta.batches")
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [("costs", "costs", 4, 4)]
    assert json.loads(rows[0][4]) == run.cursor_after


def _events_file(path: Path, start: int, count: int) -> None:
    with open(path, "w") as handle:
        for n in range(start, start + count):
            handle.write(
                json.dumps(
                    {
                        "type": "track",
                        "messageId": f"m-{n}",
                        "userId": f"u{n % 97}",
                        "event": "Report Viewed",
                        "properties": {"product": "insights"},
                        "timestamp": f"2025-03-01T00:{n % 60:02d}:00Z",
                    }
                )
                + "\n"
            )


def _greenroom(data_dir: Path, *args: str, **popen) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENROOM_")}
    env.update(GREENROOM_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "greenroom.cli", *args]
    return subprocess.Popen(
        command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen
    )


def _run(data_dir: Path, *args: str) -> str:
    process = _greenroom(data_dir, *args)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    return output


def test_a_sync_killed_with_sigkill_loses_and_duplicates_nothing(tmp_path):
    data_dir = tmp_path / "killed"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files, per_file = 16, 15_000
    for number in range(files):
        _events_file(inbox / f"events-{number:02d}.jsonl", number * per_file, per_file)
    _run(data_dir, "migrate")
    _run(
        data_dir,
        "createuser",
        "--email",
        "a@example.com",
        "--role",
        "admin",
        "--no-password",
        "--workspace",
        "Acme",
    )
    _run(data_dir, "manage", "sources", "add", "usage", "--kind", "segment", "--path", str(inbox))

    process = _greenroom(data_dir, "manage", "sources", "sync", "usage")
    committed = 0
    for line in process.stdout:
        if "loaded" in line:
            committed += 1
        if committed == 3:
            # In the middle of the fourth batch: staged, maybe merging, not committed.
            time.sleep(0.15)
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL

    (store,) = (data_dir / "analytics").glob("workspace-*/store.duckdb")
    with duckdb.connect(str(store), read_only=True) as conn:
        loaded = conn.execute("SELECT count(*) FROM raw.events").fetchone()[0]
        recorded = conn.execute(
            "SELECT coalesce(sum(rows_loaded), 0) FROM meta.batches WHERE table_name = 'events'"
        ).fetchone()[0]
    # Whole batches only, each with its cursor: what is in raw is what meta.batches says.
    assert loaded == recorded
    assert loaded % per_file == 0 and 3 * per_file <= loaded < files * per_file

    output = _run(data_dir, "manage", "sources", "sync", "usage")
    assert "Succeeded" in output
    with duckdb.connect(str(store), read_only=True) as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM raw.events"
        ).fetchone()
    assert (total, distinct) == (files * per_file, files * per_file)
    runs = _run(data_dir, "manage", "sources", "runs", "usage")
    assert "Interrupted:" in runs


def test_rows_appended_to_a_csv_load_alone_and_keep_their_row_numbers(workspace, files):
    path = fixture_copy("costs.csv", files)
    source = make_source(workspace, "costs", path)
    _sync(source)
    with open(path, "a") as handle:
        handle.write("JE-2001-1,2025-03-31,6100 Salaries,Billing,100.00,EUR,March\n")
        handle.write("JE-2001-2,2025-03-31,6100 Salaries,Billing,lots,EUR,March\n")
    run = _sync(source)
    assert run.status == RunStatus.REJECTED
    assert [(e["row"], e["field"]) for e in run.errors] == [(7, "amount")]
    with open(path, "a") as handle:
        handle.write("JE-2001-3,2025-03-31,6100 Salaries,Billing,1.00,EUR,fix\n")
    path.write_text(path.read_text().replace(",lots,", ",200.00,"))
    run = _sync(source)
    assert (run.status, run.rows_in) == (RunStatus.SUCCEEDED, 3)
    assert query("SELECT count(*) FROM raw.costs") == [(7,)]
