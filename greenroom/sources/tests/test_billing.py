"""Billing from any system: charges and subscription lines, through the connector and the
revenue model, with MRR checked against hand-worked figures; and every bad-input case."""

import gzip
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from greenroom.metrics import store
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE
from greenroom.sources import services
from greenroom.sources.choices import RunStatus
from greenroom.sources.tests.conftest import make_source, query

CHARGES = """customer,month,amount,currency,plan
acme,2026-01,100.00,USD,workspace
acme,2026-02,"1,200.00",USD,workspace
acme,2026-03,$150.50,USD,insights
beta,2026-02,"1.000,00 €",EUR,workspace
beta,2026-03,-20,EUR,workspace
"""
# Hand-worked MRR at each month's end, in USD (EUR at 2 per USD, see _refresh):
# Jan: acme 100. Feb: acme 1200 + beta 1000/2 = 1700. Mar: acme 150.50; beta's -20/2 = -10 is
# a credit, not negative MRR (MRR is floored at zero per account and product: docs/metrics.md).
CHARGES_MRR = {date(2026, 1, 1): 100.0, date(2026, 2, 1): 1700.0, date(2026, 3, 1): 150.5}

LINES = """subscription,customer,plan,price,currency,interval,interval count,start,end,qty,discount
s1,acme,workspace,100,USD,month,1,2026-01-01,2026-03-15,2,10
s1,acme,workspace,120,USD,month,1,2026-03-15,,2,0
s2,beta,insights,1200,USD,year,1,2026-01-10,,1,10%
s3,gamma,workspace,300,USD,quarterly,1,2026-02-01,2026-02-20,1,
"""
# Hand-worked MRR at month ends:
# s1: Jan, Feb (100*2 - 10) = 190; from Mar 15: 120*2 = 240.
# s2: (1200 - 120) / 12 = 90 from Jan 10 on.
# s3: 300 / 3 = 100 a month, but ends Feb 20: nothing at a month end.
LINES_MRR = {date(2026, 1, 1): 280.0, date(2026, 2, 1): 280.0, date(2026, 3, 1): 330.0}


def _sync(workspace, files: Path, name: str, content: str | bytes, kind: str, **settings):
    path = files / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    source = make_source(workspace, kind, path, **settings)
    return services.source_sync(source=source)


def _mrr(workspace) -> dict:
    with store.writer(workspace.id) as conn:
        conn.execute(
            "INSERT INTO raw.fx_rates (date, currency, rate) VALUES ('2025-01-01', 'EUR', 2)"
        )
        refresh_connection(conn, reference=REFERENCE, as_of=date(2026, 3, 31))
        return Computed(conn).series("mrr")


def _messages(run) -> list[str]:
    return [error["reason"] for error in run.errors]


def test_it_turns_charges_per_month_into_hand_worked_mrr(workspace, files):
    run = _sync(workspace, files, "charges.csv", CHARGES, "billing_charges")
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert run.rows_loaded == 5
    assert any("1 rows have a negative amount (credits)" in n for n in run.notices)
    assert _mrr(workspace) == pytest.approx(CHARGES_MRR)


def test_it_turns_subscription_lines_into_hand_worked_mrr(workspace, files):
    run = _sync(workspace, files, "lines.csv", LINES, "billing_lines")
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert _mrr(workspace) == pytest.approx(LINES_MRR)


def test_it_joins_a_billing_customer_to_its_crm_account(workspace, files):
    _sync(workspace, files, "charges.csv", CHARGES, "billing_charges")
    crm = "Account ID,Account Name,Stripe Customer ID\n001A,Acme Inc,acme\n"
    _sync(workspace, files, "crm.csv", crm, "salesforce")
    with store.writer(workspace.id) as conn:
        conn.execute("INSERT INTO raw.fx_rates VALUES ('2025-01-01', 'EUR', 2, 'x', 'x', now())")
        refresh_connection(conn, reference=REFERENCE, as_of=date(2026, 3, 31))
        accounts = conn.execute("SELECT DISTINCT account_id FROM model.mrr ORDER BY 1").fetchall()
    assert accounts == [("001A",), ("beta",)]


def test_loading_the_same_file_again_changes_nothing(workspace, files):
    path = files / "charges.csv"
    path.write_text(CHARGES)
    source = make_source(workspace, "billing_charges", path)
    services.source_sync(source=source)
    services.source_sync(source=source, full=True)
    assert query("SELECT count(*) FROM raw.billing_charges") == [(5,)]


