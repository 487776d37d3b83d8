"""Reads for the shell pages: the scorecard's values and the search box's results, both
computed by the apps that registered them."""

from dataclasses import dataclass

from greenroom.accounts.models import User, Workspace
from greenroom.registry import Measure, Score, SearchProvider, SearchResult


def scorecard(*, workspace: Workspace, measures: list[Measure]) -> list[Score]:
    """The product ops function's own success measures, computed from the workspace's data."""
    return [
        Score(measure, measure.compute(workspace=workspace) if measure.compute else None)
        for measure in measures
    ]


@dataclass(frozen=True)
class SearchGroup:
    """What one provider found."""

    provider: SearchProvider
    results: list[SearchResult]


def search(
    *, workspace: Workspace, actor: User, query: str, providers: list[SearchProvider], limit: int
) -> list[SearchGroup]:
    """Each provider's results for ``query`` in the workspace; providers that found nothing
    are left out."""
    groups = [
        SearchGroup(p, p.search(workspace=workspace, actor=actor, query=query, limit=limit))
        for p in providers
    ]
    return [group for group in groups if group.results]
