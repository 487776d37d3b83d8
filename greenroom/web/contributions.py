"""The shell's own part of the registry: its sections, the links to its pages and the
scorecard's summary on the home page. Everything else on these pages comes from the apps."""

from greenroom import registry
from greenroom.accounts.requests import MemberRequest
from greenroom.registry import NavEntry, OverviewCard, Section
from greenroom.web import selectors
from greenroom.web.shell import visible

# The home page shows the first few measures; the scorecard page has them all.
HOME_MEASURES = 5


def _scorecard_summary(request: MemberRequest) -> dict:
    measures = visible(request, registry.entries(registry.Measure))[:HOME_MEASURES]
    return {"scores": selectors.scorecard(workspace=request.workspace, measures=measures)}


registry.register(
    Section("home", "", weight=0),
    Section(
        "data",
        "Data & insights",
        weight=100,
        intro="Revenue, cost and usage by product, segment and market. The portfolio below is "
        "what every metric is sliced by.",
    ),
    Section(
        "customers",
        "Customers & research",
        weight=200,
        intro="Who your customers are, who may be contacted for research, and what they told "
        "you. Segments, regions and markets are how customers are grouped everywhere.",
    ),
    Section(
        "strategy",
        "Strategy & process",
        weight=300,
        intro="Goals that ladder up, one roadmap format, experiments, launches and decisions. "
        "It starts with the teams that own the work.",
    ),
    Section("scorecard", "Scorecard", weight=400),
    Section("settings", "Settings", weight=900),
    NavEntry("home", "Home", "home", weight=0),
    NavEntry("data", "Overview", "data_overview", weight=0),
    NavEntry("customers", "Overview", "customers_overview", weight=0),
    NavEntry("strategy", "Overview", "strategy_overview", weight=0),
    NavEntry("scorecard", "Product ops scorecard", "scorecard", weight=0),
    OverviewCard(
        key="scorecard",
        section="home",
        title="Scorecard",
        weight=300,
        template="web/_scorecard_card.html",
        context=_scorecard_summary,
    ),
)
