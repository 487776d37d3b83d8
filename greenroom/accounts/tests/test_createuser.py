"""`greenroom createuser` adds the user to the workspace it is told, never silently another."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from greenroom.accounts.models import AuditEvent, Membership, User, Workspace
from greenroom.testing.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


def _createuser(*args: str) -> str:
    out = StringIO()
    call_command("createuser", "--role", "admin", "--no-password", *args, stdout=out)
    return out.getvalue()


def _workspace_of(email: str) -> Workspace:
    return Membership.objects.get(user__email=email).workspace


def test_it_creates_the_named_workspace_when_another_exists():
    WorkspaceFactory(name="Harbor Systems", slug="harbor")

    output = _createuser("--email", "boss@other.example", "--workspace", "Other Co")

    workspace = _workspace_of("boss@other.example")
    assert (workspace.name, workspace.slug) == ("Other Co", "other-co")
    assert Workspace.objects.count() == 2
    assert "in the new workspace Other Co (other-co)" in output


@pytest.mark.parametrize("wanted", ["Other Co", "other co", "other-co", "  Other Co "])
def test_it_finds_an_existing_workspace_by_name_or_slug(wanted):
    WorkspaceFactory(name="Harbor Systems", slug="harbor")
    other = WorkspaceFactory(name="Other Co", slug="other-co")

    _createuser("--email", "pm@other.example", "--workspace", wanted)

    assert _workspace_of("pm@other.example") == other
    assert Workspace.objects.count() == 2


def test_it_refuses_a_name_whose_slug_belongs_to_another_workspace():
    WorkspaceFactory(name="Other Company", slug="other-co")

    with pytest.raises(CommandError, match="belongs to 'Other Company'"):
        _createuser("--email", "x@example.com", "--workspace", "Other Co")
    assert not User.objects.filter(email="x@example.com").exists()


def test_it_refuses_a_name_several_workspaces_share():
    WorkspaceFactory(name="Acme", slug="acme-eu")
    WorkspaceFactory(name="Acme", slug="acme-us")

    with pytest.raises(CommandError, match="Several workspaces are named 'Acme'"):
        _createuser("--email", "x@example.com", "--workspace", "Acme")


def test_it_needs_a_workspace_named_when_there_are_several():
    WorkspaceFactory(slug="one")
    WorkspaceFactory(slug="two")

    with pytest.raises(CommandError, match="several workspaces"):
        _createuser("--email", "x@example.com")


def test_it_uses_the_only_workspace_when_none_is_named():
    only = WorkspaceFactory(name="Acme")
    assert "in Acme." in _createuser("--email", "x@example.com")
    assert _workspace_of("x@example.com") == only


def test_it_keeps_no_new_workspace_when_the_user_cannot_be_added():
    User.objects.create(username="taken@example.com", email="taken@example.com")

    with pytest.raises(CommandError, match="already exists"):
        _createuser("--email", "taken@example.com", "--workspace", "Brand New")
    assert not Workspace.objects.filter(name="Brand New").exists()


def test_it_makes_an_install_operator_when_asked():
    WorkspaceFactory(name="Acme")
    _createuser("--email", "ops@example.com", "--superuser")
    user = User.objects.get(email="ops@example.com")
    assert user.is_superuser and user.is_staff
    assert AuditEvent.objects.get(action="user.create").detail["superuser"] is True
    _createuser("--email", "plain@example.com")
    assert not User.objects.get(email="plain@example.com").is_superuser


def test_it_says_to_use_password_stdin_when_there_is_no_terminal(monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO(""))

    with pytest.raises(CommandError, match="--password-stdin"):
        call_command(
            "createuser", "--email", "ci@example.com", "--role", "viewer", "--workspace", "Acme"
        )

    assert not User.objects.filter(email="ci@example.com").exists()
