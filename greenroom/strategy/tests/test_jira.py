import io
import json

import pytest
from django.core.exceptions import ValidationError

from greenroom.accounts.models import AuditEvent
from greenroom.lib.imports.report import ImportRejected
from greenroom.organisation.models import Team
from greenroom.strategy import importing, jira, services
from greenroom.strategy.models import RoadmapItem
from greenroom.strategy.tests.jira_server import (
    FIXTURES,
    issue,
    jira_site,
    pages_of,
    recorded_issues,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    with jira_site() as served:
        yield served


@pytest.fixture
def connection(personas, site, monkeypatch):
    monkeypatch.setenv("JIRA_TOKEN_TEST", "secret-token")
    team = Team.objects.create(workspace=personas.workspace, name="Payments")
    return jira.connection_save(
        actor=personas.ops,
        workspace=personas.workspace,
        data={
            "name": "Payments",
            "base_url": site.url,
            "email": "ops@acme.test",
            "token_env": "JIRA_TOKEN_TEST",
            "jql": "project = PAY",
            "team": team,
        },
    )


def test_it_imports_epics_with_their_delivery_across_pages(personas, site, connection):
    # 3 epics x 6 stories, served 5 issues a page: 5 pages chained by nextPageToken.
    site.serve(pages_of(recorded_issues(site.url, epics=3, children=6), size=5))
    outcome = jira.connection_sync(actor=personas.ops, connection=connection)
    assert len(site.searches) == 5 and site.searches[1]["nextPageToken"] == "token-5"
    assert site.searches[0]["jql"] == "project = PAY"
    assert site.auth[0] == "Basic b3BzQGFjbWUudGVzdDpzZWNyZXQtdG9rZW4="  # email:token
    assert outcome.report.created == 3
    epic = RoadmapItem.objects.get(source_key="PAY-2")
    # 6 stories: 2 done (c < 2), 2 in review, 2 to do; 3 points each.
    assert (epic.delivery_done, epic.delivery_total) == (2, 6)
    assert (epic.delivery_points_done, epic.delivery_points_total) == (6.0, 18.0)
    assert epic.delivery_share == pytest.approx(1 / 3)
    assert (epic.status, epic.column, epic.team) == ("in_progress", "Now", connection.team)
    connection.refresh_from_db()
    assert connection.last_report["created"] == 3 and connection.last_synced_at


def test_a_second_sync_updates_instead_of_duplicating(personas, site, connection):
    issues = recorded_issues(site.url, epics=2, children=3)
    site.serve(pages_of(issues, size=100))
    jira.connection_sync(actor=personas.ops, connection=connection)
    issues[2]["fields"]["status"] = issue(site.url, 1, "X", "x", "Story", "Done")["fields"][
        "status"
    ]
    outcome = jira.connection_sync(actor=personas.ops, connection=connection)
    assert (outcome.report.created, outcome.report.unchanged) == (0, 2)
    assert RoadmapItem.objects.count() == 2
    assert RoadmapItem.objects.get(source_key="PAY-1").delivery_done == 2


def test_status_maps_by_name_then_by_category(personas, site, connection):
    issues = [
        issue(site.url, 1, "PAY-1", "Won't happen", "Epic", "Won't Do"),
        issue(site.url, 2, "PAY-2", "Later", "Epic", "To Do"),
        issue(site.url, 3, "PAY-3", "Shipped", "Epic", "Done"),
    ]
    site.serve(pages_of(issues, size=100))
    connection.status_map = {"won't do": "dropped"}
    connection.save()
    jira.connection_sync(actor=personas.ops, connection=connection)
    statuses = dict(RoadmapItem.objects.values_list("source_key", "status"))
    assert statuses == {"PAY-1": "dropped", "PAY-2": "planned", "PAY-3": "done"}


def test_a_response_missing_fields_is_refused_and_nothing_saved(personas, site, connection):
    issues = recorded_issues(site.url, epics=2, children=1)
    del issues[0]["fields"]["summary"]
    del issues[3]["fields"]["status"]["name"]
    site.serve(pages_of(issues, size=2))
    with pytest.raises(ImportRejected) as rejected:
        jira.connection_sync(actor=personas.ops, connection=connection)
    assert rejected.value.messages == [
        "Jira Payments: pages[0].issues[0] (PAY-1).fields.summary: missing",
        "Jira Payments: pages[1].issues[1] (PAY-10006).fields.status.name: missing",
    ]
    assert not RoadmapItem.objects.exists()
    connection.refresh_from_db()
    assert connection.last_report["problems"] == 2


def test_a_page_without_issues_is_refused(personas, site, connection):
    site.serve([{"isLast": True, "startAt": 0}])
    with pytest.raises(ImportRejected, match=r"pages\[0\].issues: missing"):
        jira.connection_sync(actor=personas.ops, connection=connection)


def test_jira_errors_and_a_missing_token_are_named(personas, site, connection, monkeypatch):
    connection.base_url = site.url + "/nowhere"
    with pytest.raises(ValidationError, match=r"Jira answered 404 .*No such resource"):
        jira.connection_sync(actor=personas.ops, connection=connection)
    monkeypatch.delenv("JIRA_TOKEN_TEST")
    with pytest.raises(ValidationError, match=r"set the environment variable JIRA_TOKEN_TEST"):
        jira.connection_sync(actor=personas.ops, connection=connection)


def test_push_back_writes_status_and_target_quarter_to_the_epic(personas, site, connection):
    site.serve(pages_of(recorded_issues(site.url, epics=1, children=2), size=100))
    connection.push_back = True
    connection.save()
    jira.connection_sync(actor=personas.ops, connection=connection)
    item = RoadmapItem.objects.get(source_key="PAY-1")
    services.roadmap_item_save(
        actor=personas.pm,
        workspace=personas.workspace,
        instance=item,
        data={"status": "done", "target_quarter": "2026-Q4"},
    )
    site.edits.clear()
    outcome = jira.connection_sync(actor=personas.ops, connection=connection)
    assert site.edits == [
        (
            "PAY-1",
            {
                "fields": {"duedate": "2026-12-31"},
                "update": {"labels": [{"add": "greenroom-done"}]},
            },
        )
    ]
    # Greenroom owns the status with push back on: Jira's "In Progress" did not overwrite it.
    item.refresh_from_db()
    assert item.status == "done" and outcome.report.unchanged == 1
    assert AuditEvent.objects.filter(action="jira.push", object_id=str(item.pk)).exists()


def test_push_back_leaves_an_epic_that_already_agrees(personas, site, connection):
    epic = issue(site.url, 1, "PAY-1", "Epic", "Epic", "Done", duedate="2026-12-31",
                 labels=["greenroom-in_progress", "customer"])  # fmt: skip
    site.serve(pages_of([epic], size=100))
    connection.push_back = True
    connection.save()
    jira.connection_sync(actor=personas.ops, connection=connection)
    item = RoadmapItem.objects.get()
    item.status, item.target_quarter = "in_progress", "2026-Q4"
    item.save()
    site.edits.clear()
    jira.connection_sync(actor=personas.ops, connection=connection)
    assert site.edits == []
    item.status = "done"
    item.save()
    jira.connection_sync(actor=personas.ops, connection=connection)
    assert site.edits == [
        ("PAY-1", {"update": {"labels": [{"remove": "greenroom-in_progress"},
                                         {"add": "greenroom-done"}]}}),
    ]  # fmt: skip


def test_it_imports_jiras_csv_export(personas):
    team = Team.objects.create(workspace=personas.workspace, name="Payments")
    data = (FIXTURES / "jira_export.csv").read_bytes()
    outcome = jira.csv_import(
        actor=personas.ops, workspace=personas.workspace, team=team, name="jira.csv",
        stream=io.BytesIO(data),
    )  # fmt: skip
    assert outcome.report.created == 2
    assert [p.message for p in outcome.report.skipped] == ["1 issue(s) under no Epic: not imported"]
    checkout = RoadmapItem.objects.get(source_key="PAY-1")
    # Parent (an id) and Epic Link (a key) both link children: 3 issues, 1 done, 8 points.
    assert (checkout.delivery_done, checkout.delivery_total) == (1, 3)
    assert (checkout.delivery_points_done, checkout.delivery_points_total) == (5.0, 8.0)
    assert checkout.target_quarter == "2026-Q4"  # its due date, 2026-11-20
    assert RoadmapItem.objects.get(source_key="PAY-2").status == "planned"


def test_a_csv_that_is_not_a_jira_export_is_refused(personas):
    team = Team.objects.create(workspace=personas.workspace, name="Payments")
    with pytest.raises(ImportRejected, match=r"jira.csv, row 1, Issue key: no such column"):
        jira.csv_import(
            actor=personas.ops, workspace=personas.workspace, team=team, name="jira.csv",
            stream=io.BytesIO(b"Summary,Status\nA,Done\n"),
        )  # fmt: skip
    rows = "Summary,Issue key,Issue Type,Status\n,PAY-1,Epic,Done\n"
    with pytest.raises(ImportRejected, match=r"row 2, Summary: is empty"):
        jira.csv_import(
            actor=personas.ops, workspace=personas.workspace, team=team, name="jira.csv",
            stream=io.BytesIO(rows.encode()),
        )  # fmt: skip
    assert not RoadmapItem.objects.exists()


def test_recorded_pages_are_in_jiras_documented_shape(site):
    page = pages_of(recorded_issues(site.url, epics=1, children=1), size=1)[0]
    assert set(page) == {"issues", "isLast", "nextPageToken"}
    raw = json.loads(json.dumps(page["issues"][0]))
    assert {"id", "key", "self", "fields"} <= set(raw)
    assert raw["fields"]["status"]["statusCategory"]["key"] == "indeterminate"


def test_repeated_export_columns_are_told_apart():
    data = b"Issue key,Sprint,Sprint,Summary\r\nPAY-1,S1,S2,A\r\n"
    assert (
        importing.distinct_headers(data)
        == b"Issue key,Sprint,Sprint (2),Summary\r\nPAY-1,S1,S2,A\r\n"
    )
    assert importing.distinct_headers(b"a,b\n1,2\n") == b"a,b\n1,2\n"


def test_jiras_rate_limit_is_waited_out(personas, site, connection):
    site.serve(pages_of(recorded_issues(site.url, epics=1, children=1), size=100))
    site.busy = 2  # two 429s with Retry-After: 0, then the answer
    assert jira.connection_sync(actor=personas.ops, connection=connection).report.created == 1
    site.busy = jira.RETRIES + 1
    with pytest.raises(ValidationError, match="Jira answered 429"):
        jira.connection_sync(actor=personas.ops, connection=connection)
