"""The sandbox's roadmaps: every team's items in the standard template, most linked to the
team's objective or key result, to feedback opportunities of the areas the team owns, and
with an expected impact; three teams (Reporting, Mobile, Data Platform) deliberately
off-template, as teams are before product ops catch up with them. A few items depend on other
teams' items, one of them planned in "Now" on an item still in "Later" (a dependency
warning). A snapshot a quarter old, some moves since, and today's snapshot give the diff
something to say.

Everything goes through the strategy app's services, as a team's edits would.
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify

from greenroom.accounts.models import User, Workspace
from greenroom.feedback.models import Opportunity
from greenroom.organisation.models import Market, ProductArea, Team
from greenroom.strategy import services
from greenroom.strategy.models import KeyResult, Objective, RoadmapItem, RoadmapSnapshot

OFF_TEMPLATE = {"Reporting", "Mobile", "Data Platform"}

# team -> (title, column, status); the first of each team's items serves its key result.
ITEMS = {
    "Projects & Tasks": [
        ("Timeline view", "Now", "in_progress"),
        ("Board templates", "Next", "planned"),
        ("Guest access to projects", "Later", "proposed"),
    ],
    "Access & Admin": [
        ("SCIM provisioning", "Now", "in_progress"),
        ("Audit log export", "Next", "planned"),
        ("Custom roles", "Later", "proposed"),
    ],
    "Notifications": [
        ("Weekly digest email", "Now", "in_progress"),
        ("Smart notification batching", "Next", "planned"),
        ("Mobile push preferences", "Later", "proposed"),
    ],
    "Workflow": [
        ("Conditional branches", "Now", "in_progress"),
        ("Scheduled triggers", "Next", "planned"),
        ("Workflow versioning", "Later", "proposed"),
    ],
    "Integrations": [
        ("Salesforce two-way sync", "Now", "in_progress"),
        ("Jira Cloud connector", "Next", "planned"),
        ("Connector SDK", "Later", "proposed"),
    ],
    "Dashboards": [
        ("Dashboard sharing links", "Now", "in_progress"),
        ("Chart annotations", "Next", "planned"),
        ("Embedded dashboards", "Later", "proposed"),
    ],
    "Reporting": [
        ("Report scheduler rewrite", "Now", "in_progress"),
        ("Excel export", "Next", "planned"),
        ("Report builder", "Later", "proposed"),
    ],
    "Data Platform": [
        ("Warehouse sync", "Now", "in_progress"),
        ("Pipeline monitoring", "Later", "proposed"),
    ],
    "Invoicing": [
        ("Usage-based invoices", "Now", "in_progress"),
        ("Recurring invoices for mid-market", "Next", "planned"),
        ("Multi-entity billing", "Later", "proposed"),
    ],
    "Checkout & Payouts": [
        ("Instant payouts", "Now", "in_progress"),
        ("Payout retry rules", "Next", "planned"),
        ("Local payment methods", "Later", "proposed"),
    ],
    "Mobile": [("Offline mode", "Now", "in_progress"), ("Tablet layout", "Later", "proposed")],
    "Growth": [
        ("Guided onboarding checklist", "Now", "in_progress"),
        ("In-app upgrade prompts", "Next", "planned"),
        ("Referral programme", "Later", "proposed"),
    ],
}

# (item, the item it depends on): the first plans in "Now" on one still in "Later".
DEPENDENCIES = [
    ("Dashboard sharing links", "Guest access to projects"),
    ("Jira Cloud connector", "Scheduled triggers"),
    ("In-app upgrade prompts", "Usage-based invoices"),
    ("Embedded dashboards", "Custom roles"),
]


def sandbox_roadmaps(*, workspace: Workspace, seed: int, progress=lambda _: None) -> int:
    """Build every team's roadmap for the sandbox workspace; how many items."""
    started = time.perf_counter()
    rng = random.Random(seed)
    ops = User.objects.filter(memberships__workspace=workspace, email="ops@harbor.example").first()
    teams = {t.name: t for t in Team.objects.for_workspace(workspace)}
    markets = list(Market.objects.for_workspace(workspace).order_by("pk"))
    created: dict[str, RoadmapItem] = {}
    for team_name, rows in ITEMS.items():
        team = teams.get(team_name)
        if team is None:
            continue
        goals = _goals(workspace, team)
        areas = list(ProductArea.objects.for_workspace(workspace).filter(owner_team=team))
        opportunities = list(
            Opportunity.objects.for_workspace(workspace).filter(product_area__in=areas)[:4]
        )
        for index, (title, column, status) in enumerate(rows):
            created[title] = _item(
                workspace,
                ops,
                team,
                title,
                column,
                status,
                index,
                goals,
                areas,
                opportunities,
                markets,
                rng,
                off=team_name in OFF_TEMPLATE,
            )
    for title, needed in DEPENDENCIES:
        if title in created and needed in created:
            services.roadmap_item_save(
                actor=ops,
                workspace=workspace,
                data={},
                instance=created[title],
                dependencies=[created[needed]],
            )
    _history(workspace, ops, created)
    elapsed = time.perf_counter() - started
    progress(
        f"  {len(created)} roadmap items for {len(teams)} teams, two snapshots ({elapsed:.1f} s)"
    )
    return len(created)


