import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from greenroom.accounts.models import AuditEvent
from greenroom.cadences import onboarding, services
from greenroom.cadences.models import Decision, Tool
from greenroom.strategy import services as strategy
from greenroom.testing.factories import TeamFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cadences"


def test_it_raises_and_decides_through_the_api_only_as_the_named_decider(personas):
    pm = personas.client(personas.pm)
    response = pm.post(
        f"{BASE}/decisions",
        {"question": "Price up?", "options": ["Yes", "No"]},
        content_type="application/json",
    )
    assert response.status_code == 422 and "needs a decider" in response.content.decode()
    response = pm.post(
        f"{BASE}/decisions",
        {"question": "Price up?", "decider_id": personas.ops.pk, "options": ["Yes", "No"]},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    decide = f"{BASE}/decisions/{body['id']}/decide"
    payload = {"option_id": body["options"][0]["id"], "rationale": "Margins."}
    assert pm.post(decide, payload, content_type="application/json").status_code == 403
    response = personas.client(personas.ops).post(decide, payload, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "decided"
    assert response.json()["time_to_decision_days"] is not None


def test_it_refuses_viewers_raising_and_hides_decisions_from_outsiders(personas):
    decision = services.decision_raise(
        workspace=personas.workspace, actor=personas.pm, question="Q?", decider=personas.ops
    )
    viewer = personas.client(personas.viewer)
    assert viewer.get(f"{BASE}/decisions").json()["count"] == 1
    assert (
        viewer.post(
            f"{BASE}/decisions", {"question": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    outsider = personas.client(personas.outsider)
    assert outsider.get(f"{BASE}/decisions/{decision.pk}").status_code == 404
    assert outsider.get(f"{BASE}/decisions").json()["count"] == 0
    assert Decision.objects.count() == 1


def test_it_serves_the_current_template_of_a_kind(personas):
    assert personas.client(personas.viewer).get(f"{BASE}/templates/prd").status_code == 404
    services.template_save(
        workspace=personas.workspace,
        actor=personas.ops,
        kind="research_plan",
        body="# Question\n# Method\n# Participants\n# Timeline",
    )
    response = personas.client(personas.viewer).get(f"{BASE}/templates/research_plan")
    assert response.status_code == 200 and response.json()["number"] == 1


def test_it_reopens_a_decision_keeping_its_episode_and_refuses_viewers(personas):
    decision = services.decision_raise(
        workspace=personas.workspace, actor=personas.pm, question="Q?", decider=personas.ops
    )
    services.decision_decide(decision=decision, actor=personas.ops, option=None, rationale="Yes.")
    url = f"{BASE}/decisions/{decision.pk}/reopen"
    viewer = personas.client(personas.viewer)
    assert viewer.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    pm = personas.client(personas.pm)
    assert pm.post(url, {"reason": " "}, content_type="application/json").status_code == 422
    assert pm.post(url, {}, content_type="application/json").status_code == 422
    response = pm.post(url, {"reason": "New data."}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "reopened"
    assert decision.episodes.get().reopen_reason == "New data."
    outsider = personas.client(personas.outsider)
    assert outsider.post(url, {"reason": "x"}, content_type="application/json").status_code == 404


def _cadence(personas):
    start = timezone.now() + timedelta(days=2)
    return services.cadence_save(
        workspace=personas.workspace,
        actor=personas.ops,
        name="Portfolio review",
        rrule="FREQ=MONTHLY",
        starts_at=start,
        attendees=[personas.pm],
        agenda="# Agenda",
    )


def test_it_lists_cadences_occurrences_and_serves_a_pack_to_viewers_only_of_the_workspace(
    personas,
):
    cadence = _cadence(personas)
    viewer = personas.client(personas.viewer)
    body = viewer.get(f"{BASE}/cadences").json()
    assert body["count"] == 1 and body["items"][0]["attendee_ids"] == [personas.pm.pk]
    occurrences = viewer.get(f"{BASE}/cadences/{cadence.pk}/occurrences").json()
    assert occurrences["count"] == 6
    first = occurrences["items"][0]
    assert first["pdf_url"].endswith("?format=pdf")
    pack = viewer.get(f"{BASE}/occurrences/{first['id']}/pack").json()
    keys = [section["key"] for section in pack["sections"]]
    assert "kpis" in keys and pack["occurrence_id"] == first["id"]
    kpis = next(s for s in pack["sections"] if s["key"] == "kpis")
    assert kpis["available"] and "No business data yet" in kpis["html"]
    outsider = personas.client(personas.outsider)
    assert outsider.get(f"{BASE}/cadences").json()["count"] == 0
    assert outsider.get(f"{BASE}/occurrences/{first['id']}/pack").status_code == 404
    assert outsider.get(f"{BASE}/cadences/{cadence.pk}/occurrences").status_code == 404
    assert viewer.get(f"{BASE}/cadences/{cadence.pk}/occurrences?since=nope").status_code == 422


def test_it_links_a_roadmap_change_through_the_api(personas):
    decision = services.decision_raise(
        workspace=personas.workspace, actor=personas.pm, question="Q?", decider=personas.ops
    )
    team = TeamFactory(workspace=personas.workspace)
    item = strategy.roadmap_item_save(
        actor=personas.ops, workspace=personas.workspace, data={"title": "X", "team": team}
    )
    change = AuditEvent.objects.get(action="roadmap_item.create", object_id=str(item.pk))
    url = f"{BASE}/decisions/{decision.pk}/changes"
    viewer, pm = personas.client(personas.viewer), personas.client(personas.pm)
    payload = {"change_id": change.pk}
    assert viewer.post(url, payload, content_type="application/json").status_code == 403
    assert pm.post(url, {"change_id": 0}, content_type="application/json").status_code == 422
    response = pm.post(url, payload, content_type="application/json")
    assert response.status_code == 201
    assert response.json()[0] | {"at": None} == {
        "change_id": change.pk,
        "item_id": item.pk,
        "item": "X",
        "summary": "created",
        "at": None,
    }
    assert viewer.get(url).json()[0]["item_id"] == item.pk


def test_it_lists_current_templates(personas):
    services.template_save(
        workspace=personas.workspace,
        actor=personas.ops,
        kind="research_plan",
        body="# Question\n# Method\n# Participants\n# Timeline",
    )
    body = personas.client(personas.viewer).get(f"{BASE}/templates").json()
    assert [(t["kind"], t["number"]) for t in body] == [("research_plan", 1)]
    assert personas.client(personas.outsider).get(f"{BASE}/templates").json() == []


def test_it_reads_the_tool_stack_and_lets_only_product_ops_write_it(personas):
    payload = {"name": "Linear", "purpose": "Issues", "category": "delivery", "seats": 4}
    for user in (personas.viewer, personas.pm):
        response = personas.client(user).post(
            f"{BASE}/tools", payload, content_type="application/json"
        )
        assert response.status_code == 403
    ops = personas.client(personas.ops)
    response = ops.post(
        f"{BASE}/tools", payload | {"owner_id": personas.pm.pk}, content_type="application/json"
    )
    assert response.status_code == 201
    tool = response.json()
    assert tool["owner_id"] == personas.pm.pk and tool["adoption_percent"] == 0
    assert ops.post(f"{BASE}/tools", payload, content_type="application/json").status_code == 422
    assert (
        ops.post(
            f"{BASE}/tools", {"name": "Y", "seats": -1}, content_type="application/json"
        ).status_code
        == 422
    )
    assert (
        ops.post(
            f"{BASE}/tools",
            {"name": "Y", "owner_id": personas.outsider.pk},
            content_type="application/json",
        ).status_code
        == 404
    )
    url = f"{BASE}/tools/{tool['id']}"
    response = ops.patch(url, {"seats": 9, "name": None}, content_type="application/json")
    assert response.status_code == 200 and response.json()["seats"] == 9
    assert response.json()["name"] == "Linear"
    assert (
        personas.client(personas.pm)
        .patch(url, {"seats": 1}, content_type="application/json")
        .status_code
        == 403
    )
    viewer = personas.client(personas.viewer)
    assert [t["name"] for t in viewer.get(f"{BASE}/tools").json()] == ["Linear"]
    assert viewer.get(url).json()["seats"] == 9
    assert personas.client(personas.outsider).get(url).status_code == 404
    assert Tool.objects.count() == 1


def test_it_shows_onboarding_progress_to_product_ops_and_each_pm_their_own(personas):
    programme = onboarding.programme_save(
        workspace=personas.workspace,
        actor=personas.ops,
        name="New PM",
        steps=[{"kind": "reading", "title": "Read the strategy", "due_after_days": 3}],
    )
    onboarding.assignment_create(
        workspace=personas.workspace,
        programme=programme,
        actor=personas.ops,
        user=personas.pm,
        started_on=timezone.localdate() - timedelta(days=5),
    )
    ops = personas.client(personas.ops).get(f"{BASE}/onboarding").json()
    assert len(ops) == 1 and ops[0]["user_id"] == personas.pm.pk
    assert ops[0]["total"] == 1 and ops[0]["overdue"] == 1 and ops[0]["percent"] == 0
    assert len(personas.client(personas.pm).get(f"{BASE}/onboarding").json()) == 1
    assert personas.client(personas.viewer).get(f"{BASE}/onboarding").json() == []
    assert personas.client(personas.outsider).get(f"{BASE}/onboarding").json() == []


def test_it_serves_the_scorecard_and_its_csv(personas):
    decision = services.decision_raise(
        workspace=personas.workspace,
        actor=personas.pm,
        question="Q?",
        decider=personas.ops,
        raised_at=timezone.now() - timedelta(days=4),
    )
    services.decision_decide(decision=decision, actor=personas.ops, option=None, rationale="Y.")
    viewer = personas.client(personas.viewer)
    lines = {line["key"]: line for line in viewer.get(f"{BASE}/scorecard").json()}
    assert lines["time-to-decision"]["value"] == 4.0
    assert lines["time-to-decision"]["unit"] == "days"
    response = viewer.get(f"{BASE}/scorecard.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "measure"
    row = next(r for r in rows if r[0] == "time-to-decision")
    assert row[2] == "4.0"
    outsider = {
        line["key"]: line
        for line in personas.client(personas.outsider).get(f"{BASE}/scorecard").json()
    }
    assert outsider["time-to-decision"]["value"] is None
    assert personas.client(None).get(f"{BASE}/scorecard.csv").status_code == 401
