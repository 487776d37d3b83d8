"""The organisation's kinds of thing, described once for the pages, the API and imports.

Each kind is a small workspace-scoped table edited the same way, so one description drives
the list page, the form, the API endpoints and the import document instead of nine copies.
"""

from dataclasses import dataclass, field

from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.organisation import models as m


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type[WorkspaceOwned]
    title: str
    singular: str
    fields: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    empty_hint: str
    related: tuple[str, ...] = ()
    # Foreign keys that imports and the API refer to by the target's name.
    references: dict[str, type[WorkspaceOwned]] = field(default_factory=dict)
    # Fields (besides name) that identify a row in an import, e.g. an area within its product.
    identity: tuple[str, ...] = ("name",)


KINDS: tuple[Kind, ...] = (
    Kind(
        slug="teams",
        model=m.Team,
        title="Teams",
        singular="team",
        fields=("name", "description", "headcount_plan"),
        columns=(
            ("Team", "name"),
            ("People", "people_count"),
            ("Planned headcount", "headcount_plan"),
        ),
        empty_hint="Add the product teams; products and areas are then owned by a team.",
    ),
    Kind(
        slug="people",
        model=m.Person,
        title="People",
        singular="person",
        fields=("name", "title", "email", "team", "description"),
        columns=(("Name", "name"), ("Title", "title"), ("Team", "team")),
        empty_hint="Add the people in each team, or import them with greenroom org import.",
        related=("team",),
        references={"team": m.Team},
    ),
    Kind(
        slug="product-lines",
        model=m.ProductLine,
        title="Product lines",
        singular="product line",
        fields=("name", "description", "owner_team"),
        columns=(("Product line", "name"), ("Owner team", "owner_team")),
        empty_hint="Start the portfolio with a product line, then add its products.",
        related=("owner_team",),
        references={"owner_team": m.Team},
    ),
    Kind(
        slug="products",
        model=m.Product,
        title="Products",
        singular="product",
        fields=("name", "key", "product_line", "owner_team", "launched_on", "description"),
        columns=(
            ("Product", "name"),
            ("Key", "key"),
            ("Product line", "product_line"),
            ("Owner team", "owner_team"),
            ("Launched", "launched_on"),
        ),
        empty_hint="Add a product line first, then the products it holds.",
        related=("product_line", "owner_team"),
        references={"product_line": m.ProductLine, "owner_team": m.Team},
    ),
    Kind(
        slug="product-areas",
        model=m.ProductArea,
        title="Product areas",
        singular="product area",
        fields=("name", "product", "owner_team", "description"),
        columns=(("Area", "name"), ("Product", "product"), ("Owner team", "owner_team")),
        empty_hint="Split each product into areas owned by one team.",
        related=("product", "owner_team"),
        references={"product": m.Product, "owner_team": m.Team},
        identity=("product", "name"),
    ),
    Kind(
        slug="regions",
        model=m.Region,
        title="Regions",
        singular="region",
        fields=("name", "code", "description"),
        columns=(("Region", "name"), ("Code", "code")),
        empty_hint="Add the sales regions (e.g. EMEA, North America), then their markets.",
    ),
    Kind(
        slug="markets",
        model=m.Market,
        title="Markets",
        singular="market",
        fields=("name", "region", "countries", "description"),
        columns=(("Market", "name"), ("Region", "region"), ("Countries", "countries")),
        empty_hint="Add a region first; a market groups the countries you sell to.",
        related=("region",),
        references={"region": m.Region},
    ),
    Kind(
        slug="segments",
        model=m.Segment,
        title="Segments",
        singular="segment",
        fields=("name", "min_employees", "max_employees", "rank", "description"),
        columns=(
            ("Segment", "name"),
            ("From employees", "min_employees"),
            ("To employees", "max_employees"),
        ),
        empty_hint="Add customer segments such as SMB, Mid-market and Enterprise.",
    ),
    Kind(
        slug="plans",
        model=m.Plan,
        title="Plans",
        singular="plan",
        fields=("name", "code", "list_price_monthly", "currency", "rank", "description"),
        columns=(
            ("Plan", "name"),
            ("Code", "code"),
            ("List price / month", "list_price_monthly"),
            ("Currency", "currency"),
        ),
        empty_hint="Add the price plans customers subscribe to.",
    ),
)

KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}
# Imports must create referenced rows first; KINDS is already in that order.
IMPORT_ORDER = [kind.slug for kind in KINDS]
