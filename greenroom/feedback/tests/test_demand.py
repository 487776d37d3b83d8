"""Demand and priority against a hand-worked fixture (docs/feedback.md, "Demand")."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from greenroom.customers.models import Account, Contact
from greenroom.customers.tests.factories import make_org
from greenroom.feedback import selectors, services
from greenroom.feedback.choices import Importance, SourceKind, Status
from greenroom.feedback.models import FeedbackItem, PriorityWeights

TODAY = date(2026, 4, 30)


def _item(ws, n, account=None, contact=None, when=datetime(2026, 3, 10, tzinfo=UTC)):
    return FeedbackItem.objects.create(
        workspace=ws,
        source_kind=SourceKind.API,
        source_id=str(n),
        received_at=when,
        text="0123456789",
        account=account,
        contact=contact,
    )


@pytest.fixture
def world(personas):
    ws, ops = personas.workspace, personas.ops
    org = make_org(ws)
    a = Account.objects.create(
        workspace=ws, name="A", segment=org.mid, market=org.dach, crm_arr=Decimal("100000")
    )
    b = Account.objects.create(
        workspace=ws, name="B", segment=org.ent, market=org.us, crm_arr=Decimal("250000")
    )
    c = Account.objects.create(workspace=ws, name="C", segment=org.mid, market=org.us, crm_arr=None)
    a1 = Contact.objects.create(workspace=ws, account=a, first_name="A1", email="a1@a.example")
    a2 = Contact.objects.create(workspace=ws, account=a, first_name="A2", email="a2@a.example")
    sso = services.opportunity_create(actor=ops, workspace=ws, title="SSO")
    other = services.opportunity_create(actor=ops, workspace=ws, title="Dark mode")
    items = [
        _item(ws, 1, a, a1),  # A, nice to have
        _item(ws, 2, a, a2, datetime(2026, 4, 2, tzinfo=UTC)),  # A again, critical
        _item(ws, 3, b),  # B, important
        _item(ws, 4, c),  # C: no ARR known
        _item(ws, 5),  # no customer, important
        _item(ws, 6, b),  # B, merged into item 3 below: counted once
    ]
    for item, importance in zip(items, (1, 3, 2, 1, 2, 3), strict=True):
        services.highlight_create(
            actor=ops, item=item, opportunity=sso, start=0, end=4, importance=importance
        )
    services.item_mark_duplicate(actor=ops, item=items[5], of=items[2])
    services.highlight_create(
        actor=ops,
        item=items[2],
        opportunity=other,
        start=0,
        end=2,
        importance=Importance.NICE_TO_HAVE,
    )
    return {"ws": ws, "org": org, "sso": sso, "other": other, "items": items}


def test_it_counts_demand_as_worked_by_hand(world):
    d = selectors.demand(workspace=world["ws"], opportunities=[world["sso"]], today=TODAY)[
        world["sso"].pk
    ]
    # Items 1-5 (6 is a duplicate of 3, and its highlight moved onto item 3).
    assert (d.items, d.accounts, d.contacts, d.unmatched) == (5, 3, 2, 1)
    assert d.arr == Decimal("350000")  # A 100,000 + B 250,000 + C unknown (0)
    # Max importance per requester: A 3, B 3 (item 6's critical moved to item 3), C 1, item 5 2.
    assert d.score == 3 + 3 + 1 + 2
    # Weighted ARR: A 100,000 x 3/3 + B 250,000 x 3/3 + C 0.
    assert d.weighted_arr == Decimal("350000.00")
    assert d.by_segment == [
        {"name": "Enterprise", "accounts": 1, "arr": Decimal("250000")},
        {"name": "Mid-market", "accounts": 2, "arr": Decimal("100000")},
    ]
    assert [(g["name"], g["accounts"]) for g in d.by_market] == [("United States", 2), ("DACH", 1)]
    assert d.trend == [
        {"month": date(2026, 3, 1), "items": 4, "accounts": 3},
        {"month": date(2026, 4, 1), "items": 1, "accounts": 1},
    ]


def test_it_ranks_opportunities_by_the_configured_weights(world, personas):
    weights = services.weights_set(
        actor=personas.ops,
        workspace=world["ws"],
        arr=1,
        count=1,
        strategic=1,
        recency=1,
        recency_half_life_days=30,
        strategic_segments=[world["org"].ent],
    )
    found = selectors.demand(
        workspace=world["ws"],
        opportunities=[world["sso"], world["other"]],
        weights=weights,
        today=TODAY,
    )
    sso, other = found[world["sso"].pk], found[world["other"].pk]
    # SSO: ARR 350k/350k = 1; requesters 4/4 = 1; strategic 1 of 3 accounts; recency: ages
    # 51, 28, 51, 51, 51 days with a 30-day half-life.
    recency = (4 * 0.5 ** (51 / 30) + 0.5 ** (28 / 30)) / 5
    assert sso.priority == round(100 * (1 + 1 + 1 / 3 + recency) / 4, 1)
    # Dark mode: B only: ARR 250k/350k, 1/4 requesters, strategic 1/1, recency of item 3.
    expected = (250 / 350 + 1 / 4 + 1 + 0.5 ** (51 / 30)) / 4
    assert other.priority == round(100 * expected, 1)


def test_it_leaves_merged_items_out_and_keeps_them(world):
    duplicate = world["items"][5]
    duplicate.refresh_from_db()
    assert duplicate.status == Status.DUPLICATE and duplicate.duplicate_of == world["items"][2]
    assert PriorityWeights.objects.count() == 0
