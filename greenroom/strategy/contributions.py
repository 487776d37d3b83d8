"""What strategy adds to the shell, and its listener on metrics refreshes."""

from datetime import datetime
from typing import Any

from django.urls import reverse

from greenroom import registry
from greenroom.accounts.models import Workspace
from greenroom.jobs.labels import argument_label_register
from greenroom.metrics import signals as metrics_signals
from greenroom.registry import (
    EvidenceKind,
    Measure,
    Milestone,
    NavEntry,
    OverviewCard,
    PackSection,
    Ratio,
    SearchProvider,
    SearchResult,
)
from greenroom.strategy import selectors, services
from greenroom.strategy.choices import Status
from greenroom.strategy.models import JiraConnection


def _card(request: Any) -> dict:
    counts = selectors.status_counts(workspace=request.workspace)
    return {
        "counts": [
            (status, counts.get(status, 0)) for status in Status.values if counts.get(status)
        ],
        "total": sum(counts.values()),
    }


def key_results_on_track(*, workspace: Workspace) -> Ratio:
    """Key results on track, of those with data."""
    counts = selectors.status_counts(workspace=workspace)
    measured = sum(counts.get(s, 0) for s in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK))
    return Ratio(counts.get(Status.ON_TRACK, 0), measured)


def _search(*, workspace: Workspace, actor: Any, query: str, limit: int) -> list[SearchResult]:
    rows = selectors.key_result_list(workspace=workspace).filter(title__icontains=query)[:limit]
    return [
        SearchResult(
            title=kr.title,
            url=reverse("strategy:key_result", args=[kr.pk]),
            kind="Key result",
            detail=f"{kr.objective} · {Status(kr.status).label}",
        )
        for kr in rows
    ]


def _search_items(
    *, workspace: Workspace, actor: Any, query: str, limit: int
) -> list[SearchResult]:
    rows = selectors.roadmap_item_list(workspace=workspace).filter(title__icontains=query)
    return [
        SearchResult(
            title=item.title,
            url=reverse("strategy:roadmap_item", args=[item.pk]),
            kind="Roadmap item",
            detail=f"{item.team} · {item.column}",
        )
        for item in rows[:limit]
    ]


def _resolve_item(*, workspace: Workspace, reference: str) -> tuple[str, str] | None:
    """A roadmap item as a decision's evidence: its title (and team) and page."""
    if not str(reference).strip().isdigit():
        return None
    item = selectors.roadmap_item_get(workspace=workspace, pk=int(reference))
    if item is None:
        return None
    return f"{item.title} ({item.team}, {item.column})", reverse(
        "strategy:roadmap_item", args=[item.pk]
    )


PACK_LIMIT = 30


def _roadmap_diff(*, workspace: Workspace, since: datetime, until: datetime) -> dict:
    """The roadmap changes since the last review, each with its author."""
    events = selectors.roadmap_changes(workspace=workspace, since=since, until=until)
    return {
        "events": events[:PACK_LIMIT],
        "more": max(len(events) - PACK_LIMIT, 0),
        "url": reverse("strategy:roadmap_snapshots"),
    }


def _recompute_after_refresh(sender: Any, *, workspace: Workspace, **kwargs: Any) -> None:
    services.key_results_recompute(workspace=workspace)


metrics_signals.refreshed.connect(_recompute_after_refresh, dispatch_uid="strategy.recompute")


def _jira_connection_names(workspace: Workspace, ids: set[int]) -> dict[int, str]:
    found = JiraConnection.objects.for_workspace(workspace).filter(pk__in=ids)
    return dict(found.values_list("pk", "name"))


argument_label_register(
    job="strategy.jira_sync",
    argument="connection_id",
    label="Jira connection",
    namer=_jira_connection_names,
)


registry.register(
    NavEntry("strategy", "Goals", "strategy:goals", weight=10),
    OverviewCard(
        key="goals-and-roadmaps",
        section="strategy",
        title="Are we on track?",
        weight=100,
        template="strategy/_overview_card.html",
        context=_card,
        description="Key results by status, recomputed at every metrics refresh; every "
        "team's roadmap in one format serves them.",
    ),
    Measure(
        key="key-results-on-track",
        title="Key results on track",
        explanation="Key results on track by the documented rule, of those with data.",
        weight=650,
        compute=key_results_on_track,
    ),
    SearchProvider(key="key-results", title="Key results", search=_search, weight=600),
    NavEntry("strategy", "Roadmaps", "strategy:roadmap", weight=20),
    NavEntry("strategy", "Portfolio roadmap", "strategy:portfolio", weight=22),
    Measure(
        key="teams-on-the-standard-roadmap",
        title="Teams on the standard roadmap",
        explanation=f"Teams with a roadmap changed in the last {selectors.ON_STANDARD_DAYS} days "
        f"whose items meet the template (goal, evidence, impact by default) at least "
        f"{selectors.ON_STANDARD_SHARE:.0%} of the time, of all teams.",
        weight=700,
        compute=selectors.teams_on_standard_roadmap,
    ),
    SearchProvider(key="roadmap-items", title="Roadmap items", search=_search_items, weight=610),
    PackSection(
        key="roadmap-diff",
        title="Roadmap changes",
        weight=200,
        template="strategy/_pack_roadmap_diff.html",
        context=_roadmap_diff,
    ),
    EvidenceKind(key="roadmap-item", title="Roadmap item", weight=400, resolve=_resolve_item),
    PackSection(
        key="goals",
        title="Goal status and what changed",
        weight=100,
        template="strategy/_pack_goals.html",
        context=selectors.pack_goals,
    ),
    Milestone(
        key="first-roadmap",
        title="First roadmap in the standard template",
        weight=10,
        reached=selectors.first_roadmap_reached,
    ),
)
