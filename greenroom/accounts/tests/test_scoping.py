"""Every model holding a workspace's rows is a WorkspaceOwned with its for_workspace manager."""

import pytest
from django.apps import apps

from greenroom.accounts.models import Workspace
from greenroom.accounts.scoping import WorkspaceOwned, WorkspaceQuerySet
from greenroom.testing.factories import WorkspaceFactory

# Greenroom models with no foreign key to Workspace, and why that is safe.
REACH_A_WORKSPACE_OTHERWISE = {
    "accounts.workspace": "it is the workspace",
    "accounts.user": "a person may belong to several workspaces, through memberships",
    "accounts.apitoken": "a user's token; each request is scoped by the user's membership",
    "customers.arrsnapshot": "through its account",
    "customers.consentrecord": "through its contact",
    "customers.importchange": "through its import run",
    "sources.syncrun": "through its source",
}


def _greenroom_models() -> list:
    return [m for m in apps.get_models() if m.__module__.startswith("greenroom.")]


def _has_workspace_key(model) -> bool:
    return any(
        field.many_to_one and field.related_model is Workspace for field in model._meta.get_fields()
    )


def test_it_gives_every_model_with_a_workspace_the_base_and_its_manager():
    unscoped = [
        model._meta.label_lower
        for model in _greenroom_models()
        if _has_workspace_key(model)
        and not (
            issubclass(model, WorkspaceOwned)
            and isinstance(model._default_manager.all(), WorkspaceQuerySet)
        )
    ]
    assert unscoped == [], "Inherit accounts.scoping.WorkspaceOwned (and keep its manager)."


def test_it_knows_why_each_model_without_a_workspace_is_safe():
    unexplained = [
        model._meta.label_lower
        for model in _greenroom_models()
        if not _has_workspace_key(model)
        and model._meta.label_lower not in REACH_A_WORKSPACE_OTHERWISE
    ]
    assert unexplained == [], (
        "Give the model a workspace (WorkspaceOwned) or add it to the allow-list with why."
    )
    stale = set(REACH_A_WORKSPACE_OTHERWISE) - {m._meta.label_lower for m in _greenroom_models()}
    assert stale == set()


@pytest.mark.django_db
def test_it_reads_one_workspace_and_refuses_none(personas):
    other = WorkspaceFactory()
    memberships = apps.get_model("accounts", "Membership").objects
    assert set(memberships.for_workspace(personas.workspace).values_list("workspace", flat=True))
    assert not memberships.for_workspace(other).exists()
    with pytest.raises(ValueError):
        memberships.for_workspace(None)
