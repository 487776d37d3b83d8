"""What research adds to the shell: studies, insights and search in the sidebar, the card on
the Customers & research overview (the key customers kept for it), a turnaround measure, the
account page's research involvement, insights and notes in the search box, the review pack's
new insights and insights as decision evidence (the keys cadences kept for them)."""

from greenroom import registry
from greenroom.registry import (
    EvidenceKind,
    Measure,
    NavEntry,
    OverviewCard,
    PackSection,
    Panel,
    SearchProvider,
)
from greenroom.research import selectors

registry.register(
    NavEntry("customers", "Studies", "research:studies", weight=50),
    NavEntry("customers", "Insights", "research:insights", weight=52),
    NavEntry("customers", "Research search", "research:search", weight=54),
    OverviewCard(
        key="research-repository",
        section="customers",
        title="Research repository",
        weight=210,
        description="Studies, interview notes and their insights, searchable, so a question is "
        "not asked twice.",
        template="research/_overview_card.html",
        context=lambda request: selectors.overview(workspace=request.workspace),
    ),
    Measure(
        key="insight-turnaround",
        title="Feedback-to-insight turnaround",
        explanation=f"Median days from the earliest feedback supporting an insight to the "
        f"insight, over insights of the last {selectors.TURNAROUND_WINDOW} days; the trend "
        "compares the period before.",
        weight=605,
        compute=selectors.insight_turnaround,
    ),
    Panel(
        page="customers.account",
        title="Research involvement",
        template="research/_account_panel.html",
        context=lambda request, account: selectors.for_account(
            workspace=request.workspace, account=account
        ),
        weight=20,
    ),
    SearchProvider(key="research", title="Research", search=selectors.search, weight=350),
    PackSection(
        key="insights",
        title="New insights",
        weight=500,
        template="research/_pack_insights.html",
        context=selectors.pack_insights,
    ),
    EvidenceKind(key="insight", title="Insight", weight=100, resolve=selectors.evidence_resolve),
)
