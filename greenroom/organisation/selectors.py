from django.db.models import Count, Q, QuerySet
from django.http import Http404

from greenroom.accounts.models import Workspace
from greenroom.organisation.kinds import Kind
from greenroom.organisation.models import Product, ProductArea, Team
from greenroom.registry import Ratio


def entity_list(*, workspace: Workspace, kind: Kind, search: str = "") -> QuerySet:
    """Rows of one kind in the workspace, optionally filtered by a name search."""
    rows = kind.model.objects.for_workspace(workspace).select_related(*kind.related)
    if kind.model is Team:
        # Aggregating drops Meta.ordering, and pages need a stable order.
        rows = rows.annotate(people_count=Count("people")).order_by("name")
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return rows


def entity_get(*, workspace: Workspace, kind: Kind, pk: int):
    """One row of a kind in the workspace, or 404 (rows of other workspaces do not exist)."""
    row = kind.model.objects.for_workspace(workspace).filter(pk=pk).first()
    if row is None:
        raise Http404(f"No {kind.singular} {pk} in this workspace.")
    return row


def portfolio_tree(*, workspace: Workspace) -> QuerySet[Product]:
    """Products with their line, owner and areas, in portfolio order."""
    return (
        Product.objects.for_workspace(workspace)
        .select_related("product_line", "owner_team")
        .prefetch_related("areas__owner_team")
        .order_by("product_line__name", "name")
    )


def product_names(*, workspace: Workspace) -> dict[str, str]:
    """Each product's name by its key (imported data, and so the metrics, carry the key)."""
    return dict(Product.objects.for_workspace(workspace).values_list("key", "name"))


def entity_counts(*, workspace: Workspace, kinds: tuple[Kind, ...]) -> dict[str, int]:
    """How many rows of each kind the workspace holds."""
    return {kind.slug: kind.model.objects.for_workspace(workspace).count() for kind in kinds}


def name_search(*, workspace: Workspace, kind: Kind, query: str, limit: int) -> list:
    """Up to ``limit`` rows of a kind whose name contains ``query``, by name."""
    rows = kind.model.objects.for_workspace(workspace).filter(name__icontains=query)
    return list(rows.select_related(*kind.related).order_by("name")[:limit])


def workspace_glance(*, workspace: Workspace) -> dict[str, int]:
    """Counts for the home page: products, areas, teams and the people in them."""
    teams = Team.objects.for_workspace(workspace).aggregate(
        teams=Count("id", distinct=True), people=Count("people")
    )
    return {
        "products": Product.objects.for_workspace(workspace).count(),
        "areas": ProductArea.objects.for_workspace(workspace).count(),
        "teams": teams["teams"],
        "people": teams["people"],
    }


def _owned(model: type[Product] | type[ProductArea], workspace: Workspace) -> Ratio:
    counts = model.objects.for_workspace(workspace).aggregate(
        owned=Count("id", filter=Q(owner_team__isnull=False)), total=Count("id")
    )
    return Ratio(counts["owned"], counts["total"])


def products_owned(*, workspace: Workspace) -> Ratio:
    """Products with an owning team, of all products."""
    return _owned(Product, workspace)


def areas_owned(*, workspace: Workspace) -> Ratio:
    """Product areas with an owning team, of all areas."""
    return _owned(ProductArea, workspace)


def teams_staffed(*, workspace: Workspace) -> Ratio:
    """Teams with at least their planned headcount, of the teams that have a plan."""
    teams = (
        Team.objects.for_workspace(workspace)
        .filter(headcount_plan__isnull=False)
        .annotate(people_count=Count("people"))
    )
    staffed = sum(1 for team in teams if team.people_count >= team.headcount_plan)
    return Ratio(staffed, len(teams))
