"""Reads for the shell pages: the scorecard's values and the search box's results, both
computed by the apps that registered them."""

from dataclasses import dataclass

from greenroom.accounts.models import User, Workspace
from greenroom.registry import Measure, Quantity, Ratio, SearchProvider, SearchResult


@dataclass(frozen=True)
class Score:
    """A scorecard line as shown: the measure and its value, or what it waits for."""

    measure: Measure
    value: Ratio | Quantity | None

    @property
    def name(self) -> str:
        return self.measure.title

    @property
    def ratio(self) -> Ratio | None:
        return self.value if isinstance(self.value, Ratio) else None

    @property
    def quantity(self) -> Quantity | None:
        """An amount (a median of days) rather than a share; shown with its unit and trend."""
        return self.value if isinstance(self.value, Quantity) else None

    @property
    def trend(self) -> str:
        """``better``, ``worse`` or ``same`` against the period before; blank without one."""
        quantity = self.quantity
        if quantity is None or quantity.value is None or quantity.previous is None:
            return ""
        if quantity.value == quantity.previous:
            return "same"
        lower = quantity.value < quantity.previous
        return "better" if lower == quantity.lower_is_better else "worse"

    @property
    def numerator(self) -> int | None:
        return self.ratio.numerator if self.ratio else None

    @property
    def denominator(self) -> int | None:
        return self.ratio.denominator if self.ratio else None

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
