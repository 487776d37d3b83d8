from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from greenroom.cadences import markdown, selectors, services
from greenroom.cadences.models import Tool
from greenroom.lib.imports.report import ImportRejected

pytestmark = pytest.mark.django_db

PRD = "# Problem\nx\n## Goals\n## Requirements\n## Success metrics\n## Risks\n"


def test_it_refuses_a_template_missing_required_sections_naming_them(personas):
    with pytest.raises(ValidationError) as error:
        services.template_save(
            workspace=personas.workspace, actor=personas.ops, kind="prd", body="# Problem\n## Goals"
        )
    message = str(error.value)
    assert "'Requirements'" in message and "'Success metrics'" in message and "'Risks'" in message
    assert selectors.template_for(workspace=personas.workspace, kind="prd") is None


def test_it_versions_each_save_with_its_author_and_looks_up_the_current_one(personas):
    services.template_save(workspace=personas.workspace, actor=personas.ops, kind="prd", body=PRD)
    services.template_save(
        workspace=personas.workspace, actor=personas.admin, kind="prd", body=PRD + "\nMore"
    )
    current = selectors.template_for(workspace=personas.workspace, kind="prd")
    assert (
        current.number == 2 and current.author == personas.admin and current.body.endswith("More")
    )
    assert selectors.template_for(workspace=personas.workspace, kind="launch_plan") is None


def test_it_renders_markdown_without_running_raw_html():
    html = markdown.render("# Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_it_lets_only_product_ops_save_templates(personas):
    url = reverse("cadences:template", args=["prd"])
    data = {"required_sections": "Problem", "body": "# Problem"}
    assert personas.client(personas.pm).post(url, data).status_code == 403
    assert personas.client(personas.ops).post(url, data).status_code == 302
    response = personas.client(personas.ops).post(
        url, {"required_sections": "Problem\nRisks", "body": "# Problem"}
    )
    assert response.status_code == 400 and "&#x27;Risks&#x27;" in response.content.decode()


def _tool(personas, name, category="roadmapping", seats=4):
    return services.tool_save(
        workspace=personas.workspace,
        actor=personas.ops,
        name=name,
        purpose="Roadmaps",
        category=category,
        seats=seats,
    )


def test_it_reads_adoption_from_a_seat_export_and_reports_unknown_users(personas):
    tool = _tool(personas, "Productboard")
    now = datetime.now(UTC)
    recent, old = (now - timedelta(days=3)).date(), (now - timedelta(days=45)).date()
    csv = (
        f"email,last login\n{personas.pm.email},{recent}\n{personas.ops.email},{recent}\n"
        f"stranger@example.com,{recent}\n{personas.viewer.email},{old}\n"
    ).encode()
    report = services.tool_seats_import(tool=tool, actor=personas.ops, name="seats.csv", data=csv)
    assert report.created == 4
    assert [str(w) for w in report.warnings] == [
        "seats.csv, row 4, email: stranger@example.com is no member of this workspace"
    ]
    # 3 logins within 30 days of 4 seats: 75 %.
    found = selectors.adoption(tools=[tool])[tool.pk]
    assert (found.active, found.seats, found.percent, found.unknown) == (3, 4, 75, 1)


def test_it_refuses_a_seat_export_with_a_bad_row_and_keeps_the_old_logins(personas):
    tool = _tool(personas, "Jira")
    services.tool_seats_import(
        tool=tool,
        actor=personas.ops,
        name="a.csv",
        data=f"email,last login\n{personas.pm.email},2026-11-30\n".encode(),
    )
    with pytest.raises(ImportRejected) as error:
        services.tool_seats_import(
            tool=tool,
            actor=personas.ops,
            name="b.csv",
            data=b"email,last login\nnot-an-email,2026-11-30\n",
        )
    assert "b.csv, row 2, email" in str(error.value)
    assert tool.seat_logins.count() == 1


def test_it_hints_at_a_redundant_pair_and_keeps_why_a_tool_was_replaced(personas):
    jira, trello = _tool(personas, "Jira", "delivery"), _tool(personas, "Trello", "Delivery")
    _tool(personas, "Amplitude", "analytics")
    pairs = selectors.redundant_pairs(workspace=personas.workspace)
    assert [(a.name, b.name) for a, b in pairs] == [("Jira", "Trello")]
    services.tool_replace(old=trello, new=jira, actor=personas.ops, reason="One backlog.")
    assert selectors.redundant_pairs(workspace=personas.workspace) == []
    body = personas.client(personas.viewer).get(reverse("cadences:tool", args=[jira.pk]))
    assert "One backlog." in body.content.decode()


def test_it_hides_the_tool_stack_from_outsiders_and_refuses_viewers_editing(personas):
    tool = _tool(personas, "Miro", "whiteboard")
    assert (
        personas.client(personas.outsider).get(reverse("cadences:tool", args=[tool.pk])).status_code
        == 404
    )
    assert (
        personas.client(personas.viewer)
        .post(reverse("cadences:tool_new"), {"name": "X"})
        .status_code
        == 403
    )
    assert personas.client(personas.viewer).get(reverse("cadences:tools")).status_code == 200
    assert Tool.objects.count() == 1


def test_it_gives_other_apps_the_current_template_through_the_registry(personas):
    from greenroom import registry
    from greenroom.registry import StartingDocument, StartingText

    lookup = {"workspace": personas.workspace, "kind": "prd"}
    assert registry.starting_text(**lookup) is None
    services.template_save(workspace=personas.workspace, actor=personas.ops, kind="prd", body=PRD)
    assert registry.starting_text(**lookup) == StartingDocument(
        body=PRD, required_sections=("Problem", "Goals", "Requirements", "Success metrics", "Risks")
    )
    with registry.scratch(empty=(StartingText,)):
        assert registry.starting_text(**lookup) is None
