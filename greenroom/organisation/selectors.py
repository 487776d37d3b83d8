from django.db.models import Count, Q, QuerySet
from django.http import Http404

from greenroom.accounts.models import Workspace
from greenroom.organisation.kinds import Kind
from greenroom.organisation.models import Product, Team


def entity_list(*, workspace: Workspace, kind: Kind, search: str = "") -> QuerySet:
    """Rows of one kind in the workspace, optionally filtered by a name search."""
    rows = kind.model.objects.filter(workspace=workspace).select_related(*kind.related)
    if kind.model is Team:
        # Aggregating drops Meta.ordering, and pages need a stable order.
        rows = rows.annotate(people_count=Count("people")).order_by("name")
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return rows


def entity_get(*, workspace: Workspace, kind: Kind, pk: int):
    """One row of a kind in the workspace, or 404 (rows of other workspaces do not exist)."""
    row = kind.model.objects.filter(workspace=workspace, pk=pk).first()
    if row is None:
        raise Http404(f"No {kind.singular} {pk} in this workspace.")
    return row


def portfolio_tree(*, workspace: Workspace) -> QuerySet[Product]:
    """Products with their line, owner and areas, in portfolio order."""
    return (
        Product.objects.filter(workspace=workspace)
        .select_related("product_line", "owner_team")
        .prefetch_related("areas__owner_team")
        .order_by("product_line__name", "name")
    )


def entity_counts(*, workspace: Workspace, kinds: tuple[Kind, ...]) -> dict[str, int]:
    """How many rows of each kind the workspace holds."""
    return {kind.slug: kind.model.objects.filter(workspace=workspace).count() for kind in kinds}
