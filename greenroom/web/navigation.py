"""The navigation of the shell: the three pillars, the scorecard and settings.

Kept as data so the sidebar, the home page and the browser test walk the same list.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from greenroom.accounts.permissions import can


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    kwargs: tuple[tuple[str, str], ...] = ()
    ability: str = "view"

    def url(self) -> str:
        return reverse(self.url_name, kwargs=dict(self.kwargs))


def _kind(label: str, slug: str) -> NavItem:
    return NavItem(label, "organisation:list", (("kind", slug),))


NAVIGATION: tuple[tuple[str, tuple[NavItem, ...]], ...] = (
    ("", (NavItem("Home", "home"),)),
    (
        "Data & insights",
        (
            NavItem("Overview", "data_overview"),
            NavItem("Metrics", "metrics:dashboard"),
            NavItem("Sources", "sources:list"),
            NavItem("Portfolio", "organisation:portfolio"),
            _kind("Product lines", "product-lines"),
            _kind("Products", "products"),
            _kind("Product areas", "product-areas"),
            _kind("Plans", "plans"),
        ),
    ),
    (
        "Customers & research",
        (
            NavItem("Overview", "customers_overview"),
            NavItem("Accounts", "customers:accounts"),
            NavItem("Contacts", "customers:contacts"),
            NavItem("Find participants", "customers:finder"),
            NavItem("Customer imports", "customers:imports", ability="manage_organisation"),
            _kind("Segments", "segments"),
            _kind("Regions", "regions"),
            _kind("Markets", "markets"),
        ),
    ),
    (
        "Strategy & process",
        (
            NavItem("Overview", "strategy_overview"),
            _kind("Teams", "teams"),
            _kind("People", "people"),
        ),
    ),
    ("Scorecard", (NavItem("Product ops scorecard", "scorecard"),)),
    (
        "Settings",
        (
            NavItem("Profile & API tokens", "accounts:profile"),
            NavItem("Users & roles", "accounts:users", ability="manage_users"),
            NavItem("Background jobs", "jobs:run_list", ability="view_jobs"),
            NavItem("Audit log", "accounts:audit", ability="view_audit_log"),
        ),
    ),
)


def navigation_for(request: HttpRequest) -> list[dict]:
    """The sidebar groups this member may see, with the current page marked."""
    groups = []
    for title, items in NAVIGATION:
        links = []
        for item in items:
            if not can(request, item.ability):
                continue
            url = item.url()
            links.append({"label": item.label, "url": url, "current": request.path == url})
        if links:
            groups.append({"title": title, "links": links})
    return groups