def test_it_reads_gz_zip_and_xlsx_files(workspace, files):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("export/charges.csv", CHARGES)
    book = Workbook()
    sheet = book.active
    for line in ["customer,month,amount,currency", "delta,2026-01,10,USD"]:
        sheet.append(line.split(","))
    sheet_bytes = io.BytesIO()
    book.save(sheet_bytes)
    for name, content in [
        ("charges.csv.gz", gzip.compress(CHARGES.encode())),
        ("charges.zip", packed.getvalue()),
        ("charges.xlsx", sheet_bytes.getvalue()),
    ]:
        folder = files / name.replace(".", "-")
        folder.mkdir()
        path = folder / name
        path.write_bytes(content)
        source = make_source(workspace, "billing_charges", path, name=folder.name)
        run = services.source_sync(source=source)
        assert run.status == RunStatus.SUCCEEDED, (name, run.errors)
    assert query("SELECT count(*) FROM raw.billing_charges") == [(6,)]


def test_a_csv_given_to_the_stripe_connector_is_named_once(workspace, files):
    run = _sync(workspace, files, "charges.jsonl", CHARGES, "stripe_files")
    assert run.status == RunStatus.REJECTED
    assert run.errors_total == 1
    message = _messages(run)[0]
    assert "this looks like CSV; the Stripe connector reads JSON lines" in message
    assert "billing_charges" in message


def test_json_given_to_a_csv_connector_is_named_once(workspace, files):
    lines = '{"object": "invoice", "id": "in_1"}\n{"object": "invoice", "id": "in_2"}\n'
    run = _sync(workspace, files, "invoices.csv", lines, "billing_charges")
    assert run.status == RunStatus.REJECTED
    assert run.errors_total == 1
    assert "this looks like JSON" in _messages(run)[0]
    (files / "ledger").mkdir()
    ledger = _sync(workspace, files / "ledger", "ledger.csv", lines, "costs")
    assert ledger.errors_total == 1
    assert "this looks like JSON" in _messages(ledger)[0]


def test_merged_header_rows_in_a_spreadsheet_are_refused_clearly(workspace, files):
    book = Workbook()
    sheet = book.active
    sheet.append(["Billing export Q1", None, None, None])
    sheet.merge_cells("A1:D1")
    sheet.append(["customer", "month", "amount", "currency"])
    sheet.append(["acme", "2026-01", "10", "USD"])
    content = io.BytesIO()
    book.save(content)
    run = _sync(workspace, files, "export.xlsx", content.getvalue(), "billing_charges")
    assert run.status == RunStatus.REJECTED
    assert run.errors_total == 1
    assert "merged header cells" in _messages(run)[0]
    (files / "merged").mkdir()
    csv_run = _sync(workspace, files / "merged", "m.csv", "Q1,,,\n" + CHARGES, "billing_lines")
    assert "merged header cells" in _messages(csv_run)[0]


def test_bad_amounts_are_one_message_with_their_first_rows(workspace, files):
    rows = "".join(f"c{i},2026-01,{i} apples,USD\n" for i in range(8))
    content = "customer,month,amount,currency\n" + rows + "x,2026-01,,USD\n"
    run = _sync(workspace, files, "charges.csv", content, "billing_charges")
    assert run.status == RunStatus.REJECTED
    messages = _messages(run)
    assert len(messages) == 2, messages
    assert messages[0].startswith("missing amount") and messages[0].endswith("1 row (rows 10)")
    assert "not an amount: 0 apples" in messages[1]
    assert "8 rows (rows 2, 3, 4, 5, 6 and 3 more)" in messages[1]
    assert query("SELECT count(*) FROM raw.billing_charges") == [(0,)]


def test_dates_in_several_formats_in_one_column_are_one_message(workspace, files):
    content = (
        "customer,month,amount,currency\n"
        "a,2026-01-01,1,USD\nb,01/02/2026,1,USD\nc,2026-03-01,1,USD\nd,03/04/2026,1,USD\n"
    )
    run = _sync(workspace, files, "charges.csv", content, "billing_charges")
    messages = _messages(run)
    assert len(messages) == 1, messages
    assert "dates in 2 formats in one column" in messages[0]
    assert "'2026-01-01' (row 2, 2 rows); '01/02/2026' (row 3, 2 rows)" in messages[0]


