"""The accounts behind the MRR movements, against the fixture's hand-worked table
(greenroom/metrics/tests/fixtures.py) and against the mrr_movements metric itself."""

from datetime import date

import pytest

from greenroom.metrics import selectors as metrics

pytestmark = pytest.mark.django_db

# Month → the (movement, amount) each account made, worked out from the fixture's table.
EXPECTED = {
    date(2026, 2, 1): {
        ("expansion", 200.0),
        ("contraction", -25.0),
        ("new", 150.0),
        ("churn", -60.0),
    },
    date(2026, 3, 1): {("churn", -50.0), ("churn", -70.0), ("reactivation", 60.0), ("new", 30.0)},
    date(2026, 4, 1): {("contraction", -100.0), ("expansion", 100.0), ("expansion", 10.0)},
    date(2026, 5, 1): {("reactivation", 80.0)},
}


@pytest.mark.parametrize("month", list(EXPECTED))
def test_it_lists_each_accounts_movement_as_worked_out_by_hand(loaded, month):
    moved = metrics.account_movements(workspace=loaded.workspace, month=month)
    assert {(m["movement"], round(m["amount"], 2)) for m in moved} == EXPECTED[month]
    assert [abs(m["amount"]) for m in moved] == sorted(
        (abs(m["amount"]) for m in moved), reverse=True
    )


def test_its_amounts_add_up_to_the_movements_metric_every_month(loaded):
    result = metrics.metric("mrr_movements", workspace=loaded.workspace, grain="month")
    for row in result.rows:
        moved = metrics.account_movements(workspace=loaded.workspace, month=row["period"])
        for part in ("new", "expansion", "reactivation", "contraction", "churn"):
            total = sum(m["amount"] for m in moved if m["movement"] == part)
            assert total == pytest.approx(row[part], abs=1e-6), (row["period"], part)


def test_it_follows_a_slice_filter(loaded):
    everything = metrics.account_movements(workspace=loaded.workspace, month=date(2026, 3, 1))
    segment = everything[0]["segment"]
    sliced = metrics.account_movements(
        workspace=loaded.workspace, month=date(2026, 3, 1), where={"segment": [segment]}
    )
    assert sliced and {m["segment"] for m in sliced} == {segment}
    nothing = metrics.account_movements(
        workspace=loaded.workspace, month=date(2026, 3, 1), where={"segment": ["no-such"]}
    )
    assert nothing == []


def test_it_keeps_the_largest_of_each_movement_when_asked(loaded):
    month = date(2026, 3, 1)
    every = metrics.account_movements(workspace=loaded.workspace, month=month)
    top = metrics.account_movements(workspace=loaded.workspace, month=month, largest=1)
    assert [(m["movement"], m["amount"]) for m in top] == [
        (m["movement"], m["amount"])
        for m in every
        if m is next(x for x in every if x["movement"] == m["movement"])
    ]
