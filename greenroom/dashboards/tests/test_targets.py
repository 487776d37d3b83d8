"""Headline figures against the key results bound to their metric and slice.

The fixture (``loaded``): month-end MRR Jan 505, Feb 770, Mar 740, Apr 750, May 830 (2026),
refreshed as of 2026-05-31; with ``period=2026Q2`` the headline month is May 2026.
"""

from datetime import date

import pytest

from greenroom.dashboards import periods, selectors
from greenroom.dashboards.boardpack import content
from greenroom.strategy import services as strategy

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 5, 31)


@pytest.fixture
def objective(loaded):
    return strategy.objective_save(
        actor=loaded.ops,
        workspace=loaded.workspace,
        data={
            "title": "Grow revenue",
            "starts_on": date(2026, 1, 1),
            "ends_on": date(2026, 12, 31),
        },
    )


def _kr(personas, objective, title, metric, target, *, where=None, grain="month", **dates):
    return strategy.key_result_save(
        actor=personas.ops,
        workspace=personas.workspace,
        data={
            "objective": objective,
            "title": title,
            "baseline": target / 2,
            "target": target,
            "starts_on": dates.get("starts_on", date(2026, 1, 1)),
            "due_on": dates.get("due_on", date(2026, 6, 30)),
            "source": "metric",
            "metric_name": metric,
            "metric_where": where or {},
            "metric_grain": grain,
        },
    )


def _kpis(personas, where=None) -> dict[str, dict]:
    period = periods.parse("2026Q2", as_of=AS_OF)
    scope = selectors.scope_for(personas.workspace, where=where or {}, period=period, as_of=AS_OF)
    return {k["key"]: k for k in selectors.executive(scope)["kpis"]}, scope


def test_it_reads_an_mrr_key_result_as_the_arr_target_twelve_times_over(loaded, objective):
    kr = _kr(loaded, objective, "MRR to 1,000", "mrr", 1000.0)
    kpis, _ = _kpis(loaded)
    target = kpis["arr"]["target"]
    # By hand: an MRR target of 1,000 a month is 12,000 a year.
    assert target.value == pytest.approx(12_000)
    assert target.due_on == date(2026, 6, 30)
    assert target.url == f"/strategy/goals/key-results/{kr.pk}/"
    kr.refresh_from_db()
    assert target.status == kr.status and target.status_label == kr.get_status_display()


def test_it_shows_only_key_results_of_the_same_slice_grain_and_window(loaded, objective):
    _kr(loaded, objective, "Enterprise MRR", "mrr", 900.0, where={"segment": ["Enterprise"]})
    _kr(loaded, objective, "Q1 ARR", "arr", 9000.0, due_on=date(2026, 3, 31))  # due before May
    _kr(loaded, objective, "Weekly active accounts", "active_accounts", 9.0, grain="week")
    _kr(loaded, objective, "Churn under 2 %", "logo_churn", 0.02)
    _kr(loaded, objective, "ARR by year end", "arr", 15_000.0, due_on=date(2026, 12, 31))
    _kr(loaded, objective, "ARR by July", "arr", 11_000.0, due_on=date(2026, 7, 31))
    kpis, _ = _kpis(loaded)
    assert kpis["active_accounts"]["target"] is None
    assert kpis["nrr"]["target"] is None
    assert kpis["logo_churn"]["target"].value == pytest.approx(0.02)
    # Two fit May: the one due first is the next milestone.
    assert kpis["arr"]["target"].value == pytest.approx(11_000)
    assert kpis["arr"]["target"].title == "ARR by July"


def test_it_shows_a_sliced_key_result_on_the_same_slice_only(loaded, objective):
    _kr(loaded, objective, "SMB MRR", "mrr", 500.0, where={"segment": ["SMB", "SMB"]})
    kpis, _ = _kpis(loaded, where={"segment": ["SMB"]})
    assert kpis["arr"]["target"].value == pytest.approx(6000)
    assert _kpis(loaded)[0]["arr"]["target"] is None


def test_it_draws_the_target_with_its_due_date_status_and_key_result(loaded, objective):
    kr = _kr(loaded, objective, "MRR to 1,000", "mrr", 1000.0)
    kr.refresh_from_db()
    page = loaded.client(loaded.viewer).get("/dashboards/executive/?period=2026Q2").content.decode()
    assert 'title="$12,000.00">$12.0K<' in page
    assert "by 30 Jun 2026" in page
    assert f'href="/strategy/goals/key-results/{kr.pk}/"' in page
    assert kr.get_status_display() in page


def test_it_puts_the_same_target_in_the_board_packs_vs_target_column(loaded, objective):
    _kr(loaded, objective, "MRR to 1,000", "mrr", 1000.0)
    kpis, scope = _kpis(loaded)
    slide = content._headline(scope, list(kpis.values()), "USD")
    rows = {row[0]: row for row in slide.blocks[0].rows[1:]}
    # By hand: May ARR 9,960 against 12,000: 9,960 / 12,000 - 1 = -17.0 %.
    assert rows["ARR"][4:] == ["$12.0K", "\u221217.0 %"]
    assert rows["Net revenue retention"][4:] == ["", ""]
    assert "ARR, “MRR to 1,000”, due 30 Jun 2026" in slide.footnote
