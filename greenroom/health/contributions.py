"""What health adds to the shell: the data health page and the notable changes feed in the
sidebar, the sources' freshness on the data overview, the newest notable changes on the
executive overview, and who reads the dashboards, by role, on the scorecard."""

from functools import partial

from greenroom import registry
from greenroom.accounts.choices import Role
from greenroom.accounts.requests import MemberRequest
from greenroom.health import selectors
from greenroom.registry import InsightFeed, Measure, NavEntry, OverviewCard, Panel

EXECUTIVE_PAGE = "dashboards.executive"  # dashboards.views.EXECUTIVE_PAGE
# The scorecard's dashboard readers per role, executives (admins) first.
ROLE_PLURALS = {
    Role.ADMIN: "admins",
    Role.PRODUCT_OPS: "product ops",
    Role.PRODUCT_MANAGER: "product managers",
    Role.VIEWER: "viewers",
}


def _freshness_card(request: MemberRequest) -> dict:
    return {"rows": selectors.sources_freshness_list(workspace=request.workspace)}


def _newest(request: MemberRequest, _obj: object) -> dict:
    return {"findings": selectors.newest_findings(workspace=request.workspace)}


registry.register(
    NavEntry("data", "Data health", "health:data_health", weight=25, ability="view_data_health"),
    NavEntry("data", "Notable changes", "health:findings", weight=5, ability="view_findings"),
    OverviewCard(
        key="data-health",
        section="data",
        title="Data health",
        weight=150,
        template="health/_freshness_card.html",
        context=_freshness_card,
        ability="view_data_health",
    ),
    Panel(
        page=EXECUTIVE_PAGE,
        title="Newest notable changes",
        template="health/_newest_panel.html",
        context=_newest,
        weight=10,
        ability="view_findings",
    ),
    InsightFeed(
        key="notable-changes",
        title="Notable changes",
        weight=10,
        recent=selectors.notables,
        ability="view_findings",
    ),
    Measure(
        key="dashboard-readers",
        title="Members reading the dashboards",
        explanation="Members who opened a dashboard in the last 30 days, of all members: "
        "how accessible the data is. Which dashboard each role reads is on the data health "
        "page.",
        weight=550,
        compute=selectors.dashboard_readers,
    ),
    *(
        Measure(
            key=f"dashboard-readers-{role.value.replace('_', '-')}",
            title=f"Dashboard readers: {ROLE_PLURALS[role]}",
            explanation=f"{ROLE_PLURALS[role].capitalize()} who opened a dashboard in the "
            f"last 30 days, of all {ROLE_PLURALS[role]} in the workspace.",
            weight=551 + index,
            compute=partial(selectors.dashboard_readers, role=role.value),
        )
        for index, role in enumerate(reversed(Role))
    ),
)
