"""One way to own workspace data and one way to read it back: tenancy that can't be forgotten.

Every model holding a workspace's rows inherits ``WorkspaceOwned``; reads go through
``Thing.objects.for_workspace(workspace)`` (also on any queryset of it) rather than a
hand-written ``filter(workspace=...)``. A test walks every installed model and fails for one
with a foreign key to ``Workspace`` that does not use them.
"""

from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from greenroom.accounts.models import Workspace


class WorkspaceQuerySet(models.QuerySet):
    """Rows of workspace-owned models, narrowed to one workspace."""

    def for_workspace(self, workspace: "Workspace | int") -> Self:
        """The rows of ``workspace`` (a Workspace or its id); never those of no workspace."""
        # Rows with no workspace (system jobs, sign-in events) belong to nobody: a missing
        # workspace is a bug in the caller, never a request for them.
        if workspace is None:
            raise ValueError("for_workspace() needs a workspace, not None.")
        return self.filter(workspace=workspace)


WorkspaceManager = models.Manager.from_queryset(WorkspaceQuerySet)


class WorkspaceOwned(models.Model):
    """Base for models whose rows belong to one workspace.

    A subclass may declare ``workspace`` again to keep its own related name or nullability
    (memberships, the audit log, job runs); it keeps the manager.
    """

    # A string, not the class: accounts.models imports this module.
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")

    objects = WorkspaceManager()

    class Meta:
        abstract = True
