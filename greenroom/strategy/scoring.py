"""Prioritisation of roadmap items: RICE and a weighted-drivers formula (docs/strategy.md,
"Prioritisation"). Pure functions over plain numbers, so the worked examples in the tests
check them without a database.

Feedback demand (the requesting accounts of an item's opportunities and their ARR) stands in
for RICE's reach when the team gave none, and is two of the weighted formula's drivers.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from greenroom.strategy.choices import DRIVERS


@dataclass(frozen=True)
class Inputs:
    """What one item brings to its score."""

    reach: int | None = None
    impact: float | None = None  # RICE impact, 0.25-3
    confidence: int | None = None  # percent
    effort: float | None = None  # person-months
    value: Decimal = Decimal(0)  # revenue unlocked + cost reduced, per year
    demand_accounts: int = 0
    demand_arr: Decimal = Decimal(0)


@dataclass(frozen=True)
class Score:
    """A score, or None with what is missing to compute it; the parts it was made from."""

    value: float | None
    missing: tuple[str, ...] = ()
    parts: dict[str, float] = field(default_factory=dict)


def rice(inputs: Inputs) -> Score:
    """Reach x impact x confidence / effort; reach is the accounts asking in feedback when
    the team gave none."""
    reach = inputs.reach if inputs.reach is not None else (inputs.demand_accounts or None)
    named = {
        "reach": reach,
        "impact": inputs.impact,
        "confidence": inputs.confidence,
        "effort": inputs.effort,
    }
    missing = tuple(name for name, value in named.items() if value is None)
    if missing:
        return Score(None, missing)
    assert reach is not None and inputs.impact is not None and inputs.effort is not None
    assert inputs.confidence is not None
    value = reach * inputs.impact * (inputs.confidence / 100) / inputs.effort
    return Score(round(value, 2), (), {k: float(v) for k, v in named.items()})  # type: ignore[arg-type]


def weighted(items: dict[int, Inputs], weights: dict[str, float]) -> dict[int, Score]:
    """0-100: the weighted mean of five drivers, each 0-1 among ``items``: value, demand ARR
    and requesting accounts relative to the largest, confidence as a share, and ease as the
    least effort among them over the item's own (no effort given: 0)."""
    total = sum(float(weights.get(name, 0)) for name in DRIVERS)
    max_value = max((i.value for i in items.values()), default=Decimal(0))
    max_arr = max((i.demand_arr for i in items.values()), default=Decimal(0))
    max_accounts = max((i.demand_accounts for i in items.values()), default=0)
    least_effort = min((i.effort for i in items.values() if i.effort), default=None)
    scores = {}
    for pk, i in items.items():
        parts = {
            "value": float(i.value / max_value) if max_value else 0.0,
            "arr": float(i.demand_arr / max_arr) if max_arr else 0.0,
            "accounts": i.demand_accounts / max_accounts if max_accounts else 0.0,
            "confidence": (i.confidence or 0) / 100,
            "ease": least_effort / i.effort if (least_effort and i.effort) else 0.0,
        }
        sum_ = sum(float(weights.get(name, 0)) * part for name, part in parts.items())
        scores[pk] = Score(round(100 * sum_ / total, 1) if total else None, (), parts)
    return scores
