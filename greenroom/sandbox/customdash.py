"""The sandbox's team dashboard: Vera, the demo viewer, joins the Invoicing team (matched by
email, as an organisation import would), and product ops publish a dashboard of four tiles
to that team, composed through the dashboards app's services."""

from greenroom.accounts.models import User, Workspace
from greenroom.dashboards import services
from greenroom.dashboards.models import CustomDashboard
from greenroom.organisation.kinds import KINDS_BY_SLUG
from greenroom.organisation.models import Person, Team
from greenroom.organisation.services import entity_save

NAME = "Invoicing team"
TILES = [
    {"metric": "arr", "chart": "number", "title": "ARR"},
    {"metric": "mrr", "chart": "line", "title": "MRR by segment", "by": "segment"},
    {
        "metric": "active_users",
        "chart": "bar",
        "title": "Monthly active users by product",
        "by": "product",
    },
    {"metric": "stickiness", "chart": "line"},
]


def sandbox_team_dashboards(*, workspace: Workspace) -> str:
    """Add the demo viewer to Invoicing and publish its dashboard; what was added."""
    ops = User.objects.filter(memberships__workspace=workspace, email="ops@harbor.example").first()
    team = Team.objects.for_workspace(workspace).filter(name="Invoicing").first()
    if ops is None or team is None:
        return "No team dashboard (no Invoicing team or product ops user)"
    if CustomDashboard.objects.for_workspace(workspace).filter(name=NAME).exists():
        return "The team dashboard exists already"
    if not Person.objects.for_workspace(workspace).filter(email="viewer@harbor.example"):
        entity_save(
            actor=ops,
            workspace=workspace,
            kind=KINDS_BY_SLUG["people"],
            data={
                "name": "Vera Viewer",
                "title": "Billing analyst",
                "email": "viewer@harbor.example",
                "team": team,
            },
        )
    board = services.custom_dashboard_create(
        actor=ops,
        workspace=workspace,
        name=NAME,
        description="Revenue and usage at a glance for the Invoicing team.",
        teams=[team],
    )
    for tile in TILES:
        services.tile_add(actor=ops, dashboard=board, **tile)
    return f"A team dashboard of {len(TILES)} tiles published to {team.name}"
