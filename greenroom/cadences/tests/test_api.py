import pytest

from greenroom.cadences import services
from greenroom.cadences.models import Decision

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
