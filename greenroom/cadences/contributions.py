"""What cadences adds to the shell: its pages in the sidebar, the decider's pending decisions
on the home page, the scorecard's time to decision and pending decisions, decision search,
the pack's KPI section, the playbook's templates as the starting text of new studies' plans,
experiments' briefs and launches' descriptions, PM onboarding and the team pulse with their
measures, and stand-ins for the pack sections and evidence kinds of apps not built yet (each
app that brings one deletes its stand-in here and registers its own)."""

from greenroom import registry
from greenroom.accounts.models import Workspace
from greenroom.accounts.requests import MemberRequest
from greenroom.cadences import onboarding, scorecard, selectors
from greenroom.cadences.choices import ReminderEmail
from greenroom.registry import (
    EmailKind,
    Measure,
    NavEntry,
    OverviewCard,
    PackSection,
    Panel,
    SearchProvider,
    StartingDocument,
    StartingText,
)


def _pending_card(request: MemberRequest) -> dict:
    rows = selectors.pending_for(workspace=request.workspace, user=request.user)
    outcomes = selectors.outcomes_due_for(workspace=request.workspace, user=request.user)
    return {"decisions": rows, "days": selectors.PENDING_DAYS, "outcomes": outcomes}


def _decisions_behind(request: MemberRequest, item) -> dict:
    links = selectors.decisions_behind(workspace=request.workspace, item_id=item.pk)
    return {"rows": [(link, selectors.change_summary(link.change)) for link in links]}


def _starting_text(*, workspace: Workspace, kind: str) -> StartingDocument | None:
    """The current version of the workspace's playbook template of ``kind``, or None."""
    version = selectors.template_for(workspace=workspace, kind=kind)
    if version is None:
        return None
    return StartingDocument(
        body=version.body, required_sections=tuple(version.template.required_sections)
    )


registry.register(
    StartingText(key="playbook", text=_starting_text),
    Panel(
        page="strategy.roadmap_item",
        title="Decisions behind these changes",
        template="cadences/_decisions_behind.html",
        context=_decisions_behind,
        weight=100,
    ),
    NavEntry("strategy", "Decisions", "cadences:decisions", weight=30),
    NavEntry("strategy", "Cadences", "cadences:cadences", weight=40),
    NavEntry("strategy", "Playbook", "cadences:playbook", weight=50),
    NavEntry("strategy", "Tool stack", "cadences:tools", weight=60),
    OverviewCard(
        key="decisions-waiting-for-you",
        section="home",
        title="Decisions waiting for you",
        weight=150,
        template="cadences/_pending_card.html",
        context=_pending_card,
    ),
    Measure(
        key="time-to-decision",
        title="Time to decision",
        explanation="Median days from a question first raised to its final decision, over "
        "decisions taken in the last 90 days; the trend compares the 90 days before.",
        weight=400,
        compute=selectors.time_to_decision,
    ),
    Measure(
        key="decisions-pending-within-threshold",
        title="Pending decisions younger than 14 days",
        explanation="Open questions still within 14 days of being raised, of all open ones.",
        weight=750,
        compute=selectors.pending_within_threshold,
    ),
    Measure(
        key="decision-outcomes-reviewed",
        title="Decisions with a reviewed outcome",
        explanation="Of decisions whose outcome review fell due in the last 365 days, those "
        "whose outcome was reviewed with a verdict ('too early to tell' is not one yet).",
        weight=760,
        compute=selectors.reviewed_outcomes,
    ),
    SearchProvider(
        key="decisions", title="Decisions", search=selectors.decision_search, weight=600
    ),
    PackSection(
        key="kpis",
        title="KPI snapshot",
        weight=300,
        template="cadences/_pack_kpis.html",
        context=selectors.kpi_snapshot,
    ),
)


def _pulse_card(request: MemberRequest) -> dict:
    answer = scorecard.pulse_answer_get(workspace=request.workspace, user=request.user)
    return {"answer": answer}


# PM onboarding, the pulse survey and their scorecard measures.
registry.register(
    NavEntry("strategy", "PM onboarding", "cadences:onboarding", weight=70),
    NavEntry("scorecard", "Team pulse", "cadences:pulse", weight=10, ability="answer_pulse"),
    OverviewCard(
        key="team-pulse",
        section="home",
        title="This month's team pulse",
        weight=160,
        template="cadences/_pulse_card.html",
        context=_pulse_card,
        ability="answer_pulse",
    ),
    Measure(
        key="onboarding-completion",
        title="Onboarding steps completed",
        explanation="Steps done of all steps, for product managers whose onboarding started in "
        "the last 365 days.",
        weight=850,
        compute=onboarding.completion_ratio,
    ),
    Measure(
        key="time-to-first-roadmap",
        title="Time to first roadmap",
        explanation="Median days from a new product manager's start to their first roadmap in "
        "the standard template (the last 365 days; the trend compares the 365 before).",
        weight=860,
        compute=onboarding.time_to_first_roadmap,
    ),
    Measure(
        key="pm-strategic-time",
        title="PM time on strategic work",
        explanation="Mean share of their time product managers spent on strategic rather than "
        "operational work, from the latest monthly team pulse; the trend is the round before.",
        weight=870,
        compute=scorecard.pulse_strategic_share,
    ),
)


# The reminder emails, each of which a member may switch off (accounts' preferences page).
registry.register(
    EmailKind(
        key=ReminderEmail.REVIEW,
        title=ReminderEmail.REVIEW.label,
        description="The day before a review you attend, with its pre-read pack.",
        weight=10,
    ),
    EmailKind(
        key=ReminderEmail.OVERDUE_ACTION,
        title=ReminderEmail.OVERDUE_ACTION.label,
        description="Once, when an action item you own passes its due date.",
        weight=20,
    ),
    EmailKind(
        key=ReminderEmail.ONBOARDING,
        title=ReminderEmail.ONBOARDING.label,
        description="Your onboarding steps coming due or overdue.",
        weight=30,
    ),
    EmailKind(
        key=ReminderEmail.PULSE,
        title=ReminderEmail.PULSE.label,
        description="Once a month, the team pulse's one question.",
        weight=40,
    ),
)