def test_an_unknown_currency_is_one_message(workspace, files):
    content = "customer,month,amount,currency\na,2026-01,1,USD\nb,2026-01,1,XYZ\nc,2026-01,1,XYZ\n"
    run = _sync(workspace, files, "charges.csv", content, "billing_charges")
    assert _messages(run) == ["unknown currency XYZ (not an ISO 4217 code) — 2 rows (rows 3, 4)"]


def test_an_overlapping_period_of_one_subscription_is_refused(workspace, files):
    content = (
        "subscription,customer,price,currency,interval,start,end\n"
        "s1,acme,10,USD,month,2026-01-01,2026-03-01\n"
        "s1,acme,12,USD,month,2026-02-01,\n"
        "s2,beta,10,USD,month,2026-01-01,2026-02-01\n"
        "s2,beta,10,USD,month,2026-02-01,\n"
    )
    run = _sync(workspace, files, "lines.csv", content, "billing_lines")
    assert run.status == RunStatus.REJECTED
    assert _messages(run) == [
        "period overlaps another of subscription s1 (row 2 runs past this start) — 1 row (rows 3)"
    ]


def test_the_recurly_preset_reads_recurlys_subscription_export(workspace, files):
    content = (
        "uuid,account_code,plan_code,unit_amount,quantity,currency,activated_at,"
        "canceled_at,expires_at\n"
        "abc123,acme,workspace,50.00,2,USD,2026-01-05T10:00:00Z,2026-02-01T00:00:00Z,"
        "2026-03-05T10:00:00Z\n"
    )
    run = _sync(workspace, files, "subscriptions.csv", content, "recurly", interval="month")
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert query(
        "SELECT subscription_id, customer, amount, quantity, start_date, end_date "
        "FROM raw.billing_subscription_lines"
    ) == [("abc123", "acme", 50, 2, date(2026, 1, 5), date(2026, 3, 5))]


def test_the_column_preview_reads_a_packed_billing_file_and_guesses_its_columns(workspace, files):
    from greenroom.sources.previews import column_preview

    path = files / "charges.csv.gz"
    path.write_bytes(gzip.compress(CHARGES.encode()))
    preview = column_preview(make_source(workspace, "billing_charges", path))
    assert preview is not None and not preview.problems
    assert preview.columns == ["customer", "month", "amount", "currency", "plan"]
    assert preview.matched == {
        "customer": "customer",
        "period": "month",
        "amount": "amount",
        "currency": "currency",
        "plan": "plan",
    }


def test_a_charge_overlapping_another_of_the_same_customer_and_plan_is_refused(workspace, files):
    content = (
        "customer,period,amount,currency,plan\n"
        "acme,2026-01-15,10,USD,team\n"
        "acme,2026-02-01,10,USD,team\n"
        "acme,2026-02-01,10,USD,other\n"
    )
    run = _sync(workspace, files, "charges.csv", content, "billing_charges")
    assert _messages(run) == [
        "period overlaps the charge at row 2 for the same customer, plan and currency "
        "(each charge covers a month from its period) — 1 row (rows 3)"
    ]


def test_a_spreadsheets_problems_name_the_sheets_own_rows(workspace, files):
    book = Workbook()
    sheet = book.active
    sheet.append(["customer", "month", "amount", "currency"])
    sheet.append(["acme", "2026-01", "10", "USD"])
    sheet.append([])
    sheet.append(["beta", "2026-01", "ten", "USD"])
    content = io.BytesIO()
    book.save(content)
    run = _sync(workspace, files, "charges.xlsx", content.getvalue(), "billing_charges")
    assert run.errors[0]["row"] == 4
    assert _messages(run)[0].endswith("1 row (rows 4)")


LINES_HEADER = "subscription,customer,price,currency,interval,start,end\n"


