"""What the organisation adds to the shell: its lists in the sidebar, its figures on the
overview and home pages, the scorecard's ownership and staffing measures, and name search
over teams and products. Strategy's stand-ins live here until that capability exists, since
the teams here are what goals and roadmaps will hang on."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.urls import reverse

from greenroom import registry
from greenroom.accounts.models import User, Workspace
from greenroom.accounts.requests import MemberRequest
from greenroom.organisation import selectors
from greenroom.organisation.kinds import KINDS_BY_SLUG
from greenroom.registry import Measure, NavEntry, OverviewCard, SearchProvider, SearchResult


def _list_url(slug: str, search: str = "") -> str:
    url = reverse("organisation:list", args=[slug])
    return f"{url}?{urlencode({'q': search})}" if search else url


def _tile(label: str, count: int, slug: str) -> dict:
    return {"label": label, "count": count, "url": _list_url(slug)}


def _counts(*slugs: str) -> Callable[[MemberRequest], dict]:
    kinds = tuple(KINDS_BY_SLUG[slug] for slug in slugs)

    def context(request: MemberRequest) -> dict:
        counts = selectors.entity_counts(workspace=request.workspace, kinds=kinds)
        return {"tiles": [_tile(kind.title, counts[kind.slug], kind.slug) for kind in kinds]}

    return context


def _glance(request: MemberRequest) -> dict:
    glance = selectors.workspace_glance(workspace=request.workspace)
    return {
        "tiles": [
            _tile("Products", glance["products"], "products"),
            _tile("Product areas", glance["areas"], "product-areas"),
            _tile("Teams", glance["teams"], "teams"),
            _tile("People in teams", glance["people"], "people"),
        ]
    }


def _portfolio(request: MemberRequest) -> dict:
    return {"products": selectors.portfolio_tree(workspace=request.workspace)}


def _searcher(slug: str, detail: Callable) -> Callable[..., list[SearchResult]]:
    kind = KINDS_BY_SLUG[slug]

    def search(*, workspace: Workspace, actor: User, query: str, limit: int) -> list:
        rows = selectors.name_search(workspace=workspace, kind=kind, query=query, limit=limit)
        return [
            SearchResult(row.name, _list_url(slug, row.name), kind.singular, detail(row))
            for row in rows
        ]

    return search


def _kind_link(section: str, slug: str, weight: int) -> NavEntry:
    kind = KINDS_BY_SLUG[slug]
    return NavEntry(section, kind.title, "organisation:list", weight, (("kind", slug),))


def _counts_card(section: str, *slugs: str) -> OverviewCard:
    return OverviewCard(
        key=f"organisation-{section}",
        section=section,
        title="",
        weight=0,
        template="organisation/_counts.html",
        context=_counts(*slugs),
        wide=True,
    )


registry.register(
    NavEntry("data", "Portfolio", "organisation:portfolio", weight=30),
    _kind_link("data", "product-lines", 40),
    _kind_link("data", "products", 50),
    _kind_link("data", "product-areas", 60),
    _kind_link("data", "plans", 70),
    _kind_link("customers", "segments", 50),
    _kind_link("customers", "regions", 60),
    _kind_link("customers", "markets", 70),
    _kind_link("strategy", "teams", 10),
    _kind_link("strategy", "people", 20),
    _counts_card("data", "product-lines", "products", "product-areas", "plans"),
    _counts_card("customers", "segments", "regions", "markets"),
    _counts_card("strategy", "teams", "people"),
    OverviewCard(
        key="glance",
        section="home",
        title="",
        weight=100,
        template="organisation/_counts.html",
        context=_glance,
        wide=True,
    ),
    OverviewCard(
        key="portfolio",
        section="home",
        title="Portfolio",
        weight=200,
        template="organisation/_portfolio_card.html",
        context=_portfolio,
    ),
    Measure(
        key="products-owned",
        title="Products with an owning team",
        explanation="Every product needs a team accountable for it.",
        weight=100,
        compute=selectors.products_owned,
    ),
    Measure(
        key="areas-owned",
        title="Product areas with an owning team",
        explanation="Areas without an owner are where feedback gets lost.",
        weight=110,
        compute=selectors.areas_owned,
    ),
    Measure(
        key="teams-staffed",
        title="Teams staffed to plan",
        explanation="Teams whose people number at least their planned headcount.",
        weight=120,
        compute=selectors.teams_staffed,
    ),
    SearchProvider(
        key="teams",
        title="Teams",
        search=_searcher("teams", lambda team: team.description[:80]),
        weight=300,
    ),
    SearchProvider(
        key="products",
        title="Products",
        search=_searcher("products", lambda product: str(product.product_line)),
        weight=310,
    ),
)
