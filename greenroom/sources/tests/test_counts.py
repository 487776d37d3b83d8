"""Rows read, loaded, rejected and skipped are counted one way everywhere: by input record,
read = loaded + rejected + skipped, with objects embedded in a record (invoice lines,
subscription items) counted on their own. Expected figures are worked out by hand from the
files each test writes."""

import json
from io import StringIO

from django.core.management import call_command

from greenroom.sources import services
from greenroom.sources.choices import RunStatus, SourceStatus
from greenroom.sources.tests.conftest import make_source, query


def _invoice(number: int, lines: int, *, line_currency: str = "eur") -> dict:
    return {
        "id": f"in_{number}",
        "object": "invoice",
        "created": 1704153600 + number,
        "currency": "eur",
        "customer": "cus_1",
        "lines": {
            "object": "list",
            "has_more": False,
            "data": [
                {
                    "id": f"il_{number}_{line}",
                    "object": "line_item",
                    "amount": 100,
                    "currency": line_currency,
                }
                for line in range(lines)
            ],
        },
    }


CUSTOMER = {"id": "cus_1", "object": "customer", "created": 1704153600, "name": "Acme"}


def _write(path, objects: list[dict]) -> None:
    path.write_text("".join(json.dumps(item) + "\n" for item in objects))


def _balanced(run) -> bool:
    return run.rows_in == run.rows_loaded + run.rows_rejected + run.rows_skipped


def test_it_counts_invoices_as_rows_and_their_lines_as_embedded_objects(workspace, files):
    path = files / "stripe.jsonl"
    # 1 customer + 3 invoices = 4 rows; 2 + 3 + 1 = 6 lines inside them.
    _write(path, [CUSTOMER, _invoice(1, 2), _invoice(2, 3), _invoice(3, 1)])
    source = make_source(workspace, "stripe_files", path)
    run = services.source_sync(source=source)
    assert run.status == RunStatus.SUCCEEDED
    assert (run.rows_in, run.rows_loaded, run.rows_rejected, run.rows_skipped) == (4, 4, 0, 0)
    assert run.embedded_loaded == 6
    assert "4 rows read: 4 loaded, 0 rejected, 0 skipped; 6 embedded objects" in run.message
    source.refresh_from_db()
    # What the store holds: 4 objects and 6 lines.
    assert source.rows_total == 10


def test_a_full_sync_does_not_count_the_rows_the_store_holds_twice(workspace, files):
    path = files / "stripe.jsonl"
    _write(path, [CUSTOMER, _invoice(1, 2)])
    source = make_source(workspace, "stripe_files", path)
    services.source_sync(source=source)
    again = services.source_sync(source=source, full=True)
    assert (again.rows_in, again.rows_loaded, again.embedded_loaded) == (2, 2, 2)
    source.refresh_from_db()
    held = (
        query("SELECT count(*) FROM raw.stripe_customers")[0][0]
        + query("SELECT count(*) FROM raw.stripe_invoices")[0][0]
        + query("SELECT count(*) FROM raw.stripe_invoice_lines")[0][0]
    )
    assert source.rows_total == held == 4


def test_an_exact_repeat_is_read_and_skipped_and_the_notice_says_so(workspace, files):
    path = files / "stripe.jsonl"
    _write(path, [CUSTOMER, _invoice(1, 2), CUSTOMER])
    run = services.source_sync(source=make_source(workspace, "stripe_files", path))
    assert (run.rows_in, run.rows_loaded, run.rows_rejected, run.rows_skipped) == (3, 2, 0, 1)
    assert any("repeats are skipped" in notice for notice in run.notices)
    assert not any("loaded once" in notice for notice in run.notices)


def test_a_quarantined_line_rejects_its_invoice_record_and_keeps_the_rest(workspace, files):
    path = files / "stripe.jsonl"
    # Invoice 2 has one line in an unknown currency: that record is rejected (its other
    # line and the invoice itself still load, the report names the line).
    _write(path, [CUSTOMER, _invoice(1, 2), _invoice(2, 2, line_currency="xxy")])
    run = services.source_sync(source=make_source(workspace, "stripe_files", path, quarantine=True))
    assert run.status == RunStatus.PARTLY_LOADED
    assert (run.rows_in, run.rows_loaded, run.rows_rejected, run.rows_skipped) == (3, 2, 1, 0)
    assert _balanced(run)


def test_a_rejected_batch_counts_every_row_it_read_as_rejected(workspace, files):
    path = files / "stripe.jsonl"
    _write(path, [CUSTOMER, _invoice(1, 2, line_currency="xxy")])
    source = make_source(workspace, "stripe_files", path)
    run = services.source_sync(source=source)
    assert run.status == RunStatus.REJECTED
    assert (run.rows_in, run.rows_loaded, run.rows_rejected, run.embedded_loaded) == (2, 0, 2, 0)
    assert run.batches_rejected == 1
    source.refresh_from_db()
    assert source.status == SourceStatus.REJECTED
    assert source.last_synced_at is None and source.last_sync_started_at is not None


def test_a_sync_with_nothing_new_is_skipped(workspace, files):
    path = files / "stripe.jsonl"
    _write(path, [CUSTOMER])
    source = make_source(workspace, "stripe_files", path)
    services.source_sync(source=source)
    run = services.source_sync(source=source)
    assert (run.status, run.message) == (RunStatus.SKIPPED, "Nothing new to load.")


def test_sync_and_runs_print_the_notices_and_the_counts(workspace, files):
    path = files / "stripe.jsonl"
    _write(path, [CUSTOMER, _invoice(1, 2), CUSTOMER])
    make_source(workspace, "stripe_files", path, name="billing")
    out = StringIO()
    call_command("sources", "sync", "billing", stdout=out)
    printed = out.getvalue()
    assert "3 rows read: 2 loaded, 0 rejected, 1 skipped; 2 embedded objects" in printed
    assert "notice: stripe.jsonl: 1 rows repeat an earlier row exactly" in printed
    out = StringIO()
    call_command("sources", "runs", "billing", stdout=out)
    assert "notice: stripe.jsonl: 1 rows repeat" in out.getvalue()
    assert "Succeeded: 1 batch(es): 3 rows read" in out.getvalue()
