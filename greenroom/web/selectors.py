"""Reads for the shell pages: the workspace at a glance and the product ops scorecard."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from greenroom.accounts.models import Membership, Workspace
from greenroom.jobs.selectors import run_outcomes_since
from greenroom.organisation.models import Product, ProductArea, Team
from greenroom.sources.models import Source

# A source counts as fresh when its data was committed within this long.
FRESHNESS_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Measure:
    """One scorecard line: a share with its numerator and denominator, or not yet measurable."""

    name: str
    explanation: str
    numerator: int | None = None
    denominator: int | None = None
    pending_reason: str = ""

    @property
    def percent(self) -> int | None:
        if not self.denominator or self.numerator is None:
            return None
        return round(100 * self.numerator / self.denominator)

    @property
    def tone(self) -> str:
        percent = self.percent
        if percent is None:
            return "muted"
        return "ok" if percent >= 80 else "warn" if percent >= 50 else "bad"


def scorecard(*, workspace: Workspace) -> list[Measure]:
    """The product ops function's own success measures, computed from the workspace's data."""
    products = Product.objects.filter(workspace=workspace)
    areas = ProductArea.objects.filter(workspace=workspace)
    teams = Team.objects.filter(workspace=workspace, headcount_plan__isnull=False).annotate(
        people_count=Count("people")
    )
    members = Membership.objects.filter(workspace=workspace, user__is_active=True)
    month_ago = timezone.now() - timedelta(days=30)
    outcomes = run_outcomes_since(since=timezone.now() - timedelta(days=7), workspace=workspace)
    return [
        Measure(
            "Products with an owning team",
            "Every product needs a team accountable for it.",
            products.filter(owner_team__isnull=False).count(),
            products.count(),
        ),
        Measure(
            "Product areas with an owning team",
            "Areas without an owner are where feedback gets lost.",
            areas.filter(owner_team__isnull=False).count(),
            areas.count(),
        ),
        Measure(
            "Teams staffed to plan",
            "Teams whose people number at least their planned headcount.",
            sum(1 for team in teams if team.people_count >= team.headcount_plan),
            len(teams),
        ),
        Measure(
            "Members active in the last 30 days",
            "Accessibility of the platform: people who signed in recently.",
            members.filter(user__last_login__gte=month_ago).count(),
            members.count(),
        ),
        Measure(
            "Background jobs succeeding (7 days)",
            "Syncs and refreshes that finished without error.",
            outcomes.succeeded,
            outcomes.finished,
        ),
        Measure(
            "Time to decision",
            "Days from a question being raised to a logged decision.",
            pending_reason="Measured once decisions are logged (cadences and decisions).",
        ),
        _freshness(workspace),
        Measure(
            "Feedback-to-insight turnaround",
            "Days from feedback arriving to it being linked to a theme or insight.",
            pending_reason="Measured once feedback flows in (feedback capability).",
        ),
    ]


def _freshness(workspace: Workspace) -> Measure:
    sources = Source.objects.filter(workspace=workspace, enabled=True)
    fresh = sources.filter(last_synced_at__gte=timezone.now() - FRESHNESS_WINDOW)
    return Measure(
        "Data freshness",
        "Enabled data sources whose data was last committed within 24 hours.",
        fresh.count(),
        sources.count(),
    )


def workspace_glance(*, workspace: Workspace) -> dict[str, int]:
    """Counts for the home page."""
    teams = Team.objects.filter(workspace=workspace).aggregate(
        teams=Count("id", distinct=True), people=Count("people")
    )
    return {
        "products": Product.objects.filter(workspace=workspace).count(),
        "areas": ProductArea.objects.filter(workspace=workspace).count(),
        "teams": teams["teams"],
        "people": teams["people"],
        "members": Membership.objects.filter(workspace=workspace, user__is_active=True).count(),
        "unowned_products": Product.objects.filter(
            Q(owner_team__isnull=True), workspace=workspace
        ).count(),
    }
