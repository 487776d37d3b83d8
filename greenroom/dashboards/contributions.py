"""What the dashboards add to the shell: four sidebar links under Data & insights, the board
pack for product ops and admins, the executive headline on the home page for them, and the
weekly digest's subscription on every member's profile page."""

from greenroom import registry
from greenroom.registry import NavEntry, OverviewCard, Panel


def _digest_panel(request, user) -> dict:
    from greenroom.dashboards.models import DigestSubscription

    subscribed = (
        DigestSubscription.objects.for_workspace(request.workspace).filter(user=user).exists()
    )
    return {"subscribed": subscribed, "email": user.email, "workspace_name": request.workspace.name}


def _home_card(request) -> dict:
    # Imported here: contributions load at start-up, before the metrics store is needed.
    from greenroom.dashboards.home import headline

    return headline(request)


registry.register(
    NavEntry(
        "data",
        "Executive overview",
        "dashboards:dashboard",
        weight=1,
        kwargs=(("key", "executive"),),
        ability="view_dashboards",
    ),
    NavEntry(
        "data",
        "Portfolio economics",
        "dashboards:dashboard",
        weight=2,
        kwargs=(("key", "portfolio"),),
        ability="view_dashboards",
    ),
    NavEntry(
        "data",
        "Customers and segments",
        "dashboards:dashboard",
        weight=3,
        kwargs=(("key", "customers"),),
        ability="view_dashboards",
    ),
    NavEntry(
        "data",
        "Usage and adoption",
        "dashboards:dashboard",
        weight=4,
        kwargs=(("key", "usage"),),
        ability="view_dashboards",
    ),
    NavEntry("data", "Board pack", "dashboards:board_pack", weight=5, ability="make_board_pack"),
    Panel(
        page="accounts.email_preferences",
        title="Weekly digest",
        template="dashboards/_digest_panel.html",
        context=_digest_panel,
        weight=10,
        ability="view_dashboards",
    ),
    NavEntry(
        "data",
        "Team dashboards",
        "dashboards:custom_list",
        weight=6,
        ability="view_dashboards",
    ),
    OverviewCard(
        key="dashboards-executive",
        section="home",
        title="",
        weight=5,
        template="dashboards/_home_card.html",
        context=_home_card,
        ability="see_executive_home",
        wide=True,
    ),
)
