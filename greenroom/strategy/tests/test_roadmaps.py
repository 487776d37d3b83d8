"""Roadmaps: the template, items and their dependencies, moves on the board, permissions,
the portfolio with live key-result status, adherence, demand, snapshots and their diff, and
what strategy registers for other apps."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from greenroom import registry
from greenroom.accounts import services as account_services
from greenroom.accounts.models import AuditEvent
from greenroom.customers.models import Account
from greenroom.customers.tests.factories import make_org
from greenroom.feedback import services as feedback_services
from greenroom.feedback.choices import SourceKind
from greenroom.feedback.models import FeedbackItem
from greenroom.registry import EvidenceKind, Measure, PackSection
from greenroom.strategy import selectors, services
from greenroom.strategy.models import RoadmapItem
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def roadmap(personas, goals):
    """The PM's team (Invoicing) with an item in Next and one in Now; Growth with one in
    Later that Invoicing's Now item depends on."""
    ws, ops = personas.workspace, personas.ops
    mine, other = goals["mine"].team, goals["other"].team

    def item(title, team, column, **data):
        return services.roadmap_item_save(
            actor=ops,
            workspace=ws,
            data={"title": title, "team": team, "column": column, **data},
        )

    found = {
        "next": item("Recurring invoices", mine, "Next"),
        "now": item("Usage invoices", mine, "Now", key_result=goals["kr"]),
        "later": item("Trial emails", other, "Later"),
    }
    services.roadmap_item_save(
        actor=ops, workspace=ws, data={}, instance=found["now"], dependencies=[found["later"]]
    )
    return {**goals, **found}


def test_it_uses_now_next_later_until_product_ops_change_the_template(personas):
    template = selectors.roadmap_template(workspace=personas.workspace)
    assert template.columns == ["Now", "Next", "Later"] and template.pk is None
    assert template.required == ["goal", "evidence", "impact"]


def test_it_lets_product_ops_change_the_template_and_audits_it(personas, roadmap):
    client = personas.client(personas.ops)
    data = {
        "columns": "Now\nNext\nLater\nParked",
        "required": ["goal", "problem"],
        "scoring": "weighted",
        **{f"weight_{k}": "1" for k in ("value", "arr", "accounts", "confidence", "ease")},
    }
    response = client.post(reverse("strategy:roadmap_template"), data)
    assert response.status_code == 302
    template = selectors.roadmap_template(workspace=personas.workspace)
    assert template.columns[-1] == "Parked" and template.scoring == "weighted"
    event = AuditEvent.objects.get(action="roadmap_template.create")
    assert event.actor == personas.ops


def test_it_refuses_to_remove_a_column_that_holds_items(personas, roadmap):
    with pytest.raises(ValidationError, match="Items are still in Later"):
        services.roadmap_template_save(
            actor=personas.ops, workspace=personas.workspace, data={"columns": ["Now", "Next"]}
        )


def test_it_refuses_a_template_of_one_column_or_twice_the_same(personas):
    for columns in (["Now"], ["Now", "now"]):
        with pytest.raises(ValidationError):
            services.roadmap_template_save(
                actor=personas.ops, workspace=personas.workspace, data={"columns": columns}
            )


def test_it_refuses_the_template_to_a_pm_and_adherence_to_a_viewer(personas, roadmap):
    assert personas.client(personas.pm).get(reverse("strategy:roadmap_template")).status_code == 403
    viewer = personas.client(personas.viewer)
    assert viewer.get(reverse("strategy:roadmap_adherence")).status_code == 403


def test_it_rejects_a_dependency_cycle_naming_it(personas, roadmap):
    with pytest.raises(ValidationError) as error:
        services.roadmap_item_save(
            actor=personas.ops,
            workspace=personas.workspace,
            data={},
            instance=roadmap["later"],
            dependencies=[roadmap["now"]],
        )
    message = " ".join(error.value.messages)
    assert "cycle" in message and "“Trial emails” → “Usage invoices” → “Trial emails”" in message
    assert list(roadmap["later"].dependencies.all()) == []


def test_it_rejects_an_item_depending_on_itself(personas, roadmap):
    with pytest.raises(ValidationError, match="itself"):
        services.roadmap_item_save(
            actor=personas.ops,
            workspace=personas.workspace,
            data={},
            instance=roadmap["next"],
            dependencies=[roadmap["next"]],
        )


