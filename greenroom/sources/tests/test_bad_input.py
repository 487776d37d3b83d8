"""Real-world mess: every problem is reported with its file, row and field, and a batch with
problems loads nothing unless the source quarantines bad rows."""

import json

from greenroom.sources import services
from greenroom.sources.choices import RunStatus, SourceStatus
from greenroom.sources.tests.conftest import fixture_copy, make_source, query


def _sync(source):
    return services.source_sync(source=source)


def _errors(run):
    return [(e["file"], e["row"], e["field"], e["reason"]) for e in run.errors]


def test_it_accepts_crlf_line_ends_and_says_so(workspace, files):
    text = (files / "x").parent  # noqa: F841 (folder exists)
    path = files / "costs.csv"
    path.write_bytes((fixture_copy("costs.csv", files).read_text()).replace("\n", "\r\n").encode())
    run = _sync(make_source(workspace, "costs", path))
    assert run.status == RunStatus.SUCCEEDED
    assert query("SELECT count(*) FROM raw.costs") == [(4,)]
    assert any("CRLF" in notice for notice in run.notices)


def test_it_reports_invalid_utf8_with_line_and_byte_offset_and_loads_nothing(workspace, files):
    path = fixture_copy("segment.jsonl", files)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"Report Viewed", b"Report \xff Viewed")
    path.write_bytes(b"\n".join(lines))
    offset = len(b"\n".join(lines[:2])) + 1 + lines[2].index(b"\xff")
    source = make_source(workspace, "segment", path)
    run = _sync(source)
    assert run.status == RunStatus.REJECTED
    assert _errors(run) == [
        ("segment.jsonl", 3, "(encoding)", f"invalid UTF-8 byte 0xff at byte offset {offset}")
    ]
    assert query("SELECT count(*) FROM raw.events") == [(0,)]
    source.refresh_from_db()
    assert source.status == SourceStatus.REJECTED


def test_it_quarantines_bad_rows_when_asked_and_loads_the_rest(workspace, files):
    path = fixture_copy("segment.jsonl", files)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"Report Viewed", b"Report \xff Viewed")
    lines[3] = lines[3].replace(b'"2025-03-02T23:59:59.999-05:00"', b'"yesterday"')
    path.write_bytes(b"\n".join(lines))
    run = _sync(make_source(workspace, "segment", path, quarantine=True))
    assert run.status == RunStatus.PARTLY_LOADED
    assert run.rows_rejected == 2
    assert query("SELECT count(*) FROM raw.events") == [(2,)]
    rejected = query('SELECT "row", field, reason FROM meta.rejected_rows ORDER BY "row"')
    assert rejected[0][:2] == (3, "(encoding)")
    assert rejected[1] == (4, "timestamp", "not a timestamp: yesterday")
    # The rejected line is kept whole, to fix and load again.
    (record,) = query('SELECT record FROM meta.rejected_rows WHERE "row" = 4')[0]
    assert record.startswith('{"type":"track","messageId":"ajs-trk-002"') and "yesterday" in record


def test_it_names_expected_and_found_columns_when_one_is_missing(workspace, files):
    path = files / "costs.csv"
    path.write_text("Date,Account,Team,Value,Currency\n2025-01-31,6100,Billing,10,EUR\n")
    run = _sync(make_source(workspace, "costs", path))
    assert run.status == RunStatus.REJECTED
    (error,) = _errors(run)
    assert error[:3] == ("costs.csv", 1, "amount")
    assert "expected 'amount' or 'net amount' or 'debit'" in error[3]
    assert "found columns: Date, Account, Team, Value, Currency" in error[3]


def test_a_column_map_reads_renamed_columns(workspace, files):
    path = files / "costs.csv"
    path.write_text("Date,Account,Team,Value,Currency\n2025-01-31,6100,Billing,10,EUR\n")
    run = _sync(make_source(workspace, "costs", path, columns={"amount": "Value"}))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert query("SELECT amount FROM raw.costs")[0][0] == 10


