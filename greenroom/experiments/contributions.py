"""What experiments add to the shell: a sidebar link and a card on the strategy overview."""

from greenroom import registry
from greenroom.experiments import selectors
from greenroom.registry import NavEntry, OverviewCard

registry.register(
    NavEntry("strategy", "Experiments", "experiments:list", weight=30),
    OverviewCard(
        key="experiments",
        section="strategy",
        title="Experiments",
        weight=200,
        template="experiments/_overview_card.html",
        context=lambda request: {"running": selectors.running_count(workspace=request.workspace)},
    ),
)
