"""Precision and recall of the notable changes against what the sandbox planted."""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Recall:
    """How the feed did against the planted changes."""

    planted: int
    found: int  # planted changes the feed raised
    raised: int  # everything the feed raised
    false_positives: list[str]
    missed: list[str]

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return (self.raised - len(self.false_positives)) / self.raised if self.raised else 1.0

    def line(self) -> str:
        return (
            f"notable changes: recall {self.recall:.0%} ({self.found}/{self.planted} planted "
            f"found), precision {self.precision:.0%} ({self.raised - len(self.false_positives)}"
            f"/{self.raised} raised were planted)"
        )


def score(planted: Iterable[tuple[str, str]], raised: Iterable[tuple[str, str]]) -> Recall:
    """Compare (kind, subject) pairs: what was planted against what the feed raised."""
    wanted = set(planted)
    got = set(raised)
    return Recall(
        planted=len(wanted),
        found=len(wanted & got),
        raised=len(got),
        false_positives=sorted(f"{kind}: {subject}" for kind, subject in got - wanted),
        missed=sorted(f"{kind}: {subject}" for kind, subject in wanted - got),
    )
