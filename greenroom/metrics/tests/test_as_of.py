"""As-of follows the data: each family's metrics are computed where its data ends, running
periods are flagged partial, headlines are the last complete month's, and --as-of wins.

Hand-worked fixtures (docs/metrics.md, "As of the data's end"):

- Mid-March: customer A pays 100 a month billed on the 1st (January to March), customer B
  50 a month billed on the 15th (15 January to 15 March). The last billed period starts on
  15 March, so revenue is as of 2026-03-15: MRR is 150 at the end of January, February and
  of 15 March; March is month-to-date; nobody churns.
- 2015: three customers (100, 200, 300 a month) billed on the 1st from January to December
  2015. Revenue is as of 2015-12-01: 600 every month, December to date, no churn. Forced to
  2016-06-30 (as the wall clock would), every account churns in January 2016: -600.
"""

from datetime import date
from itertools import pairwise

import pytest

from greenroom.metrics import coverage, selectors, services, store
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE, RawLoader, invoice, line, price
from greenroom.metrics.tests.test_usage import _event

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
MID_MARCH = date(2026, 3, 15)


def _months(year: int, first: int, last: int, day: int = 1) -> list[str]:
    """ISO dates of ``day`` in months first..last+1 of ``year`` (the last one ends a period)."""
    dates = []
    for month in range(first, last + 2):
        y, m = year + (month - 1) // 12, (month - 1) % 12 + 1
        dates.append(f"{y:04d}-{m:02d}-{day:02d}")
    return dates


def _subscriber(customer: str, amount: int, starts: list[str]) -> list[dict]:
    """A monthly subscriber's invoices, one per period between consecutive ``starts``."""
    plan = price(f"price_{customer}", "prod_x", amount)
    return [
        invoice(customer, start, [line(f"sub_{customer}", plan, start, end)])
        for start, end in pairwise(starts)
    ]


def load_mid_march(loader: RawLoader) -> None:
    loader.docs(
        "stripe_invoices",
        _subscriber("cus_A", 10000, _months(2026, 1, 3))
        + _subscriber("cus_B", 5000, _months(2026, 1, 3, day=15)),
    )


def load_2015(loader: RawLoader) -> None:
    docs = []
    for customer, amount in (("cus_1", 10000), ("cus_2", 20000), ("cus_3", 30000)):
        docs += _subscriber(customer, amount, _months(2015, 1, 12))
    loader.docs("stripe_invoices", docs)


