"""Each accepted format, read from small fixtures in the real export shapes."""

from datetime import UTC, date, datetime
from decimal import Decimal

from greenroom.sources import services
from greenroom.sources.choices import RunStatus
from greenroom.sources.tests.conftest import fixture_copy, make_source, query


def _sync(source):
    return services.source_sync(source=source)


def test_it_loads_segment_track_page_and_identify_calls(workspace, files):
    source = make_source(workspace, "segment", fixture_copy("segment.jsonl", files))
    run = _sync(source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    rows = query(
        "SELECT event_id, event, user_id, account_id, product_key, feature, occurred_at, "
        "source_format FROM raw.events ORDER BY event_id"
    )
    assert [r[0] for r in rows] == ["ajs-pg-001", "ajs-trk-000", "ajs-trk-001", "ajs-trk-002"]
    by_id = {r[0]: r for r in rows}
    # 10:15 at +02:00 is 08:15 UTC; 23:59:59.999 at -05:00 is the next day in UTC.
    assert by_id["ajs-trk-001"][6] == datetime(2025, 3, 1, 8, 15, tzinfo=UTC)
    assert by_id["ajs-trk-002"][6] == datetime(2025, 3, 3, 4, 59, 59, 999000, tzinfo=UTC)
    assert by_id["ajs-trk-001"][1:6] == (
        "Report Viewed",
        "user_1",
        "acc_acme",
        "insights",
        "reports",
    )
    assert by_id["ajs-pg-001"][1] == "Page Viewed"
    assert by_id["ajs-trk-000"][4] is None  # no product property and no default
    identities = query("SELECT message_id, user_id, account_id FROM raw.identities ORDER BY 1")
    assert identities == [("ajs-grp-001", "user_1", "acc_acme"), ("ajs-id-001", "user_1", None)]
    assert run.rows_in == 6 and run.rows_loaded == 6


def test_it_uses_the_configured_product_property_and_default(workspace, files):
    source = make_source(
        workspace,
        "segment",
        fixture_copy("segment.jsonl", files),
        product_property="feature",
        default_product="core",
    )
    _sync(source)
    rows = dict(query("SELECT event_id, product_key FROM raw.events"))
    assert rows["ajs-trk-001"] == "reports"
    assert rows["ajs-pg-001"] == "core"


def test_it_loads_an_amplitude_export(workspace, files):
    source = make_source(workspace, "amplitude", fixture_copy("amplitude.json", files))
    run = _sync(source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    rows = query(
        "SELECT event_id, event, user_id, anonymous_id, account_id, product_key, occurred_at "
        "FROM raw.events ORDER BY occurred_at"
    )
    assert rows[0] == (
        "5f0c1a2e-9f3b-4c51-8d7e-2b1c0a9e7d11",
        "Dashboard Created",
        "user_1",
        "d-11aa",
        "acc_acme",
        "insights",
        datetime(2025, 3, 4, 14, 3, 22, 417000, tzinfo=UTC),
    )
    assert rows[1][4] == "acc_globex"  # a group given as a string, not a list
    # Without $insert_id the event's uuid is its id; no groups, no account.
    assert rows[2][0] == "b1c2d3e4-0000-4000-8000-000000000003" and rows[2][4] is None


def test_it_loads_posthog_json_lines_and_csv(workspace, files):
    fixture_copy("posthog.jsonl", files)
    fixture_copy("posthog.csv", files)
    source = make_source(workspace, "posthog", files)
    run = _sync(source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    rows = {
        r[0]: r[1:]
        for r in query(
            "SELECT event_id, account_id, product_key, feature, occurred_at FROM raw.events"
        )
    }
    assert len(rows) == 4
    assert rows["0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02"] == (
        "acc_globex",
        "insights",
        "exports",
        datetime(2025, 3, 6, 10, 30, tzinfo=UTC),
    )
    assert rows["0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b01"][0] == "acc_acme"
    assert rows["0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b02"][3] == datetime(
        2025, 3, 7, 16, 5, tzinfo=UTC
    )


def test_it_loads_stripe_objects_and_their_embedded_lists(workspace, files):
    fixture_copy("stripe.jsonl", files)
    source = make_source(workspace, "stripe_files", files)
    run = _sync(source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    counts = {
        table: query(f"SELECT count(*) FROM raw.{table}")[0][0]
        for table in (
            "stripe_customers",
            "stripe_products",
            "stripe_prices",
            "stripe_subscriptions",
            "stripe_subscription_items",
            "stripe_invoices",
            "stripe_invoice_lines",
            "stripe_credit_notes",
        )
    }
    assert counts == dict.fromkeys(counts, 1)
    item = query(
        "SELECT id, parent_id, created, doc->>'quantity' FROM raw.stripe_subscription_items"
    )
    assert item == [("si_PAcme01", "sub_1Acme", datetime(2024, 1, 2, 0, 1, 40), "12")]
    line = query(
        "SELECT id, parent_id, created, (doc->>'amount')::INT FROM raw.stripe_invoice_lines"
    )
    # A line has no created of its own: it takes its invoice's.
    assert line == [("il_1Acme0225", "in_1Acme0225", datetime(2025, 2, 1, 0, 1, 40), 94800)]


def test_it_loads_a_stripe_list_response_and_a_newer_version_replaces_the_older(workspace, files):
    fixture_copy("stripe.jsonl", files, "a.jsonl")
    fixture_copy("stripe_customers_list.json", files, "b.json")
    source = make_source(workspace, "stripe_files", files)
    run = _sync(source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    rows = query("SELECT id, doc->>'email' FROM raw.stripe_customers ORDER BY id")
    assert rows == [("cus_Acme001", "finance@acme.example"), ("cus_Globex02", "ap@globex.example")]


def test_it_loads_gl_costs(workspace, files):
    source = make_source(workspace, "costs", fixture_copy("costs.csv", files))
    run = _sync(source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    rows = query(
        "SELECT entry_id, date, account, cost_centre, amount, currency FROM raw.costs "
        "ORDER BY entry_id"
    )
    assert rows[0] == (
        "JE-1001-1",
        date(2025, 1, 31),
        "6100 Salaries",
        "Billing",
        Decimal("52400.00"),
        "EUR",
    )
    assert sum(r[4] for r in rows) == Decimal("52400.00") + Decimal("61200.50") + Decimal(
        "8450.10"
    ) + Decimal("52400.00")


def test_it_loads_headcount(workspace, files):
    source = make_source(workspace, "headcount", fixture_copy("headcount.csv", files))
    run = _sync(source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    rows = query(
        "SELECT person_id, name, team, role, start_date, end_date, annual_loaded_cost, "
        "currency FROM raw.headcount ORDER BY person_id"
    )
    assert rows[2] == (
        "E-003",
        "Chen Wei",
        "Insights",
        "Engineer",
        date(2021, 6, 14),
        date(2025, 2, 28),
        Decimal("128500.00"),
        "EUR",
    )
    assert rows[0][5] is None


def test_it_loads_salesforce_and_hubspot_accounts(workspace, files):
    sf = make_source(workspace, "salesforce", fixture_copy("salesforce.csv", files), name="sf")
    hs = make_source(workspace, "hubspot", fixture_copy("hubspot.csv", files), name="hs")
    assert _sync(sf).status == RunStatus.SUCCEEDED
    run = _sync(hs)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    rows = {
        r[0]: r[1:]
        for r in query(
            "SELECT account_id, name, domain, country, owner, employees, annual_revenue, currency, "
            "stripe_customer_id, crm FROM raw.crm_accounts"
        )
    }
    assert rows["0015g00000XyZ1AAA"] == (
        "Acme GmbH",
        "acme.example",
        "DE",
        "Maria Schmidt",
        1200,
        Decimal("250000000.00"),
        "EUR",
        "cus_Acme001",
        "salesforce",
    )
    assert rows["0015g00000XyZ3AAA"][1:3] == ("initech.example", "GB")
    # HubSpot has no currency column: amounts are in the workspace's reporting currency.
    assert rows["9876543211"][:3] == ("Hooli", "hooli.example", "US")
    assert rows["9876543210"][6] == "EUR"


def test_it_loads_fx_rates(workspace, files):
    source = make_source(workspace, "fx_rates", fixture_copy("fx.csv", files))
    assert _sync(source).status == RunStatus.SUCCEEDED
    assert query("SELECT rate FROM raw.fx_rates WHERE currency = 'GBP'") == [
        (Decimal("0.80510000"),)
    ]


def test_it_adds_the_columns_a_newer_version_writes_to_an_older_store(workspace, files):
    from greenroom.metrics import store

    # A store created before identities had message_id and batches had rows_rejected.
    with store.writer(workspace.pk) as conn:
        conn.execute("CREATE SCHEMA raw")
        conn.execute("CREATE SCHEMA meta")
        conn.execute(
            "CREATE TABLE raw.identities (user_id VARCHAR, account_id VARCHAR, traits JSON, "
            "seen_at TIMESTAMPTZ, _source VARCHAR, _batch VARCHAR, _loaded_at TIMESTAMPTZ)"
        )
        conn.execute(
            "CREATE TABLE meta.batches (batch VARCHAR, source VARCHAR, table_name VARCHAR, "
            "rows_in BIGINT, rows_loaded BIGINT, started_at TIMESTAMPTZ, "
            "committed_at TIMESTAMPTZ, cursor VARCHAR)"
        )
    run = _sync(make_source(workspace, "segment", fixture_copy("segment.jsonl", files)))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert query("SELECT count(*) FROM raw.identities WHERE message_id IS NOT NULL") == [(2,)]
    assert query("SELECT sum(rows_rejected) FROM meta.batches") == [(0,)]


def test_it_reads_parquet_with_the_same_columns_as_csv(workspace, files):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "Employee ID": ["E-9"],
            "Department": ["Billing"],
            "Title": ["PM"],
            "Hire Date": ["2024-01-02"],
            "Loaded Cost": ["150000"],
        }
    )
    pq.write_table(table, files / "people.parquet")
    source = make_source(workspace, "headcount", files / "people.parquet")
    run = _sync(source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert query("SELECT person_id, team, annual_loaded_cost, currency FROM raw.headcount") == [
        ("E-9", "Billing", Decimal("150000.00"), "EUR")
    ]
    assert _sync(source).rows_in == 0  # unchanged file: nothing to read


def test_it_reads_typed_parquet_columns_as_values(workspace, files):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"date": [dt.date(2025, 1, 31)], "currency": ["EUR"], "rate": [0.96]})
    pq.write_table(table, files / "fx.parquet")
    run = _sync(make_source(workspace, "fx_rates", files / "fx.parquet"))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert query("SELECT date, rate FROM raw.fx_rates") == [(date(2025, 1, 31), Decimal("0.96"))]


def _posthog_rows(properties: list[str]) -> dict[str, list[str]]:
    return {
        "uuid": [f"ph-{n}" for n in range(len(properties))],
        "event": ["Feature Used"] * len(properties),
        "distinct_id": ["user_1"] * len(properties),
        "timestamp": ["2025-03-01T10:00:00Z"] * len(properties),
        "created_at": ["2025-03-01T10:00:01Z"] * len(properties),
        "properties": properties,
    }


def test_it_rejects_posthog_parquet_and_csv_whose_properties_are_not_json(workspace, files):
    # Parquet is staged straight from the file (a view): the check is the stage's own.
    import pyarrow as pa
    import pyarrow.csv as pv
    import pyarrow.parquet as pq

    good = '{"product": "insights", "$groups": {"company": "acc_acme"}}'
    table = pa.table(_posthog_rows([good, "{not json", good]))
    pq.write_table(table, files / "posthog.parquet")
    pv.write_csv(table, files / "posthog.csv")
    for name in ("posthog.parquet", "posthog.csv"):
        run = _sync(make_source(workspace, "posthog", files / name, name=name.replace(".", "-")))
        assert run.status == RunStatus.REJECTED
        row = 2 if name.endswith(".parquet") else 3  # a CSV's header is its row 1
        assert [(e["row"], e["field"], e["reason"]) for e in run.errors] == [
            (row, "properties", "not valid JSON: {not json")
        ]
    assert query("SELECT count(*) FROM raw.events") == [(0,)]


def test_it_loads_the_good_rows_of_posthog_parquet_in_quarantine(workspace, files):
    import pyarrow as pa
    import pyarrow.parquet as pq

    good = '{"product": "insights", "$groups": {"company": "acc_acme"}}'
    pq.write_table(pa.table(_posthog_rows([good, "{not json"])), files / "posthog.parquet")
    run = _sync(make_source(workspace, "posthog", files / "posthog.parquet", quarantine=True))
    assert (run.rows_loaded, run.rows_rejected) == (1, 1)
    assert query("SELECT event_id, account_id, product_key FROM raw.events") == [
        ("ph-0", "acc_acme", "insights")
    ]
    assert query('SELECT "row", field, reason FROM meta.rejected_rows') == [
        (2, "properties", "not valid JSON: {not json")
    ]
