"""The workspace settings page: the company's name and brand colour, admins only, audited."""

import pytest

from greenroom.accounts.models import AuditEvent, Workspace

pytestmark = pytest.mark.django_db


def test_it_lets_an_admin_rename_the_company_and_change_its_colour(personas):
    client = personas.client(personas.admin)
    page = client.get("/settings/workspace/").content.decode()
    assert 'type="color"' in page and 'value="#2f6f4f"' in page
    response = client.post("/settings/workspace/", {"name": "Acme Ltd", "brand_colour": "#1F3A93"})
    assert response.status_code == 302
    workspace = Workspace.objects.get(pk=personas.workspace.pk)
    assert (workspace.name, workspace.brand_colour) == ("Acme Ltd", "#1f3a93")
    event = AuditEvent.objects.get(action="workspace.update")
    assert event.detail == {
        "name": {"from": "Acme", "to": "Acme Ltd"},
        "brand_colour": {"from": "#2f6f4f", "to": "#1f3a93"},
    }


def test_it_refuses_a_colour_that_is_not_rrggbb_and_changes_nothing(personas):
    client = personas.client(personas.admin)
    response = client.post("/settings/workspace/", {"name": "Acme", "brand_colour": "red"})
    assert response.status_code == 200
    assert "Write a colour as #RRGGBB." in response.content.decode()
    assert Workspace.objects.get(pk=personas.workspace.pk).brand_colour == "#2f6f4f"
    assert not AuditEvent.objects.filter(action="workspace.update").exists()


def test_only_admins_change_the_workspace_and_outsiders_change_their_own(personas):
    for user in (personas.ops, personas.pm, personas.viewer):
        client = personas.client(user)
        assert client.get("/settings/workspace/").status_code == 403
        assert (
            client.post(
                "/settings/workspace/", {"name": "X", "brand_colour": "#000000"}
            ).status_code
            == 403
        )
    personas.client(personas.outsider).post(
        "/settings/workspace/", {"name": "Elsewhere", "brand_colour": "#000000"}
    )
    assert Workspace.objects.get(pk=personas.workspace.pk).name == "Acme"
