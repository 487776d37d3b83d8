"""Launch readiness: templates, checklist with evidence, readiness %, go/no-go, reminders,
the iCal feed, adoption against target (hand-counted events), pages and the API."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from greenroom.experiments import ical, launches, usage
from greenroom.experiments.choices import Evidence, GoDecision, LaunchStatus, Status
from greenroom.experiments.models import ChecklistItem, Experiment
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db
SOON = date(2030, 3, 20)


def _launch(personas, name="Bulk edit GA", planned_on=SOON, **kwargs):
    return launches.launch_create(
        workspace=personas.workspace, actor=personas.pm, name=name, planned_on=planned_on, **kwargs
    )


def _tick_all(launch, actor):
    experiment = Experiment.objects.create(
        workspace=launch.workspace, name=f"Exp {launch.pk}", hypothesis="h", status=Status.DECIDED
    )
    for item in launch.items.all():
        launches.item_complete(
            item=item, actor=actor, experiment=experiment, url="https://docs.example/signed"
        )


def test_it_starts_each_launch_from_the_standard_checklist_due_before_the_date(personas):
    launch = _launch(personas)
    items = launches.launch_items(launch=launch)
    assert [i.title for i in items] == [title for _, title, _, _ in launches.DEFAULT_ITEMS]
    support = items[0]
    assert support.due_on == SOON - timedelta(days=7)
    assert support.owner == personas.pm
    assert support.evidence == Evidence.DOCUMENT
    assert launches.template_list(workspace=personas.workspace).get().name == "Standard launch"


def test_it_computes_readiness_as_whole_percent_rounded_down(personas):
    launch = _launch(personas)
    items = launches.launch_items(launch=launch)
    assert launches.readiness(items).percent == 0
    for item in items[:3]:
        launches.item_complete(item=item, actor=personas.pm, url="https://docs.example/x")
    state = launches.readiness(launches.launch_items(launch=launch), today=SOON)
    # 3 of 8 is 37.5 %: shown as 37, never rounded up towards ready.
    assert (state.done, state.total, state.percent) == (3, 8, 37)
    assert not state.ready
    # Support, docs and sales are done; every other item is due before SOON: overdue.
    assert {i.area for i in state.overdue} == {
        "Pricing",
        "Legal",
        "Marketing",
        "Security",
        "Product",
    }
    assert launches.readiness([]).percent is None


def test_it_refuses_to_tick_an_item_without_its_evidence(personas):
    launch = _launch(personas)
    items = {i.area: i for i in launches.launch_items(launch=launch)}
    with pytest.raises(ValidationError, match="signed-off document"):
        launches.item_complete(item=items["Legal"], actor=personas.pm)
    running = Experiment.objects.create(
        workspace=personas.workspace, name="Running", hypothesis="h", status=Status.RUNNING
    )
    with pytest.raises(ValidationError, match="no decision yet"):
        launches.item_complete(item=items["Product"], actor=personas.pm, experiment=running)
    with pytest.raises(ValidationError, match="needs a beta programme"):
        launches.item_complete(item=items["Product"], actor=personas.pm)
    # Marketing asks for nothing.
    done = launches.item_complete(item=items["Marketing"], actor=personas.pm)
    assert done.done_at is not None
    launches.item_reopen(item=done, actor=personas.pm)
    assert ChecklistItem.objects.get(pk=done.pk).done_at is None


def test_it_needs_a_reason_to_go_with_open_items_and_a_go_to_launch(personas):
    launch = _launch(personas, planned_on=timezone.localdate() + timedelta(days=3))
    with pytest.raises(ValidationError, match="Record the go"):
        launches.launch_mark_launched(launch=launch, actor=personas.pm)
    with pytest.raises(ValidationError, match="8 checklist items are still open"):
        launches.launch_decide_go(launch=launch, actor=personas.pm, decision=GoDecision.GO)
    launches.launch_decide_go(launch=launch, actor=personas.pm, decision=GoDecision.NO_GO)
    _tick_all(launch, personas.pm)
    launches.launch_decide_go(launch=launch, actor=personas.pm, decision=GoDecision.GO)
    launches.launch_mark_launched(launch=launch, actor=personas.pm)
    assert launch.status == LaunchStatus.LAUNCHED
    assert launch.on_time() is True


def test_it_parses_templates_and_names_the_bad_line():
    items = launches.parse_items("Support | Support trained | document | 7\n\nX | Y |  | 0")
    assert items[1] == {"area": "X", "title": "Y", "evidence": "", "days_before": 0}
    assert launches.parse_items(launches.format_items(items)) == items
    with pytest.raises(ValidationError, match="Line 2: evidence 'memo'"):
        launches.parse_items("A | B | | 1\nA | C | memo | 1")
    with pytest.raises(ValidationError, match="Line 1: days before"):
        launches.parse_items("A | B | | soon")
    with pytest.raises(ValidationError, match="Line 1: write"):
        launches.parse_items("just a title")


def test_ops_edit_templates_and_a_pm_cannot(personas):
    url = reverse("experiments:launch_templates")
    data = {"name": "Small change", "items": "Docs | Docs updated | document | 1"}
    assert personas.client(personas.pm).post(url, data).status_code == 404
    response = personas.client(personas.ops).post(url, data)
    assert response.status_code == 302
    template = launches.template_list(workspace=personas.workspace).get()
    assert template.items == [
        {"area": "Docs", "title": "Docs updated", "evidence": "document", "days_before": 1}
    ]
    launch = _launch(personas, template=template)
    assert [i.title for i in launch.items.all()] == ["Docs updated"]


def test_it_reminds_owners_of_items_due_once(personas, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    launch = _launch(personas, planned_on=today + timedelta(days=8))
    # Due within two days: support (7 days before) and sales (7), pricing (14, overdue),
    # legal and security (10, overdue) and the product item (14, overdue).
    with django_capture_on_commit_callbacks(execute=True):
        sent = launches.reminders_send(now=timezone.now())
    assert sent == 6
    assert len(mail.outbox) == 6
    assert mail.outbox[0].to == [personas.pm.email]
    assert launches.reminders_send(now=timezone.now()) == 0
    assert ChecklistItem.objects.filter(launch=launch, reminded_at__isnull=True).count() == 2


def test_it_publishes_launches_and_due_items_as_ical(personas):
    launch = _launch(personas, description="Everyone gets bulk edit; long text, with commas")
    token = ical.feed_token(workspace_id=personas.workspace.pk, user_id=personas.viewer.pk)
    response = personas.client(None).get(reverse("experiments:launch_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20300320\r\n" in body
    assert "SUMMARY:Launch: Bulk edit GA\r\n" in body
    assert "long text\\, with commas" in body
    assert body.count("BEGIN:VEVENT") == 1 + launch.items.count()
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    forged = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    assert (
        personas.client(None).get(reverse("experiments:launch_feed", args=[forged])).status_code
        == 404
    )
    outsider = ical.feed_token(workspace_id=personas.workspace.pk, user_id=personas.outsider.pk)
    assert (
        personas.client(None).get(reverse("experiments:launch_feed", args=[outsider])).status_code
        == 404
    )


def _events(rows):
    connection = duckdb.connect()
    connection.execute(
        "CREATE SCHEMA raw; CREATE TABLE raw.events (event VARCHAR, user_id VARCHAR, "
        "anonymous_id VARCHAR, account_id VARCHAR, feature VARCHAR, occurred_at TIMESTAMPTZ)"
    )
    if rows:
        connection.executemany("INSERT INTO raw.events VALUES (?, ?, NULL, ?, ?, ?)", rows)
    return connection


def test_adoption_counts_active_accounts_that_used_the_feature_by_hand():
    start = date(2026, 5, 1)
    at = datetime(2026, 5, 3, 12, tzinfo=UTC)
    rows = [
        ("Feature Used", "u1", "a1", "bulk_edit", at),  # a1 adopts
        ("Feature Used", "u2", "a1", "bulk_edit", at),
        ("Page Viewed", "u3", "a2", None, at),  # a2 active, not adopting
        ("bulk_edit", "u4", "a3", None, at),  # a3 adopts by event name
        ("Feature Used", "u5", "a4", "export", at),  # a4 active, other feature
        ("Feature Used", "u6", "a5", "bulk_edit", datetime(2026, 4, 30, 23, tzinfo=UTC)),
        ("Feature Used", "u7", "a6", "bulk_edit", datetime(2026, 5, 31, 0, tzinfo=UTC)),
        ("Feature Used", "u8", None, "bulk_edit", at),  # no account: not counted
    ]
    found = usage.adoption(_events(rows), feature="bulk_edit", start=start, days=30)
    # Window 1-30 May: a1..a4 active, a1 and a3 adopted; a5 before it, a6 after it.
    assert (found.active_accounts, found.adopting_accounts) == (4, 2)
    assert found.share == 50.0
    assert found.end == date(2026, 5, 30)
    result = launches.AdoptionResult(adoption=found, target=Decimal("40"))
    assert result.met is True
    assert launches.AdoptionResult(adoption=found, target=Decimal("50.01")).met is False
    empty = usage.adoption(_events([]), feature="bulk_edit", start=start, days=30)
    assert empty.share is None


def test_it_lets_each_role_see_launches_and_hides_them_from_outsiders(personas):
    launch = _launch(personas)
    detail = reverse("experiments:launch", args=[launch.pk])
    for user in (personas.viewer, personas.pm, personas.ops, personas.admin):
        client = personas.client(user)
        for url in (
            detail,
            reverse("experiments:launches"),
            reverse("experiments:launch_calendar"),
            reverse("experiments:launch_templates"),
        ):
            assert client.get(url).status_code == 200, url
    outsider = personas.client(personas.outsider)
    assert outsider.get(detail).status_code == 404
    assert outsider.get(f"/api/v1/experiments/launches/{launch.pk}").status_code == 404
    assert outsider.get("/api/v1/experiments/launches").json()["items"] == []
    viewer = personas.client(personas.viewer)
    assert viewer.get(reverse("experiments:launch_create")).status_code == 403
    go = reverse("experiments:launch_go", args=[launch.pk])
    assert viewer.post(go, {"decision": "go"}).status_code == 403


def test_a_pm_plans_ticks_and_calls_a_launch_from_the_pages(personas):
    client = personas.client(personas.pm)
    response = client.post(
        reverse("experiments:launch_create"),
        {"name": "Dark mode", "planned_on": "2030-01-15", "adoption_days": "30"},
    )
    assert response.status_code == 302
    launch = launches.launch_list(workspace=personas.workspace).get()
    marketing = launch.items.get(area="Marketing")
    done = client.post(
        reverse("experiments:launch_item_done", args=[launch.pk, marketing.pk]), {}, follow=True
    )
    assert "Done: Announcement ready." in done.content.decode()
    legal = launch.items.get(area="Legal")
    refused = client.post(
        reverse("experiments:launch_item_done", args=[launch.pk, legal.pk]), {}, follow=True
    )
    assert "needs the signed-off document" in refused.content.decode()
    page = client.get(reverse("experiments:launch", args=[launch.pk]))
    assert page.context["readiness"].percent == 12  # 1 of 8
    api = client.get(f"/api/v1/experiments/launches/{launch.pk}").json()
    assert (api["readiness_percent"], api["items_done"], api["items_total"]) == (12, 1, 8)
    assert api["adoption_problem"] == "Adoption is measured once it has launched."


def test_it_lists_launches_in_a_fixed_number_of_queries(personas):
    for i in range(5):
        _launch(personas, name=f"Launch {i}")
    client = personas.client(personas.viewer)
    client.get(reverse("experiments:launches"))
    with max_queries(12):
        response = client.get(reverse("experiments:launches"))
    assert response.status_code == 200
    assert "0 %" in response.content.decode()