def test_it_reports_wrong_types_and_unknown_currencies_by_row_and_field(workspace, files):
    path = files / "costs.csv"
    path.write_text(
        "date,account,cost centre,amount,currency\n"
        "2025-01-31,6100,Billing,12.50,EUR\n"
        "31/01/2025,6100,Billing,ten,EUR\n"
        "2025-01-31,6100,Billing,5,XYZ\n"
    )
    run = _sync(make_source(workspace, "costs", path))
    assert run.status == RunStatus.REJECTED
    assert _errors(run) == [
        ("costs.csv", 3, "amount", "not an amount: ten"),
        ("costs.csv", 3, "date", "not a date: 31/01/2025"),
        ("costs.csv", 4, "currency", "unknown currency XYZ (not an ISO 4217 code)"),
    ]
    assert query("SELECT count(*) FROM raw.costs") == [(0,)]


def test_it_reads_other_date_formats_when_configured(workspace, files):
    path = files / "fx.csv"
    path.write_text("date,currency,rate\n31/01/2025,EUR,0.96\n")
    run = _sync(make_source(workspace, "fx_rates", path, date_format="%d/%m/%Y"))
    assert run.status == RunStatus.SUCCEEDED, run.errors


def test_it_rejects_duplicate_ids_with_different_content_and_keeps_exact_repeats_once(
    workspace, files
):
    path = fixture_copy("segment.jsonl", files)
    lines = path.read_text().splitlines()
    changed = lines[2].replace("Report Viewed", "Report Printed")
    path.write_text("\n".join([*lines, lines[3], changed]) + "\n")
    run = _sync(make_source(workspace, "segment", path))
    assert run.status == RunStatus.REJECTED
    assert _errors(run) == [
        (
            "segment.jsonl",
            8,
            "event_id",
            "duplicate id ajs-trk-001 with different content (first at row 3)",
        )
    ]
    path.write_text("\n".join([*lines, lines[3]]) + "\n")
    run = _sync(make_source(workspace, "segment", path, name="segment-2"))
    assert run.status == RunStatus.SUCCEEDED
    assert any("repeat an earlier row exactly" in notice for notice in run.notices)
    assert query("SELECT count(*) FROM raw.events") == [(4,)]


def test_it_reports_lines_that_are_not_json_objects(workspace, files):
    path = fixture_copy("amplitude.json", files)
    path.write_text(path.read_text() + "not json\n[1, 2]\n")
    run = _sync(make_source(workspace, "amplitude", path))
    assert _errors(run) == [
        ("amplitude.json", 4, "(line)", "not valid JSON, or not a JSON object"),
        ("amplitude.json", 5, "(line)", "not valid JSON, or not a JSON object"),
    ]


def test_it_leaves_a_truncated_last_line_for_the_next_sync(workspace, files):
    path = fixture_copy("segment.jsonl", files)
    complete = path.read_text()
    last = '{"type":"track","messageId":"ajs-trk-009","event":"Report Viewed","userId":"u"'
    path.write_text(complete + last)
    source = make_source(workspace, "segment", path)
    run = _sync(source)
    assert run.status == RunStatus.SUCCEEDED
    assert any("line 7 is incomplete" in notice for notice in run.notices)
    assert query("SELECT count(*) FROM raw.events") == [(4,)]
    # The writer finishes the line; the next sync loads only it.
    path.write_text(complete + last + ',"timestamp":"2025-03-09T00:00:00Z"}\n')
    run = _sync(source)
    assert (run.rows_in, run.rows_loaded) == (1, 1)
    assert query("SELECT count(*) FROM raw.events") == [(5,)]


def test_it_reports_a_cut_off_stripe_list_document(workspace, files):
    path = files / "customers.json"
    path.write_text('{"object": "list", "data": [{"id": "cus_1", "object": "customer", "crea')
    run = _sync(make_source(workspace, "stripe_files", path))
    assert run.status == RunStatus.REJECTED
    assert _errors(run)[0][:3] == ("customers.json", 1, "(json)")


def test_it_accepts_late_and_out_of_order_events(workspace, files):
    path = fixture_copy("segment.jsonl", files)
    source = make_source(workspace, "segment", path)
    _sync(source)
    late = (
        '{"type":"track","messageId":"late-1","userId":"u","event":"Login",'
        '"timestamp":"2024-01-01T00:00:00Z"}\n'
    )
    with open(path, "a") as handle:
        handle.write(late)
    run = _sync(source)
    assert (run.rows_in, run.rows_loaded) == (1, 1)
    assert query("SELECT min(occurred_at)::DATE::VARCHAR FROM raw.events") == [("2024-01-01",)]


