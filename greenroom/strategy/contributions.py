"""What strategy adds to the shell, and its listener on metrics refreshes."""

from typing import Any

from django.urls import reverse

from greenroom import registry
from greenroom.accounts.models import Workspace
from greenroom.metrics import signals as metrics_signals
from greenroom.registry import Measure, NavEntry, OverviewCard, Ratio, SearchProvider, SearchResult
from greenroom.strategy import selectors, services
from greenroom.strategy.choices import Status


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


def _recompute_after_refresh(sender: Any, *, workspace: Workspace, **kwargs: Any) -> None:
    services.key_results_recompute(workspace=workspace)


metrics_signals.refreshed.connect(_recompute_after_refresh, dispatch_uid="strategy.recompute")

registry.register(
    NavEntry("strategy", "Goals", "strategy:goals", weight=10),
    OverviewCard(
        key="goals-and-roadmaps",
        section="strategy",
        title="Are we on track?",
        weight=100,
        template="strategy/_overview_card.html",
        context=_card,
        description="Key results by status, recomputed at every metrics refresh. Roadmaps "
        "in one format come next.",
    ),
    Measure(
        key="key-results-on-track",
        title="Key results on track",
        explanation="Key results on track by the documented rule, of those with data.",
        weight=650,
        compute=key_results_on_track,
    ),
    SearchProvider(key="key-results", title="Key results", search=_search, weight=600),
)