def _refresh_as_of(raw: RawLoader) -> date:
    return raw.connection.execute(
        "SELECT as_of FROM meta.refreshes ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()[0]


def test_it_computes_revenue_as_of_the_start_of_the_last_billed_period(raw):
    load_mid_march(raw)
    report = refresh_connection(raw.connection, reference=REFERENCE)
    computed = Computed(raw.connection)
    assert report.data_coverage.data_ends == {"revenue": MID_MARCH, "usage": None, "cost": None}
    assert report.data_coverage.as_ofs["revenue"] == MID_MARCH
    assert _refresh_as_of(raw) == MID_MARCH
    assert computed.series("mrr") == {JAN: 150, FEB: 150, MAR: 150}
    assert all(row["churn"] == 0 for row in computed.rows("mrr_movements"))
    assert set(computed.series("logo_churn").values()) == {0}


def test_it_shows_last_years_history_without_anyone_churning(raw):
    load_2015(raw)
    refresh_connection(raw.connection, reference=REFERENCE)
    computed = Computed(raw.connection)
    assert _refresh_as_of(raw) == date(2015, 12, 1)
    mrr = computed.series("mrr")
    assert list(mrr) == [date(2015, month, 1) for month in range(1, 13)]
    assert set(mrr.values()) == {600}
    assert sum(row["churn"] for row in computed.rows("mrr_movements")) == 0
    assert set(computed.series("logo_churn").values()) == {0}
    assert computed.series("paying_accounts")[date(2015, 12, 1)] == 3


def test_an_explicit_as_of_wins_and_the_next_refresh_follows_the_data_again(raw):
    load_2015(raw)
    refresh_connection(raw.connection, reference=REFERENCE, as_of=date(2016, 6, 30))
    computed = Computed(raw.connection)
    assert _refresh_as_of(raw) == date(2016, 6, 30)
    assert coverage.recorded(raw.connection).forced
    # What the wall clock did to a history: every account churns when the data stops.
    assert computed.rows("mrr_movements", start=date(2016, 1, 1), end=date(2016, 1, 1))[0][
        "churn"
    ] == pytest.approx(-600)
    # No new batch, but the as-of date moved back: the revenue model is rebuilt to it.
    report = refresh_connection(raw.connection, reference=REFERENCE)
    assert report.mode == "incremental"
    assert "model.mrr" in report.rebuilt
    assert max(Computed(raw.connection).series("mrr")) == date(2015, 12, 1)
    assert not coverage.recorded(raw.connection).forced


def test_an_upload_of_old_exchange_rates_does_not_move_the_as_of_of_billing(raw):
    load_mid_march(raw)
    refresh_connection(raw.connection, reference=REFERENCE)
    raw.fx([("2015-01-02", "EUR", 0.9), ("2015-01-02", "GBP", 0.8), ("2015-01-02", "JPY", 120)])
    report = refresh_connection(raw.connection, reference=REFERENCE)
    assert report.mode == "incremental"
    assert report.data_coverage.as_ofs["revenue"] == MID_MARCH
    assert _refresh_as_of(raw) == MID_MARCH
    assert Computed(raw.connection).series("mrr") == {JAN: 150, FEB: 150, MAR: 150}


def test_each_family_is_as_of_its_own_data_and_a_metric_of_two_as_of_the_earliest(raw):
    load_mid_march(raw)
    raw.rows(
        "events",
        [_event("e1", "u1", "cus_A", "workspace", "2026-02-20T23:30:00+00:00")],
        source="segment",
    )
    raw.rows("costs", [("gl-1", date(2026, 1, 31), "6000", "Dashboards", 100, "USD", "")])
    measured = refresh_connection(raw.connection, reference=REFERENCE).data_coverage
    assert measured.as_ofs == {
        "revenue": MID_MARCH,
        "usage": date(2026, 2, 20),
        "cost": date(2026, 1, 31),
    }
    assert measured.as_of == MID_MARCH
    assert coverage.metric_as_of(measured, ("events", "fx_rates")) == date(2026, 2, 20)
    assert coverage.metric_as_of(measured, ("costs", "stripe_invoices")) == date(2026, 1, 31)
    assert coverage.metric_as_of(measured, ("fx_rates",)) == MID_MARCH


def test_a_record_dated_in_the_future_is_not_data_yet(raw):
    load_mid_march(raw)
    refresh_connection(raw.connection, reference=REFERENCE)
    measured = coverage.measure(raw.connection, today=date(2026, 3, 10))
    assert measured.data_ends["revenue"] == date(2026, 3, 10)
    assert coverage.measure(raw.connection, today=date(2027, 1, 1)).as_ofs == dict.fromkeys(
        coverage.FAMILIES, MID_MARCH
    )


def test_an_empty_store_is_as_of_today(raw):
    measured = coverage.measure(raw.connection, today=date(2026, 12, 2))
    assert measured.as_ofs == dict.fromkeys(coverage.FAMILIES, date(2026, 12, 2))


@pytest.mark.parametrize(
    ("period", "grain", "as_of", "partial"),
    [
        (date(2026, 2, 1), "month", date(2026, 2, 28), False),
        (date(2026, 2, 1), "month", date(2026, 2, 27), True),
        (date(2024, 2, 1), "month", date(2024, 2, 28), True),  # leap year: 29 days
        (date(2026, 12, 1), "month", date(2026, 12, 31), False),
        (date(2026, 1, 1), "quarter", date(2026, 3, 31), False),
        (date(2026, 1, 1), "quarter", date(2026, 3, 15), True),
        (date(2026, 10, 1), "quarter", date(2026, 12, 31), False),
        (date(2026, 3, 2), "week", date(2026, 3, 8), False),  # Monday to Sunday
        (date(2026, 3, 2), "week", date(2026, 3, 7), True),
        (date(2026, 3, 15), "day", date(2026, 3, 15), False),  # read at the day's end
    ],
)
def test_it_flags_a_period_still_running_at_the_as_of_date(period, grain, as_of, partial):
    assert coverage.is_partial(period, grain, as_of) is partial


@pytest.fixture
def mid_march(db, settings, tmp_path, personas):
    """The mid-March fixture and a day of events in the viewer's workspace, refreshed the way
    a sync's queued refresh does (no as-of date)."""
    with store.writer(personas.workspace.pk) as connection:
        loader = RawLoader(connection)
        load_mid_march(loader)
        loader.rows(
            "events",
            [_event("e1", "u1", "cus_A", "workspace", "2026-02-20T10:00:00+00:00")],
            source="segment",
        )
    services.metrics_refresh(workspace=personas.workspace)
    return personas


def test_it_flags_the_running_month_partial_in_metric_results(mid_march):
    result = selectors.metric("mrr", workspace=mid_march.workspace)
    assert [(row["period"], row["value"], row["partial"]) for row in result.rows] == [
        (JAN, 150, False),
        (FEB, 150, False),
        (MAR, 150, True),
    ]
    assert result.freshness["as_of"] == MID_MARCH
    assert not result.freshness["as_of_given"]
    quarter = selectors.metric("mrr", workspace=mid_march.workspace, grain="quarter")
    assert [row["partial"] for row in quarter.rows] == [True]
    mau = selectors.metric("mau", workspace=mid_march.workspace)
    assert mau.freshness["as_of"] == date(2026, 2, 20)
    assert [(row["period"], row["partial"]) for row in mau.rows] == [(FEB, True)]


def test_the_api_says_which_points_are_partial_and_where_each_family_ends(mid_march):
    response = mid_march.client(mid_march.viewer).get("/api/v1/metrics/mrr")
    assert response.status_code == 200
    body = response.json()
    assert [row["partial"] for row in body["rows"]] == [False, False, True]
    assert body["freshness"]["as_of"] == "2026-03-15"
    assert body["freshness"]["as_of_given"] is False
    assert body["freshness"]["data_ends"] == {
        "revenue": "2026-03-15",
        "usage": "2026-02-20",
        "cost": None,
    }


def test_the_dashboard_headline_is_the_last_complete_month_and_march_is_to_date(mid_march):
    page = mid_march.client(mid_march.viewer).get("/metrics/").content.decode()
    assert "MRR at Feb 2026, the last complete month (USD)" in page
    assert "ARR at Feb 2026 (USD)" in page
    marker = '<span class="muted">(month to date)</span>'
    revenue = page[page.index('id="mrr-title"') : page.index('id="mau-title"')]
    assert revenue.count(f"Mar 2026 {marker}") == 3  # MRR, movements, retention
    assert f"Feb 2026 {marker}" not in revenue
    usage = page[page.index('id="mau-title"') :]
    assert f"Feb 2026 {marker}" in usage  # events end on 20 February
    assert "2026-03-15" in page


def test_account_arr_is_the_last_complete_months_and_the_running_month_is_named(mid_march):
    found = selectors.account_revenue(workspace=mid_march.workspace, account_ids=["cus_B"])
    assert found["cus_B"]["arr"] == 600
    assert found["cus_B"]["arr_month"] == FEB
    assert found["cus_B"]["running_month"] == MAR
    assert found["cus_B"]["trend"] == [(JAN, 50), (FEB, 50), (MAR, 50)]
    one_month = selectors.account_revenue(
        workspace=mid_march.workspace, account_ids=["cus_A"], months=1
    )
    assert one_month["cus_A"]["trend"] == [(MAR, 100)]
    assert (one_month["cus_A"]["arr"], one_month["cus_A"]["arr_month"]) == (1200, FEB)


def test_a_metric_export_carries_partial_for_the_running_period(mid_march):
    import csv
    import io

    from openpyxl import load_workbook

    client = mid_march.client(mid_march.viewer)
    response = client.get("/metrics/mrr.csv?grain=month")
    assert response.status_code == 200
    assert 'filename="mrr-as-of-2026-03-15.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["period", "partial"] and "value" in rows[0]
    value = rows[0].index("value")
    assert [(r[0], r[1], r[value]) for r in rows[1:]] == [
        ("2026-01-01", "False", "150.0"),
        ("2026-02-01", "False", "150.0"),
        ("2026-03-01", "True", "150.0"),
    ]
    xlsx = client.get("/metrics/mrr.xlsx?grain=quarter")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0][:2] == ["period", "partial"] and cells[1][1] is True
    assert client.get("/metrics/mrr.csv?grain=fortnight").status_code == 404
    assert client.get("/metrics/nothing.csv").status_code == 404
    page = client.get("/metrics/").content.decode()
    assert 'href="/metrics/mrr.csv?grain=month"' in page
    # Another workspace's admin exports their own workspace (no data here), never this one.
    assert mid_march.client(mid_march.outsider).get("/metrics/mrr.csv").status_code == 404
    assert mid_march.client(None).get("/metrics/mrr.csv").status_code == 302