def test_a_period_overlapping_a_line_from_another_file_of_the_source_is_refused(workspace, files):
    (files / "2026-01.csv").write_text(
        LINES_HEADER
        + "s1,acme,10,USD,month,2026-01-01,2026-03-01\n"
        + "s2,beta,10,USD,month,2026-01-01,2026-02-01\n"
    )
    source = make_source(workspace, "billing_lines", files / "*.csv")
    assert services.source_sync(source=source).status == RunStatus.SUCCEEDED
    (files / "2026-02.csv").write_text(
        LINES_HEADER
        + "s1,acme,12,USD,month,2026-02-01,\n"  # s1 runs to Mar 1 in the other file
        + "s2,beta,10,USD,month,2026-02-01,\n"  # follows s2's line: no overlap
        + "s1,acme,12,USD,month,2026-02-15,\n"
    )
    run = services.source_sync(source=source)
    assert run.status == RunStatus.REJECTED
    assert _messages(run) == [
        # One message for the kind inside the file, one for the kind across files.
        "period overlaps another of subscription s1 (row 2 runs past this start) — 1 row (rows 4)",
        "period overlaps a line of subscription s1 this source loaded before, from another "
        "file or an earlier version of this one (2026-01-01 to 2026-03-01): end one of the "
        "two periods — 2 rows (rows 2, 4)",
    ]
    # Nothing of the second file is loaded.
    assert query("SELECT count(*) FROM raw.billing_subscription_lines") == [(2,)]


def test_a_file_sending_its_own_lines_again_is_no_overlap(workspace, files):
    path = files / "lines.csv"
    path.write_text(LINES_HEADER + "s1,acme,10,USD,month,2026-01-01,2026-03-01\n")
    source = make_source(workspace, "billing_lines", path)
    services.source_sync(source=source)
    # The line's end changes (same subscription and start): it replaces the old one.
    path.write_text(LINES_HEADER + "s1,acme,10,USD,month,2026-01-01,2026-04-01\n")
    run = services.source_sync(source=source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert query("SELECT end_date FROM raw.billing_subscription_lines") == [(date(2026, 4, 1),)]


def test_subscription_lines_name_an_unknown_currency_and_mixed_dates_once_each(workspace, files):
    content = (
        LINES_HEADER
        + "s1,acme,10,USD,month,2026-01-01,\n"
        + "s2,beta,10,XYZ,month,01/02/2026,\n"
        + "s3,gamma,10,XYZ,month,2026-03-01,\n"
    )
    run = _sync(workspace, files, "lines.csv", content, "billing_lines")
    assert run.status == RunStatus.REJECTED
    messages = _messages(run)
    assert len(messages) == 2, messages
    assert "dates in 2 formats in one column" in messages[0]
    assert "'2026-01-01' (row 2, 2 rows); '01/02/2026' (row 3, 1 row)" in messages[0]
    assert messages[1] == "unknown currency XYZ (not an ISO 4217 code) — 2 rows (rows 3, 4)"
    assert query("SELECT count(*) FROM raw.billing_subscription_lines") == [(0,)]


def test_a_charge_overlapping_one_from_another_file_of_the_source_is_refused(workspace, files):
    header = "customer,period,amount,currency,plan\n"
    (files / "a.csv").write_text(header + "acme,2026-01-15,10,USD,team\n")
    source = make_source(workspace, "billing_charges", files / "*.csv")
    assert services.source_sync(source=source).status == RunStatus.SUCCEEDED
    (files / "b.csv").write_text(
        header
        + "acme,2026-02-01,10,USD,team\n"  # Jan 15's month runs to Feb 15
        + "acme,2026-02-01,10,USD,other\n"  # another plan: no overlap
        + "acme,2026-02-20,10,USD,team\n"  # overlaps row 2 of this file, not Jan 15's
    )
    run = services.source_sync(source=source)
    assert run.status == RunStatus.REJECTED
    assert _messages(run) == [
        "period overlaps the charge at row 2 for the same customer, plan and currency (each "
        "charge covers a month from its period) — 1 row (rows 4)",
        "period overlaps the charge from 2026-01-15 for the same customer, plan and currency "
        "that this source loaded before, from another file or an earlier version of this one "
        "(each charge covers a month from its period) — 1 row (rows 2)",
    ]
    assert query("SELECT count(*) FROM raw.billing_charges") == [(1,)]
    # The first file re-made with a new amount for its charge (same customer, plan, currency
    # and period) replaces it: no overlap with itself.
    (files / "b.csv").unlink()
    (files / "a.csv").write_text(header + "acme,2026-01-15,12,USD,team\n")
    assert services.source_sync(source=source).status == RunStatus.SUCCEEDED
    assert query("SELECT amount FROM raw.billing_charges") == [(12,)]
