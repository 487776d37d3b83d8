"""The people every permission test is written for: one per role, plus an outsider who is
an admin of another workspace and so must see nothing of this one."""

from dataclasses import dataclass

from django.test import Client

from greenroom.accounts.choices import Role
from greenroom.accounts.models import User, Workspace
from greenroom.testing.factories import MembershipFactory, WorkspaceFactory


@dataclass
class Personas:
    workspace: Workspace
    admin: User
    ops: User
    pm: User
    viewer: User
    outsider: User

    def client(self, user: User | None) -> Client:
        """A test client signed in as ``user`` (anonymous for None)."""
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    def by_role(self) -> dict[str, User]:
        return {
            Role.ADMIN: self.admin,
            Role.PRODUCT_OPS: self.ops,
            Role.PRODUCT_MANAGER: self.pm,
            Role.VIEWER: self.viewer,
        }


def make_personas() -> Personas:
    """A workspace with one member per role, and an outsider from another workspace."""
    workspace = WorkspaceFactory(name="Acme")
    members = {
        role: MembershipFactory(workspace=workspace, role=role).user
        for role in (Role.ADMIN, Role.PRODUCT_OPS, Role.PRODUCT_MANAGER, Role.VIEWER)
    }
    outsider = MembershipFactory(role=Role.ADMIN).user
    return Personas(
        workspace=workspace,
        admin=members[Role.ADMIN],
        ops=members[Role.PRODUCT_OPS],
        pm=members[Role.PRODUCT_MANAGER],
        viewer=members[Role.VIEWER],
        outsider=outsider,
    )