def test_it_refuses_a_column_the_template_does_not_have(personas, roadmap):
    with pytest.raises(ValidationError, match="not a column"):
        services.roadmap_item_move(actor=personas.pm, item=roadmap["next"], column="Someday")


def test_it_warns_of_an_item_in_now_depending_on_one_in_later(personas, roadmap):
    found = selectors.portfolio(workspace=personas.workspace)
    warning = found.warnings[roadmap["now"].pk]
    assert warning == ["In Now but depends on “Trial emails” (Growth), in Later."]
    assert roadmap["later"].pk not in found.warnings


def test_it_lets_a_pm_move_their_teams_item_by_the_form_and_records_the_author(personas, roadmap):
    client = personas.client(personas.pm)
    url = reverse("strategy:roadmap_item_move", args=[roadmap["next"].pk])
    response = client.post(url, {"column": "Now"})
    assert response.status_code == 302
    item = RoadmapItem.objects.get(pk=roadmap["next"].pk)
    assert (item.column, item.position) == ("Now", 1)  # after the item already there
    event = AuditEvent.objects.get(action="roadmap_item.move", object_id=str(item.pk))
    assert event.actor == personas.pm and event.detail["changed"] == {"column": ["Next", "Now"]}


def test_it_moves_by_drag_and_drop_to_a_place_and_renumbers_the_column(personas, roadmap):
    client = personas.client(personas.pm)
    url = reverse("strategy:roadmap_item_move", args=[roadmap["next"].pk])
    response = client.post(
        url, {"column": "Now", "position": "0"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and response.json()["position"] == 0
    now = RoadmapItem.objects.filter(team=roadmap["next"].team, column="Now").order_by("position")
    assert [i.title for i in now] == ["Recurring invoices", "Usage invoices"]
    bad = client.post(url, {"column": "Someday"}, headers={"Accept": "application/json"})
    assert bad.status_code == 400 and "not a column" in bad.json()["error"]


def test_it_refuses_a_move_to_another_teams_pm_a_viewer_and_an_outsider(personas, roadmap):
    url = reverse("strategy:roadmap_item_move", args=[roadmap["later"].pk])
    assert personas.client(personas.pm).post(url, {"column": "Now"}).status_code == 403
    assert personas.client(personas.viewer).post(url, {"column": "Now"}).status_code == 403
    assert personas.client(personas.outsider).post(url, {"column": "Now"}).status_code == 404
    assert personas.client(personas.ops).post(url, {"column": "Now"}).status_code == 302


def test_it_shows_the_board_read_only_to_a_viewer(personas, roadmap):
    client = personas.client(personas.viewer)
    team = roadmap["mine"].team_id
    with max_queries(16):
        response = client.get(reverse("strategy:roadmap"), {"team": team})
    body = response.content.decode()
    assert response.status_code == 200 and "Recurring invoices" in body
    assert 'draggable="true"' not in body and "move-form" not in body
    assert "Off template" in body  # no goal, evidence or impact
    assert "depends on “Trial emails”" in body


def test_it_shows_a_pm_their_own_board_with_drag_and_drop(personas, roadmap):
    body = personas.client(personas.pm).get(reverse("strategy:roadmap")).content.decode()
    assert "Invoicing" in body and 'draggable="true"' in body and "roadmap-board.js" in body


def test_it_lets_a_pm_link_their_item_to_a_key_result_and_keeps_the_history(personas, roadmap):
    client = personas.client(personas.pm)
    item = roadmap["next"]
    response = client.post(
        reverse("strategy:roadmap_item", args=[item.pk]),
        {
            "title": item.title,
            "team": item.team_id,
            "column": "Next",
            "status": "planned",
            "key_result": roadmap["kr"].pk,
            "revenue_unlocked": "120000",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    item.refresh_from_db()
    assert item.key_result == roadmap["kr"] and item.revenue_unlocked == Decimal("120000")
    page = client.get(reverse("strategy:roadmap_item", args=[item.pk])).content.decode()
    assert "roadmap_item.update" in page and "key_result" in page


def test_it_offers_a_pm_only_their_teams_when_adding_an_item(personas, roadmap):
    client = personas.client(personas.pm)
    response = client.post(
        reverse("strategy:roadmap_item_create"),
        {"title": "Sneaky", "team": roadmap["other"].team_id, "column": "Now", "status": "planned"},
    )
    assert response.status_code == 200 and not RoadmapItem.objects.filter(title="Sneaky")


def test_it_adds_link_evidence_and_refuses_an_unknown_registered_reference(personas, roadmap):
    client = personas.client(personas.pm)
    url = reverse("strategy:roadmap_item_evidence", args=[roadmap["next"].pk])
    client.post(
        url, {"kind": "link", "url": "https://example.com/interviews", "note": "Five calls"}
    )
    assert roadmap["next"].evidence.get().label == "Five calls"
    with registry.scratch():
        registry.register(EvidenceKind("toy-insight", "Toy insight", 1, resolve=lambda **kw: None))
        response = client.post(url, {"kind": "toy-insight", "reference": "99"}, follow=True)
    assert "No toy-insight" in response.content.decode()
    assert roadmap["next"].evidence.count() == 1


def test_it_shows_a_viewer_the_portfolio_with_live_key_result_status(personas, roadmap):
    client = personas.client(personas.viewer)
    with max_queries(14):
        response = client.get(reverse("strategy:portfolio"))
    body = response.content.decode()
    assert "Win mid-market" in body  # grouped by the intent the key result serves
    assert "Accounts on annual plans" in body and "No data" in body
    assert "No strategic intent" in body  # the items serving nothing
    by_team = client.get(reverse("strategy:portfolio"), {"group": "initiative"}).content.decode()
    assert "Self-serve upgrades" in by_team


def test_it_exports_the_portfolio_as_csv_and_pdf(personas, roadmap):
    client = personas.client(personas.viewer)
    csv = client.get(reverse("strategy:portfolio"), {"export": "csv"})
    text = b"".join(csv.streaming_content).decode()
    assert text.splitlines()[0].startswith("Group,Item,Team,Column")
    assert "Usage invoices,Invoicing,Now" in text
    pdf = client.get(reverse("strategy:portfolio"), {"export": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_it_lists_items_with_the_list_component_and_exports_them(personas, roadmap):
    client = personas.client(personas.viewer)
    with max_queries(14):
        response = client.get(reverse("strategy:roadmap_list"))
    assert response.status_code == 200 and "3 items" in response.content.decode()
    export = client.get(reverse("strategy:roadmap_list"), {"export": "csv"})
    assert "Recurring invoices" in b"".join(export.streaming_content).decode()


def test_it_answers_404_and_nothing_to_an_outsider(personas, roadmap):
    client = personas.client(personas.outsider)
    assert (
        client.get(reverse("strategy:roadmap_item", args=[roadmap["next"].pk])).status_code == 404
    )
    assert "Recurring invoices" not in client.get(reverse("strategy:portfolio")).content.decode()


def test_it_measures_adherence_per_team(personas, roadmap):
    rows = {row.team.name: row for row in selectors.adherence(workspace=personas.workspace)}
    assert (rows["Invoicing"].items, rows["Invoicing"].meeting) == (2, 0)
    assert rows["Invoicing"].missing == {"evidence": 2, "impact": 2, "goal": 1}
    opportunity = feedback_services.opportunity_create(
        actor=personas.ops, workspace=personas.workspace, title="Usage billing"
    )
    for item in (roadmap["now"], roadmap["next"]):
        services.roadmap_item_save(
            actor=personas.ops,
            workspace=personas.workspace,
            data={"revenue_unlocked": Decimal(1000), "objective": roadmap["mine"]},
            instance=item,
            opportunities=[opportunity],
        )
    rows = {row.team.name: row for row in selectors.adherence(workspace=personas.workspace)}
    assert rows["Invoicing"].share == 1.0 and rows["Invoicing"].on_standard
    assert not rows["Growth"].on_standard
    measure = next(m for m in registry.entries(Measure) if m.key == "teams-on-the-standard-roadmap")
    assert measure.compute is not None
    assert measure.compute(workspace=personas.workspace) == registry.Ratio(1, 2)
    page = personas.client(personas.ops).get(reverse("strategy:roadmap_adherence"))
    assert "1 of 2 teams" in page.content.decode()


def test_it_leaves_a_stale_roadmap_off_the_standard(personas, roadmap):
    (row,) = [r for r in selectors.adherence(workspace=personas.workspace) if r.items == 1]
    row.meeting = 1
    assert selectors.on_standard(row)
    assert not selectors.on_standard(row, now=timezone.now() + timedelta(days=91))


def test_it_counts_feedback_demand_once_per_account(personas, roadmap):
    ws, ops = personas.workspace, personas.ops
    org = make_org(ws)
    a = Account.objects.create(workspace=ws, name="A", segment=org.mid, crm_arr=Decimal(100_000))
    b = Account.objects.create(workspace=ws, name="B", segment=org.ent, crm_arr=Decimal(250_000))
    sso = feedback_services.opportunity_create(actor=ops, workspace=ws, title="SSO")
    scim = feedback_services.opportunity_create(actor=ops, workspace=ws, title="SCIM")
    for n, (account, opportunity) in enumerate(
        [(a, sso), (b, sso), (b, scim), (None, scim)], start=1
    ):
        item = FeedbackItem.objects.create(
            workspace=ws,
            source_kind=SourceKind.API,
            source_id=str(n),
            text="0123456789",
            received_at=datetime(2026, 3, 1, tzinfo=UTC),
            account=account,
        )
        feedback_services.highlight_create(
            actor=ops, item=item, opportunity=opportunity, start=0, end=4
        )
    services.roadmap_item_save(
        actor=ops, workspace=ws, data={}, instance=roadmap["next"], opportunities=[sso, scim]
    )
    items = list(selectors.roadmap_item_list(workspace=ws))
    demand = selectors.item_demand(workspace=ws, items=items)
    # A and B once each (B asks in both opportunities; the item with no account is not one)
    assert demand[roadmap["next"].pk] == selectors.Demand(2, Decimal(350_000))
    services.roadmap_item_save(
        actor=ops,
        workspace=ws,
        data={"impact_score": 2.0, "confidence": 50, "effort": 1.0},
        instance=roadmap["next"],
    )
    template = selectors.roadmap_template(workspace=ws)
    items = list(selectors.roadmap_item_list(workspace=ws))
    scores = selectors.item_scores(workspace=ws, items=items, template=template)
    assert scores[roadmap["next"].pk].value == 2.0  # reach 2 accounts x 2 x 50 % / 1


def test_it_takes_snapshots_and_diffs_any_two(personas, roadmap):
    ws = personas.workspace
    first = services.roadmap_snapshot_take(actor=personas.ops, workspace=ws, label="Q3")
    services.roadmap_item_move(actor=personas.pm, item=roadmap["next"], column="Now")
    services.roadmap_item_save(
        actor=personas.ops,
        workspace=ws,
        data={"title": "Dunning", "team": roadmap["mine"].team, "column": "Later"},
    )
    roadmap["later"].delete()
    second = services.roadmap_snapshot_take(actor=personas.ops, workspace=ws, label="Q4")
    diff = selectors.snapshot_diff(before=first, after=second)
    assert [r["title"] for r in diff.added] == ["Dunning"]
    assert [r["title"] for r in diff.removed] == ["Trial emails"]
    assert [(new["title"], fields) for _, new, fields in diff.changed] == [
        ("Recurring invoices", ["column"])
    ]
    page = personas.client(personas.viewer).get(
        reverse("strategy:roadmap_snapshots"), {"a": first.pk, "b": second.pk}
    )
    body = page.content.decode()
    assert "Next → Now" in body and "Take a snapshot" not in body


def test_it_lets_only_product_ops_take_a_snapshot_from_the_page(personas, roadmap):
    url = reverse("strategy:roadmap_snapshots")
    assert personas.client(personas.pm).post(url).status_code == 403
    assert personas.client(personas.ops).post(url).status_code == 302
    assert selectors.snapshot_list(workspace=personas.workspace).count() == 1


def test_it_gives_the_pack_the_roadmap_changes_with_their_authors(personas, roadmap):
    since = timezone.now() - timedelta(minutes=1)
    services.roadmap_item_move(actor=personas.pm, item=roadmap["next"], column="Now")
    section = next(s for s in registry.entries(PackSection) if s.key == "roadmap-diff")
    assert section.context is not None and not section.waits_for
    context = section.context(workspace=personas.workspace, since=since, until=timezone.now())
    moves = [e for e in context["events"] if e.action == "roadmap_item.move"]
    assert moves[0].actor == personas.pm


def test_it_resolves_a_roadmap_item_as_evidence_in_its_workspace_only(personas, roadmap):
    kind = next(k for k in registry.entries(EvidenceKind) if k.key == "roadmap-item")
    assert kind.resolve is not None
    label, url = kind.resolve(workspace=personas.workspace, reference=str(roadmap["next"].pk))
    assert label == "Recurring invoices (Invoicing, Next)" and url.endswith(
        f"/{roadmap['next'].pk}/"
    )
    outsider_ws = personas.outsider.memberships.get().workspace
    assert kind.resolve(workspace=outsider_ws, reference=str(roadmap["next"].pk)) is None
    assert kind.resolve(workspace=personas.workspace, reference="x") is None


def test_it_lists_and_moves_items_over_the_api(personas, roadmap, client):
    headers = _bearer(personas.pm)
    with max_queries(10):
        rows = client.get("/api/v1/strategy/roadmap-items", **headers).json()["items"]
    now = next(r for r in rows if r["title"] == "Usage invoices")
    assert now["key_result_status"] == "no_data"
    url = f"/api/v1/strategy/roadmap-items/{roadmap['next'].pk}/move"
    response = client.post(url, {"column": "Now"}, content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["column"] == "Now"
    other = f"/api/v1/strategy/roadmap-items/{roadmap['later'].pk}/move"
    refused = client.post(other, {"column": "Now"}, content_type="application/json", **headers)
    assert refused.status_code == 403
    bad = client.post(url, {"column": "Someday"}, content_type="application/json", **headers)
    assert bad.status_code in (400, 422)


def test_it_marks_a_pms_first_roadmap_when_an_item_of_theirs_meets_the_template(personas, goals):
    from greenroom.strategy.models import RoadmapTemplate

    ws, pm = personas.workspace, personas.pm
    RoadmapTemplate.objects.create(workspace=ws, required=["goal"])
    milestone = next(m for m in registry.entries(registry.Milestone) if m.key == "first-roadmap")
    mine = goals["mine"].team
    services.roadmap_item_save(
        actor=pm, workspace=ws, data={"title": "No goal yet", "team": mine, "column": "Next"}
    )
    assert milestone.reached(workspace=ws, user=pm) is None

    services.roadmap_item_save(
        actor=pm,
        workspace=ws,
        data={"title": "Serves a goal", "team": mine, "column": "Now", "key_result": goals["kr"]},
    )
    created = AuditEvent.objects.get(action="roadmap_item.create", object_label="Serves a goal")
    assert milestone.reached(workspace=ws, user=pm) == created.at
    assert milestone.reached(workspace=ws, user=personas.viewer) is None


def test_it_gives_a_review_pack_the_goal_status_and_what_moved_since(personas, goals):
    section = next(s for s in registry.entries(PackSection) if s.key == "goals")
    assert section.template and not section.waits_for
    context = section.context(
        workspace=personas.workspace,
        since=timezone.now() - timedelta(days=1),
        until=timezone.now(),
    )
    assert all(count > 0 for _, count in context["counts"])
    assert goals["kr"] in [change.key_result for change in context["changes"]]


def test_it_resolves_an_opportunity_as_evidence_by_number_or_url(personas):
    from greenroom.feedback.models import Opportunity

    opportunity = Opportunity.objects.create(workspace=personas.workspace, title="Bulk export")
    kind = next(k for k in registry.entries(EvidenceKind) if k.key == "opportunity")
    url = reverse("feedback:opportunity", args=[opportunity.pk])
    assert kind.resolve(workspace=personas.workspace, reference=str(opportunity.pk)) == (
        "Bulk export",
        url,
    )
    assert kind.resolve(workspace=personas.workspace, reference=f"https://x{url}")[1] == url
    assert kind.resolve(workspace=personas.workspace, reference="999999") is None
