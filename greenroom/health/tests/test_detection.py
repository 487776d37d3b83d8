"""Each detector on hand-made metric rows: a quiet history raises nothing, a planted change
is found with the figures worked out by hand."""

from datetime import date

import pytest

from greenroom.health import detection


def months(n: int, last: date = date(2026, 11, 1)) -> list[date]:
    index = last.year * 12 + last.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(n - 1, -1, -1)]


def churn_rows(segment: str, churned: list[int], starting: int = 200) -> list[dict]:
    return [
        {
            "period": m,
            "segment": segment,
            "value": c / starting,
            "starting_accounts": starting,
            "churned_accounts": c,
            "partial": False,
        }
        for m, c in zip(months(len(churned)), churned, strict=True)
    ]


QUIET = [2, 3, 2, 1, 3, 2, 2, 4, 2, 3, 1, 2, 3]


def test_it_raises_nothing_on_a_quiet_churn_history():
    assert detection.segment_churn(churn_rows("SMB", QUIET)) == []


def test_it_finds_churn_in_a_segment_outside_its_usual_range():
    # Baseline (the 12 months before): median 2 of 200 = 1.0 %, MAD half an account = 0.25 %
    # -> 1.4826 * 0.25 % = 0.37 %, under the binomial floor sqrt(0.01 * 0.99 / 200) = 0.704 %,
    # which is the scale. November: 12 of 200 = 6 % -> z = 5 % / 0.704 % = 7.11.
    rows = churn_rows("Mid-market", [*QUIET[:-1], 12]) + churn_rows("SMB", QUIET)
    [found] = detection.segment_churn(rows)
    assert (found.subject, found.period) == ("Mid-market", date(2026, 11, 1))
    assert found.score.median == pytest.approx(0.01)
    assert found.score.z == pytest.approx(0.05 / (0.01 * 0.99 / 200) ** 0.5, rel=1e-9)
    assert "12 of 200 paying Mid-market accounts churned in November 2026" in found.summary


def test_it_does_not_call_one_more_churned_account_in_a_small_segment_news():
    # Median 0: the floor takes one account of 40 as the rate, sqrt(1/40 * 39/40 / 40) = 2.5 %;
    # two churned (5 %) score z = 2.0.
    rows = churn_rows("Enterprise", [0] * 12 + [2], starting=40)
    assert detection.segment_churn(rows) == []


def test_it_leaves_out_the_running_month():
    rows = churn_rows("Mid-market", [*QUIET[:-1], 12])
    rows[-1]["partial"] = True
    assert detection.segment_churn(rows) == []


def adoption_rows(shares: list[float], active: int = 100) -> list[dict]:
    return [
        {
            "period": m,
            "product": "insights",
            "feature": "scheduled_reports",
            "value": s,
            "accounts_using": round(s * active),
            "active_accounts": active,
            "partial": False,
        }
        for m, s in zip(months(len(shares)), shares, strict=True)
    ]


def test_it_finds_a_feature_whose_adoption_fell():
    quiet = [0.90, 0.92, 0.91, 0.93, 0.90, 0.91, 0.92, 0.90, 0.91, 0.93, 0.92, 0.91]
    names = {"insights": "Harbor Insights"}
    assert detection.feature_adoption(adoption_rows([*quiet, 0.90]), names) == []
    [found] = detection.feature_adoption(adoption_rows([*quiet, 0.20]), names)
    assert found.subject == "insights · scheduled_reports"  # keys: a rename is the same change
    assert found.title == "Adoption of scheduled reports in Harbor Insights fell to 20.0 %"
    assert found.score.z < -3.5


def cost_rows(costs: list[float], mrr: list[float]) -> list[dict]:
    return [
        {"period": m, "product": "automate", "cost": c, "mrr": r, "value": c / r, "partial": False}
        for m, c, r in zip(months(len(costs)), costs, mrr, strict=True)
    ]


def test_it_finds_cost_pulling_away_from_revenue_but_not_a_trend_both_share():
    growth = [100 * 1.03**k for k in range(14)]
    names = {"automate": "Harbor Automate"}
    assert detection.cost_vs_revenue(cost_rows(growth, growth), names) == []
    costs = [*growth[:-1], growth[-2] * 1.6]  # cost +60 % on the month, revenue +3 %
    [found] = detection.cost_vs_revenue(cost_rows(costs, growth), names)
    assert found.subject == "automate"
    assert found.title == "Harbor Automate: cost grew +60.0 %, revenue +3.0 %"
    # Cost-to-revenue now: cost 1.6 times last month's over MRR 1.03 times, from 1: 155.3 %.
    assert "cost-to-revenue is now 155.3 %" in found.summary


def usage_rows(account: str, events: list[int]) -> list[dict]:
    return [
        {"account_id": account, "period": m, "events": e, "partial": False}
        for m, e in zip(months(len(events)), events, strict=True)
    ]


def test_it_finds_a_usage_drop_at_a_large_account_but_not_a_usual_swing():
    quiet = [5000, 5200, 4900, 5100, 5300, 5000, 5150, 4950, 5050, 5200, 5100, 5000, 5000]
    rows = usage_rows("acc-1", quiet) + usage_rows("acc-2", [*quiet[:-1], 1200])
    [found] = detection.account_usage(rows, {"acc-2": "Globex"})
    assert found.subject == "Globex"
    assert found.title == "Usage at Globex fell 76.0 %"  # 1 - 1,200 / 5,000
    # A 20 % fall is unusual for this account but under the 30 % that makes it news.
    assert detection.account_usage(usage_rows("acc-3", [*quiet[:-1], 4000]), {}) == []