def test_it_rejects_unknown_stripe_objects_and_countries(workspace, files):
    stripe = files / "s.jsonl"
    stripe.write_text('{"id": "pi_1", "object": "payment_intent", "created": 1}\n')
    run = _sync(make_source(workspace, "stripe_files", stripe))
    assert _errors(run) == [("s.jsonl", 1, "object", "unknown Stripe object type payment_intent")]
    crm = files / "sf.csv"
    crm.write_text("Id,Name,BillingCountry\n001,Acme,Atlantis\n")
    run = _sync(make_source(workspace, "salesforce", crm))
    assert _errors(run) == [
        ("sf.csv", 2, "country", "unknown country Atlantis (use a name or ISO 3166 code)")
    ]


def test_quarantine_of_bad_bytes_in_a_csv_keeps_later_row_numbers_right(workspace, files):
    path = files / "costs.csv"
    path.write_bytes(
        b"date,account,cost centre,amount,currency\n"
        b"2025-01-31,6100,Billing,1,EUR\n"
        b"2025-01-31,61\xe900,Billing,2,EUR\n"
        b"2025-01-31,6100,Billing,3,EUR\n"
        b"2025-01-31,6100,Billing,x,EUR\n"
    )
    run = _sync(make_source(workspace, "costs", path, quarantine=True))
    assert run.status == RunStatus.PARTLY_LOADED
    rejected = query('SELECT "row", field FROM meta.rejected_rows ORDER BY "row"')
    assert rejected == [(3, "(encoding)"), (5, "amount")]
    assert query("SELECT amount FROM raw.costs ORDER BY amount") == [(1,), (3,)]


def _stripe_invoice(line_amounts: list, *, invoice_id: str = "in_1") -> str:
    lines = [
        {
            "id": f"il_{invoice_id}_{n}",
            "object": "line_item",
            "amount": amount,
            "currency": "usd",
            "proration": False,
            "subscription": "sub_1",
            "type": "subscription",
            "period": {"start": 1767225600, "end": 1769904000},
        }
        for n, amount in enumerate(line_amounts)
    ]
    invoice = {
        "id": invoice_id,
        "object": "invoice",
        "created": 1767225600,
        "customer": "cus_1",
        "currency": "usd",
        "status": "paid",
        "total": 0,
        "lines": {"object": "list", "has_more": False, "data": lines},
    }
    return json.dumps(invoice) + "\n"


def test_it_refuses_a_stripe_line_with_a_null_or_fractional_amount(workspace, files):
    path = files / "invoices.jsonl"
    path.write_text(
        _stripe_invoice([1000], invoice_id="in_ok")
        + _stripe_invoice([None], invoice_id="in_null")
        + _stripe_invoice([404.3], invoice_id="in_frac")
    )
    run = _sync(make_source(workspace, "stripe_files", path))
    assert run.status == RunStatus.REJECTED
    assert [(e[1], e[2]) for e in _errors(run)] == [(2, "amount"), (3, "amount")]
    assert "missing or null" in run.errors[0]["reason"]
    assert "not a whole number of minor units: 404.3" in run.errors[1]["reason"]
    assert query("SELECT count(*) FROM raw.stripe_invoice_lines") == [(0,)]


def test_it_loads_negative_stripe_lines_with_a_warning_naming_file_row_and_field(workspace, files):
    path = files / "invoices.jsonl"
    path.write_text(
        _stripe_invoice([1000], invoice_id="in_ok")
        + _stripe_invoice([2000, -1500], invoice_id="in_credit")
    )
    run = _sync(make_source(workspace, "stripe_files", path))
    assert run.status == RunStatus.SUCCEEDED
    assert query("SELECT count(*) FROM raw.stripe_invoice_lines") == [(3,)]
    (notice,) = [n for n in run.notices if "warnings" in n]
    assert notice.startswith("invoices.jsonl: 1 warnings in raw.stripe_invoice_lines: ")
    assert "invoices.jsonl, row 2, amount: negative amount -1500 (a credit): loaded" in notice