def _goals(workspace: Workspace, team: Team) -> tuple[Objective | None, KeyResult | None]:
    objective = Objective.objects.for_workspace(workspace).filter(team=team).first()
    key_result = (
        KeyResult.objects.for_workspace(workspace).filter(objective=objective).first()
        if objective
        else None
    )
    return objective, key_result


def _item(
    workspace,
    ops,
    team,
    title,
    column,
    status,
    index,
    goals,
    areas,
    opportunities,
    markets,
    rng,
    *,
    off: bool,
) -> RoadmapItem:
    objective, key_result = goals
    data: dict = {"title": title, "team": team, "column": column, "status": status}
    linked: list = []
    if not off:
        # Invoicing's "Next" item waits for its key result: the browser flow links it.
        if index == 0 or team.name != "Invoicing":
            data["key_result"] = key_result if index == 0 else None
        data["objective"] = objective if index else None
        data["problem"] = f"Customers of {team.name} ask for {title.lower()}."
        data["revenue_unlocked"] = Decimal(rng.randrange(20, 400) * 1000)
        if index == 2 and markets:
            data["market_opened"] = markets[rng.randrange(len(markets))]
        data["confidence"] = rng.choice([50, 60, 70, 80, 90])
        data["impact_score"] = rng.choice([0.5, 1.0, 2.0, 3.0])
        data["effort"] = float(rng.choice([1, 2, 3, 5, 8]))
        data["product_area"] = areas[index % len(areas)] if areas else None
        linked = opportunities[index : index + 2]
    elif index == 0:
        data["problem"] = "Rewrite started before the template existed."
    if not linked and not off:
        data["reach"] = rng.randrange(50, 600)
    item = services.roadmap_item_save(
        actor=ops, workspace=workspace, data=data, opportunities=linked or None
    )
    if not off and not linked:
        # No opportunity in the team's areas: the interviews the team ran are its evidence.
        services.roadmap_evidence_add(
            actor=ops,
            item=item,
            kind="link",
            url=f"https://research.harbor.example/{slugify(title)}",
            note=f"Customer interviews on {title.lower()}",
        )
    return item


def _history(workspace: Workspace, ops, created: dict[str, RoadmapItem]) -> None:
    """A snapshot a quarter ago, a few moves since, and today's snapshot."""
    earlier = services.roadmap_snapshot_take(actor=ops, workspace=workspace)
    then = timezone.now() - timedelta(days=91)
    today = timezone.localdate() - timedelta(days=91)
    label = f"{today.year} Q{(today.month - 1) // 3 + 1} ({today.isoformat()})"
    RoadmapSnapshot.objects.filter(pk=earlier.pk).update(taken_at=then, label=label)
    for title, column in (("Board templates", "Now"), ("Custom roles", "Next")):
        if title in created:
            services.roadmap_item_move(actor=ops, item=created[title], column=column)
    services.roadmap_snapshot_take(actor=ops, workspace=workspace)
