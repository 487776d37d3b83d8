"""Cost and headcount per team, shared out to products, against hand-worked numbers."""

from datetime import date

import pytest

from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests import fixtures
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)
# Dashboards hires on 16 January at €96,000 a year: 16/31 of €8,000, at 0.8 EUR per USD.
INSIGHTS_JANUARY = 8000 * 16 / 31 / 0.8 + 1000


@pytest.fixture
def costs(raw) -> Computed:
    fixtures.load_revenue(raw)
    fixtures.load_costs(raw)
    refresh_connection(raw.connection, reference=REFERENCE, as_of=fixtures.AS_OF)
    return Computed(raw.connection)


def _table(rows, *keys):
    return {tuple(row[key] for key in keys): row["value"] for row in rows}


def test_it_shares_team_cost_out_to_the_products_it_owns(costs):
    january = _table(costs.rows("cost", by=["product"], start=JAN, end=JAN), "period", "product")
    assert january == pytest.approx(
        {(JAN, "workspace"): 10000, (JAN, "insights"): INSIGHTS_JANUARY, (JAN, "unallocated"): 5000}
    )


def test_it_counts_people_employed_at_the_months_end(costs):
    rows = costs.rows("headcount", by=["team"], start=JAN, end=FEB)
    assert _table(rows, "period", "team") == {
        (JAN, "Dashboards"): 1,
        (JAN, "Growth"): 1,
        (JAN, "Projects & Tasks"): 1,
        (FEB, "Dashboards"): 1,
        (FEB, "Projects & Tasks"): 1,
    }


def test_it_relates_product_cost_and_staff_to_revenue(costs):
    ratio = _table(costs.rows("cost_to_revenue", end=JAN), "product")
    assert ratio == pytest.approx(
        {("insights",): INSIGHTS_JANUARY / 125, ("workspace",): 10000 / 380}, abs=1e-6
    )
    per_fte = _table(costs.rows("revenue_per_fte", end=JAN), "product")
    assert per_fte == pytest.approx({("insights",): 125 * 12, ("workspace",): 380 * 12})
