"""What experiments add to the shell: sidebar links for experiments, betas and launches, a
card on the strategy overview, four scorecard measures, the review pack's "experiments"
section and experiments as a decision's evidence."""

from greenroom import registry
from greenroom.experiments import measures, selectors
from greenroom.registry import EvidenceKind, Measure, NavEntry, OverviewCard, PackSection

registry.register(
    NavEntry("strategy", "Experiments", "experiments:list", weight=30),
    NavEntry("strategy", "Betas", "experiments:programmes", weight=32),
    NavEntry("strategy", "Launches", "experiments:launches", weight=34),
    OverviewCard(
        key="experiments",
        section="strategy",
        title="Experiments",
        weight=200,
        template="experiments/_overview_card.html",
        context=lambda request: {"running": selectors.running_count(workspace=request.workspace)},
    ),
    Measure(
        key="experiments-per-quarter",
        title="Experiments started per quarter",
        explanation="Experiments started in the last 91 days; the trend compares the 91 days "
        "before.",
        weight=820,
        compute=measures.experiments_per_quarter,
    ),
    Measure(
        key="idea-to-running",
        title="Idea to running experiment",
        explanation="Median days from an experiment's registration to its start, over those "
        "started in the last 91 days.",
        weight=830,
        compute=measures.idea_to_running,
    ),
    Measure(
        key="experiments-preregistered",
        title="Experiments with a pre-registered plan",
        explanation="Experiments started in the last 91 days whose plan, frozen at the start, "
        "held a sample size.",
        weight=840,
        compute=measures.preregistered_share,
    ),
    Measure(
        key="launches-on-time",
        title="Launches on time",
        explanation="Launches shipped in the last 91 days on or before their planned date.",
        weight=850,
        compute=measures.launches_on_time,
    ),
    PackSection(
        key="experiments",
        title="Experiment results and launches",
        weight=600,
        template="experiments/_pack_section.html",
        context=measures.pack_section,
    ),
    EvidenceKind(
        key="experiment", title="Experiment", weight=300, resolve=measures.resolve_experiment
    ),
)
