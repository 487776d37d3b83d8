"""What keeps the portfolio and the re-evaluation after a refresh fast, without changing
what they show: the portfolio's queries do not grow with its items, its grouping is the one
the item models give, and the batched re-evaluation gives each key result the numbers that
reading its slice alone and evaluating it gives."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from greenroom.metrics import selectors as metrics
from greenroom.metrics import store
from greenroom.metrics.tests import fixtures
from greenroom.metrics.tests.raw import RawLoader
from greenroom.organisation.models import ProductArea
from greenroom.strategy import forecast, selectors, services
from greenroom.strategy.models import KeyResult, RoadmapItem
from greenroom.testing.factories import ProductFactory, TeamFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db

# Session, user, membership, template, items, links; the rest is the page's frame.
PORTFOLIO_QUERIES = 10


def _items(personas, goals, count: int, start: int = 0) -> list[RoadmapItem]:
    """``count`` items over three teams, serving each kind of goal in turn, some with a
    product area and a dependency on the item before."""
    ws, ops = personas.workspace, personas.ops
    teams = [goals["mine"].team, goals["other"].team, TeamFactory(workspace=ws)]
    product = ProductFactory(workspace=ws, name=f"Ledger {start}")
    area = ProductArea.objects.create(workspace=ws, product=product, name=f"Area {start}")
    serves = [
        {"key_result": goals["kr"]},
        {"objective": goals["mine"]},
        {"initiative": goals["initiative"]},
        {},
    ]
    made: list[RoadmapItem] = []
    for n in range(start, start + count):
        item = services.roadmap_item_save(
            actor=ops,
            workspace=ws,
            data={
                "title": f"Item {n}",
                "team": teams[n % 3],
                "column": ["Now", "Next", "Later"][n % 3],
                "product_area": area if n % 2 else None,
                **serves[n % 4],
            },
        )
        if made:
            services.roadmap_item_save(
                actor=ops, workspace=ws, data={}, instance=item, dependencies=[made[-1]]
            )
        made.append(item)
    return made


def _portfolio_queries(client, group: str) -> int:
    with max_queries(PORTFOLIO_QUERIES) as captured:
        response = client.get(reverse("strategy:portfolio"), {"group": group})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_portfolio_reads_as_many_queries_for_sixty_items_as_for_four(personas, goals):
    client = personas.client(personas.viewer)
    _items(personas, goals, 4)
    few = {group: _portfolio_queries(client, group) for group in selectors.GROUPINGS}
    _items(personas, goals, 56, start=4)
    many = {group: _portfolio_queries(client, group) for group in selectors.GROUPINGS}
    assert few == many
    body = client.get(reverse("strategy:portfolio")).content.decode()
    assert body.count("<tr>") == 60 + 2  # the items and each group's head row


def test_the_portfolio_groups_and_labels_items_as_their_models_do(personas, goals):
    """The portfolio reads plain values; the item models (``served_initiative``, their
    goals' titles, ``dependency_warnings``) are the independent reference."""
    ws = personas.workspace
    made = _items(personas, goals, 12)
    # An objective without an initiative serving an item that also names a key result
    # whose objective has one: the item's objective decides (it has no initiative).
    loose = services.objective_save(
        actor=personas.ops,
        workspace=ws,
        data={
            "title": "Loose objective",
            "team": goals["mine"].team,
            "starts_on": date(2026, 1, 1),
            "ends_on": date(2026, 12, 31),
        },
    )
    services.roadmap_item_save(
        actor=personas.ops,
        workspace=ws,
        data={"objective": loose, "key_result": goals["kr"]},
        instance=made[3],
    )
    models = {item.pk: item for item in selectors.roadmap_item_list(workspace=ws)}
    template = selectors.roadmap_template(workspace=ws)
    expected_warnings = selectors.dependency_warnings(list(models.values()), template.columns)
    for group in selectors.GROUPINGS:
        found = selectors.portfolio(workspace=ws, group=group)
        assert found.warnings == expected_warnings
        assert found.count == len(models) == 12
        for g in found.groups:
            for row in g.items:
                item = models[row.pk]
                initiative = selectors.served_initiative(item)
                if group == "product":
                    label = item.product_area.product.name if item.product_area else "No product"
                elif group == "initiative":
                    label = initiative.title if initiative else "No initiative"
                else:
                    label = initiative.intent.title if initiative else "No strategic intent"
                assert g.label == label
                assert (row.title, row.team, row.column) == (
                    item.title,
                    item.team.name,
                    item.column,
                )
                assert row.serves() == str(
                    item.key_result or item.objective or item.initiative or ""
                )
                assert row.get_status_display() == item.get_status_display()
                if item.key_result:
                    kr = row.key_result
                    assert (kr.pk, kr.status, kr.progress) == (
                        item.key_result.pk,
                        item.key_result.status,
                        item.key_result.progress,
                    )
                    assert kr.get_status_display() == item.key_result.get_status_display()
    loose_row = next(
        r for g in selectors.portfolio(workspace=ws).groups for r in g.items if r.pk == made[3].pk
    )
    assert loose_row.goal == "Loose objective"


def test_the_batched_recompute_gives_each_key_result_what_reading_it_alone_gives(personas, goals):
    """Every bound key result re-evaluated together after a refresh (slices sharing
    queries) against each one's own slice read alone (``metric_points``: no ``by``, its
    own filter) and evaluated by ``forecast.evaluate``: the same status, value, progress,
    expected progress and forecast with its interval."""
    ws = personas.workspace
    with store.writer(ws.pk) as connection:
        fixtures.load_revenue(RawLoader(connection))
    call_command(
        "refresh", "--as-of", fixtures.AS_OF.isoformat(), "--workspace", ws.slug,
        stdout=io.StringIO(),
    )  # fmt: skip
    slices = [
        ("mrr", {}, "month"),
        ("mrr", {"product": ["workspace"]}, "month"),
        ("mrr", {"product": ["insights"]}, "month"),
        ("mrr", {"product": ["workspace", "insights"]}, "month"),
        ("mrr", {"product": ["workspace"]}, "week"),
        ("mrr", {"product": ["insights"]}, "week"),
        ("mrr", {}, "quarter"),
        ("paying_accounts", {"product": ["workspace"]}, "month"),
        ("paying_accounts", {"product": ["insights"]}, "month"),
        ("arpa", {}, "month"),
        ("gone", {}, "month"),  # a metric that disappeared: a message, nothing else
    ]
    bound = [
        services.key_result_save(
            actor=personas.ops,
            workspace=ws,
            data={
                "objective": goals["mine"],
                "title": f"{name} {where} by {grain}",
                "baseline": 1.0,
                "target": 2000.0,
                "starts_on": date(2026, 1, 1),
                "due_on": date(2026, 12, 31),
                "source": "metric",
                "metric_name": name,
                "metric_where": where,
                "metric_grain": grain,
            },
        )
        for name, where, grain in slices
    ]
    metrics._remembered_results.clear()
    services.key_results_recompute(workspace=ws)
    today = timezone.localdate()
    compared = 0
    for kr in KeyResult.objects.filter(pk__in=[k.pk for k in bound]):
        metrics._remembered_results.clear()
        points, problem = services.metric_points(
            workspace=ws,
            name=kr.metric_name,
            where=kr.metric_where,
            grain=kr.metric_grain,
            starts_on=kr.starts_on,
            due_on=kr.due_on,
        )
        if problem is not None:
            assert (kr.status, kr.message) == (forecast.UNAVAILABLE, problem)
            continue
        alone = forecast.evaluate(
            baseline=kr.baseline,
            target=kr.target,
            starts_on=kr.starts_on,
            due_on=kr.due_on,
            points=points,
            today=today,
            unit=kr.unit,
        )
        got = (kr.status, kr.value, kr.value_as_of, kr.progress, kr.expected)
        assert got == (alone.status, alone.value, alone.as_of, alone.progress, alone.expected)
        assert (kr.forecast, kr.forecast_low, kr.forecast_high) == (
            alone.forecast,
            alone.forecast_low,
            alone.forecast_high,
        )
        compared += bool(points)
    assert compared >= 7  # most slices have points in the fixture's five months
