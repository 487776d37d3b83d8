"""The Jira connections page: product ops (and admins) set connections up, sync them now
against the recorded-responses stand-in, and remove them; nobody else sees them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from greenroom.accounts.models import AuditEvent
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.models import JobRun
from greenroom.jobs.services import job_run_finish
from greenroom.organisation.models import Team
from greenroom.strategy.models import JiraConnection, RoadmapItem
from greenroom.strategy.tasks import jira_sync
from greenroom.strategy.tests.jira_server import jira_site, pages_of, recorded_issues

pytestmark = pytest.mark.django_db

LIST = reverse("strategy:jira_connections")
CREATE = reverse("strategy:jira_connection_create")


@pytest.fixture
def site():
    with jira_site() as served:
        yield served


@pytest.fixture
def team(personas):
    return Team.objects.create(workspace=personas.workspace, name="Payments")


def _form(site_url: str, team: Team, **changes) -> dict:
    return {
        "name": "Payments",
        "base_url": site_url,
        "email": "ops@acme.test",
        "token_env": "JIRA_TOKEN_TEST",
        "jql": "project = PAY",
        "team": team.pk,
        "item_types": "Epic",
        "status_map": "Won't Do = dropped\nIn Review → in progress",
        "points_field": "customfield_10016",
        **changes,
    }


def _sync_now(client, connection: JiraConnection, capture) -> None:
    """Press "Sync now", then run the queued job as the worker would."""
    with capture(execute=False):
        response = client.post(
            reverse("strategy:jira_connection_sync", args=[connection.pk]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert "Syncing" in response.content.decode()  # the card polls until the run is over
    _work(JobRun.objects.get(name="strategy.jira_sync", status="queued"))


def _work(run: JobRun) -> str:
    """What a worker does with the queued run: the job, then its outcome on the run."""
    try:
        outcome = jira_sync.func(**run.arguments)
    except ValidationError:
        job_run_finish(run=run, status=JobStatus.FAILED, log_tail="")
        raise
    job_run_finish(run=run, status=JobStatus(outcome), log_tail="")
    return outcome


def test_viewers_and_pms_neither_see_nor_edit_connections(personas, site, team):
    connection = JiraConnection.objects.create(
        workspace=personas.workspace, name="Payments", base_url=site.url, email="a@b.c",
        jql="project = PAY", team=team,
    )  # fmt: skip
    pages = [
        LIST,
        CREATE,
        reverse("strategy:jira_connection_edit", args=[connection.pk]),
        reverse("strategy:jira_connection_state", args=[connection.pk]),
        reverse("strategy:jira_connection_delete", args=[connection.pk]),
    ]
    for user in (personas.viewer, personas.pm):
        client = personas.client(user)
        assert all(client.get(page).status_code == 403 for page in pages)
        sync = reverse("strategy:jira_connection_sync", args=[connection.pk])
        assert client.post(sync).status_code == 403
        assert (
            "strategy/roadmaps/jira/"
            not in client.get(reverse("strategy:roadmap")).content.decode()
        )
    # An admin of another workspace finds nothing of this one.
    outsider = personas.client(personas.outsider)
    assert outsider.get(pages[2]).status_code == 404
    assert personas.client(personas.admin).get(LIST).status_code == 200
    assert not JobRun.objects.exists()


def test_ops_create_a_connection_sync_it_now_and_see_the_result(
    personas, site, team, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("JIRA_TOKEN_TEST", "secret-token")
    site.serve(pages_of(recorded_issues(site.url, epics=3, children=2), size=4))
    client = personas.client(personas.ops)
    assert client.post(CREATE, _form(site.url, team)).url == LIST
    connection = JiraConnection.objects.get()
    assert connection.status_map == {"Won't Do": "dropped", "In Review": "in_progress"}
    page = client.get(LIST).content.decode()
    assert "Not synced yet" in page and "set (<code>JIRA_TOKEN_TEST</code>)" in page
    assert "secret-token" not in page

    _sync_now(client, connection, django_capture_on_commit_callbacks)
    connection.refresh_from_db()
    assert connection.last_status == "succeeded"
    assert RoadmapItem.objects.filter(source="jira", team=team).count() == 3
    assert JobRun.objects.get(name="strategy.jira_sync").status == "succeeded"
    state = client.get(reverse("strategy:jira_connection_state", args=[connection.pk]))
    html = state.content.decode()
    assert "Succeeded" in html and "3 items linked" in html and "hx-trigger" not in html
    actions = set(AuditEvent.objects.values_list("action", "actor"))
    assert {("jira_connection.save", personas.ops.pk), ("jira.sync", personas.ops.pk)} <= actions


def test_the_edit_form_never_shows_the_token_and_keeps_the_mapping(personas, site, team):
    client = personas.client(personas.ops)
    client.post(CREATE, _form(site.url, team))
    connection = JiraConnection.objects.get()
    edit = reverse("strategy:jira_connection_edit", args=[connection.pk])
    html = client.get(edit).content.decode()
    assert "Won&#x27;t Do = dropped" in html and 'value="JIRA_TOKEN_TEST"' in html
    response = client.post(edit, _form(site.url, team, push_back="on", status_map=""))
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.push_back and connection.status_map == {}
    assert AuditEvent.objects.filter(action="jira_connection.save").count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"base_url": "not a url"}, "Enter a valid URL."),
        ({"jql": ""}, "This field is required."),
        ({"item_types": " , "}, "Name at least one issue type"),
        ({"status_map": "Shipped = released"}, "“released” is not a roadmap status"),
        ({"status_map": "Shipped"}, "Line 1 (“Shipped”): write Jira status = roadmap status."),
    ],
)
def test_bad_input_is_named_on_the_form(personas, site, team, changes, message):
    response = personas.client(personas.ops).post(CREATE, _form(site.url, team, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not JiraConnection.objects.exists()


@pytest.mark.parametrize(
    ("serve", "status", "shown"),
    [
        ("unreachable", "failed", "Jira could not be reached"),
        ("bad_jql", "failed", "Jira answered 400 to POST /rest/api/3/search/jql: Error in the JQL"),
        ("missing_fields", "rejected", "pages[0].issues[0] (PAY-1).fields.summary: missing"),
    ],
)
def test_a_sync_that_cannot_load_says_why_on_the_page(
    personas, site, team, monkeypatch, django_capture_on_commit_callbacks, serve, status, shown
):
    monkeypatch.setenv("JIRA_TOKEN_TEST", "secret-token")
    issues = recorded_issues(site.url, epics=1, children=1)
    site.serve(pages_of(issues, size=10))
    if serve == "bad_jql":
        query = "Error in the JQL Query: Expecting ')' before the end of the query."
        site.refusal = (400, {"errorMessages": [query], "errors": {}})
    if serve == "missing_fields":
        del issues[0]["fields"]["summary"]
    url = "http://127.0.0.1:9" if serve == "unreachable" else site.url  # nothing listens on 9
    client = personas.client(personas.ops)
    client.post(CREATE, _form(url, team))
    connection = JiraConnection.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("strategy:jira_connection_sync", args=[connection.pk]))
    run = JobRun.objects.get(name="strategy.jira_sync")
    if status == "failed":
        with pytest.raises(ValidationError, match="Jira"):
            _work(run)
    else:
        assert _work(run) == "rejected"
    connection.refresh_from_db()
    assert connection.last_status == status
    page = client.get(LIST)
    assert page.status_code == 200
    assert shown in page.content.decode().replace("&#x27;", "'")
    assert not RoadmapItem.objects.exists()


def test_removing_a_connection_says_and_keeps_its_items(
    personas, site, team, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("JIRA_TOKEN_TEST", "secret-token")
    site.serve(pages_of(recorded_issues(site.url, epics=2, children=1), size=10))
    client = personas.client(personas.ops)
    client.post(CREATE, _form(site.url, team))
    connection = JiraConnection.objects.get()
    _sync_now(client, connection, django_capture_on_commit_callbacks)
    delete = reverse("strategy:jira_connection_delete", args=[connection.pk])
    assert "2 items</strong> from Jira on Payments" in client.get(delete).content.decode()
    assert client.post(delete).url == LIST
    assert not JiraConnection.objects.exists()
    assert RoadmapItem.objects.filter(source="jira").count() == 2
    event = AuditEvent.objects.get(action="jira_connection.delete")
    assert event.actor == personas.ops and event.detail["items_kept"] == 2
