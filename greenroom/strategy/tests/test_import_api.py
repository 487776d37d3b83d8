import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from greenroom.accounts import services as account_services
from greenroom.organisation.models import Person, Team
from greenroom.strategy import tasks
from greenroom.strategy.models import JiraConnection, RoadmapItem
from greenroom.strategy.tests.jira_server import FIXTURES, jira_site, pages_of, recorded_issues

pytestmark = pytest.mark.django_db
PAYMENTS = (FIXTURES / "payments_roadmap_2026.csv").read_bytes()


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def team(personas):
    team = Team.objects.create(workspace=personas.workspace, name="Invoicing")
    Person.objects.create(
        workspace=personas.workspace, name="PM", email=personas.pm.email, team=team
    )
    return team


def _post(client, user, team, data=PAYMENTS, name="roadmap.csv", **form):
    upload = SimpleUploadedFile(name, data)
    body = {"file": upload, "team_id": team.pk, **form}
    return client.post("/api/v1/strategy/roadmap-imports", body, **_bearer(user))


def test_it_previews_a_spreadsheet_with_suggested_mapping(personas, client):
    upload = SimpleUploadedFile("roadmap.csv", PAYMENTS)
    response = client.post(
        "/api/v1/strategy/roadmap-imports/preview", {"file": upload}, **_bearer(personas.pm)
    )
    body = response.json()
    assert response.status_code == 200
    assert body["suggested"]["title"] == "Feature" and body["suggested"]["horizon"] == "Quarter"
    assert body["rows"][0]["Feature"] == "Invoice PDF redesign" and len(body["rows"]) == 4


def test_the_teams_pm_imports_and_reimporting_changes_nothing(personas, client, team):
    first = _post(client, personas.pm, team)
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 4
    assert {f["title"] for f in first.json()["follow_up"]} >= {"Dunning emails"}
    again = _post(client, personas.pm, team).json()
    assert (again["created"], again["unchanged"]) == (0, 4)
    follow_up = client.get("/api/v1/strategy/roadmap-follow-up", **_bearer(personas.viewer))
    assert len(follow_up.json()) == 4


def test_only_ops_and_the_teams_pm_may_import(personas, client, team):
    other = Team.objects.create(workspace=personas.workspace, name="Growth")
    assert _post(client, personas.viewer, team).status_code == 403
    assert _post(client, personas.pm, other).status_code == 403
    assert _post(client, personas.ops, other).status_code == 200
    assert _post(client, personas.outsider, team).status_code in (401, 403, 404)


def test_bad_input_is_a_clear_422_not_a_500(personas, client, team):
    bad = PAYMENTS.replace(b",80%,", b",very,")
    response = _post(client, personas.ops, team, data=bad)
    assert response.status_code == 422
    assert "roadmap.csv, row 2, Confidence: 'very' is not a confidence" in str(response.json())
    assert _post(client, personas.ops, team, mapping="{nope").status_code == 422
    assert _post(client, personas.ops, team, mapping='["x"]').status_code == 422
    assert _post(client, personas.ops, team, data=b"").status_code == 422
    assert _post(client, personas.ops, team, data=b"\xff\xfe,\x00").status_code == 422
    assert _post(client, personas.ops, team, kind="trello").status_code == 422
    assert not RoadmapItem.objects.exists()


def test_it_imports_jiras_csv_export(personas, client, team):
    data = (FIXTURES / "jira_export.csv").read_bytes()
    response = _post(client, personas.ops, team, data=data, kind="jira_csv")
    assert response.status_code == 200 and response.json()["created"] == 2


def test_ops_connect_jira_and_sync_it(personas, client, team, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "t")
    with jira_site() as site:
        site.serve(pages_of(recorded_issues(site.url, epics=2, children=2), size=3))
        payload = {"name": "Payments", "base_url": site.url, "email": "a@acme.test",
                   "jql": "project = PAY", "team_id": team.pk}  # fmt: skip
        url = "/api/v1/strategy/jira-connections"
        refused = client.post(url, payload, content_type="application/json", **_bearer(personas.pm))
        assert refused.status_code == 403
        made = client.post(url, payload, content_type="application/json", **_bearer(personas.ops))
        assert made.status_code == 201, made.content
        synced = client.post(f"{url}/{made.json()['id']}/sync", **_bearer(personas.ops))
        assert synced.status_code == 200 and synced.json()["created"] == 2
        bad = {**payload, "status_map": {"Done": "finished"}}
        changed = client.put(
            f"{url}/{made.json()['id']}", bad, content_type="application/json",
            **_bearer(personas.ops),
        )  # fmt: skip
        assert changed.status_code == 422 and "status_map" in json.dumps(changed.json())


def test_the_hourly_job_syncs_every_connection_despite_a_failing_one(personas, team, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "t")
    with jira_site() as site:
        site.serve(pages_of(recorded_issues(site.url, epics=1, children=2), size=10))
        common = {"workspace": personas.workspace, "email": "a@x.test", "jql": "x", "team": team}
        JiraConnection.objects.create(name="ok", base_url=site.url, **common)
        JiraConnection.objects.create(name="down", base_url=site.url + "/gone", **common)
        result = tasks.jira_sync.func()
    assert result == "1 Jira connections synced, failed: down"
    assert RoadmapItem.objects.get().delivery_total == 2
    down = JiraConnection.objects.get(name="down")
    assert "404" in down.last_report["lines"][0]


def test_items_carry_their_jira_delivery_on_the_api_and_the_board(personas, client, team):
    data = (FIXTURES / "jira_export.csv").read_bytes()
    _post(client, personas.ops, team, data=data, kind="jira_csv")
    items = client.get("/api/v1/strategy/roadmap-items", **_bearer(personas.viewer)).json()
    checkout = next(i for i in items["items"] if i["source_key"] == "PAY-1")
    assert (checkout["delivery_done"], checkout["delivery_total"]) == (1, 3)
    assert checkout["source"] == "jira" and checkout["target_quarter"] == "2026-Q4"
    client.force_login(personas.viewer)
    board = client.get(f"/strategy/goals/roadmaps/?team={team.pk}").content.decode()
    assert "Jira PAY-1: 1/3 issues done · 5/8 pts" in board
