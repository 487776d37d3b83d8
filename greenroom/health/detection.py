"""Notable changes nobody asked about, found in the metrics after each refresh.

Four detectors, each a pure function from metric rows to candidates (tested on hand-made
rows) and one read through ``metrics.selectors`` or the store (``gather``). Every one scores
the latest complete month against the twelve before it with ``robust.notable``:

- segment churn: logo churn per segment, a rise; the scale is at least the binomial standard
  error of the baseline rate at the segment's size, so one more churned account in a small
  segment is not news;
- feature adoption: the share of a product's active accounts using each feature, a fall;
  the same binomial floor;
- cost against revenue: per product, the month's cost growth minus its revenue growth
  (log ratios), a rise: a trend both share is not news, cost pulling away from revenue is;
- usage at large accounts: the month's events at each of the largest accounts by MRR, as a
  log ratio to the month before, a fall of at least 30 %.
"""

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from statistics import median

from greenroom.dashboards.formatting import change, percent
from greenroom.health import robust
from greenroom.health.choices import FindingKind

# Too few accounts make a rate noise: below these, a slice is not scored.
MIN_ACCOUNTS = 20
LARGE_ACCOUNTS = 20
USAGE_MIN_EVENTS = 200


@dataclass(frozen=True)
class Candidate:
    """A notable change before it is saved as a Finding."""

    kind: str
    subject: str
    period: date
    title: str
    summary: str
    metric: str
    score: robust.Score
    unit: str
    series: list[dict] = field(default_factory=list)


def _month(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _series(rows: Iterable[dict], key: str) -> dict[str, list[dict]]:
    """Complete monthly rows per ``key`` value, oldest first (running months left out)."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if not row.get("partial"):
            grouped[str(row[key])].append({**row, "period": _month(row["period"])})
    return {k: sorted(v, key=lambda r: r["period"]) for k, v in grouped.items()}


def _binomial_floor(rate: float, size: float) -> float:
    p = max(rate, 1 / size)
    return math.sqrt(p * (1 - p) / size)


def _chart(rows: list[dict], field_name: str = "value") -> list[dict]:
    return [{"period": r["period"].isoformat(), "value": r[field_name]} for r in rows[-13:]]


def segment_churn(rows: Iterable[dict]) -> list[Candidate]:
    """Segments whose logo churn rose outside its usual range (``logo_churn`` by segment)."""
    found = []
    for segment, series in _series(rows, "segment").items():
        if not series or series[-1]["starting_accounts"] < MIN_ACCOUNTS:
            continue
        values = [float(r["value"] or 0) for r in series]
        size = series[-1]["starting_accounts"]
        floor = _binomial_floor(median(values[-13:-1] or [0.0]), size)
        score = robust.notable(values, direction=1, absolute_floor=floor)
        if score is None:
            continue
        last = series[-1]
        found.append(
            Candidate(
                FindingKind.SEGMENT_CHURN,
                segment,
                last["period"],
                f"Churn in {segment} rose to {percent(score.value)}",
                f"{last['churned_accounts']:,} of {size:,} paying {segment} accounts churned in "
                f"{last['period']:%B %Y}: {percent(score.value)} against a usual "
                f"{percent(score.median)} (robust z {score.z:+.1f}).",
                "logo_churn",
                score,
                "ratio",
                _chart(series),
            )
        )
    return found


def feature_name(feature: str) -> str:
    """A feature's key as words: 'scheduled_reports' → 'scheduled reports'."""
    return feature.replace("_", " ")


def feature_adoption(rows: Iterable[dict], products: Mapping[str, str]) -> list[Candidate]:
    """Features whose adoption fell outside its usual range (``feature_adoption`` by product;
    ``products``: names by key, to show)."""
    keyed = [{**r, "_key": f"{r['product']} · {r['feature']}"} for r in rows if r.get("feature")]
    found = []
    for subject, series in _series(keyed, "_key").items():
        if not series or series[-1]["active_accounts"] < MIN_ACCOUNTS:
            continue
        values = [float(r["value"] or 0) for r in series]
        size = series[-1]["active_accounts"]
        floor = _binomial_floor(median(values[-13:-1] or [0.0]), size)
        score = robust.notable(values, direction=-1, absolute_floor=floor)
        if score is None:
            continue
        last = series[-1]
        product = products.get(last["product"], last["product"])
        feature = feature_name(last["feature"])
        found.append(
            Candidate(
                FindingKind.FEATURE_ADOPTION,
                subject,
                last["period"],
                f"Adoption of {feature} in {product} fell to {percent(score.value)}",
                f"{last['accounts_using']:,} of {size:,} active {product} accounts used {feature} "
                f"in {last['period']:%B %Y}: {percent(score.value)} against a usual "
                f"{percent(score.median)} (robust z {score.z:+.1f}).",
                "feature_adoption",
                score,
                "ratio",
                _chart(series),
            )
        )
    return found


def _log_ratio(now: float, before: float) -> float | None:
    return math.log(now / before) if now > 0 and before > 0 else None


def cost_vs_revenue(rows: Iterable[dict], products: Mapping[str, str]) -> list[Candidate]:
    """Products whose cost grew faster than their revenue, beyond the usual gap between the
    two growths (``cost_to_revenue`` by product: cost and MRR per month; ``products``: names
    by key, to show)."""
    found = []
    for product, series in _series(rows, "product").items():
        gaps, kept = [], []
        for before, now in itertools.pairwise(series):
            cost = _log_ratio(float(now["cost"] or 0), float(before["cost"] or 0))
            revenue = _log_ratio(float(now["mrr"] or 0), float(before["mrr"] or 0))
            if cost is not None and revenue is not None:
                gaps.append(cost - revenue)
                kept.append(now)
        if not kept or kept[-1] is not series[-1]:
            continue
        score = robust.notable(gaps, direction=1, min_change=0.0, absolute_floor=0.01)
        if score is None:
            continue
        last, before = kept[-1], series[series.index(kept[-1]) - 1]
        cost_growth = float(last["cost"]) / float(before["cost"]) - 1
        revenue_growth = float(last["mrr"]) / float(before["mrr"]) - 1
        name = products.get(product, product)
        found.append(
            Candidate(
                FindingKind.COST_VS_REVENUE,
                product,
                last["period"],
                f"{name}: cost grew {change(cost_growth)}, revenue {change(revenue_growth)}",
                f"In {last['period']:%B %Y} the cost of {name} grew {change(cost_growth)} on "
                f"the month while its MRR grew {change(revenue_growth)}; cost-to-revenue is now "
                f"{percent(last['value'] or 0)} (robust z of the growth gap {score.z:+.1f}).",
                "cost_to_revenue",
                score,
                "ratio",
                _chart(series),
            )
        )
    return found


def account_usage(rows: Iterable[dict], names: dict[str, str]) -> list[Candidate]:
    """Large accounts whose events fell on the month beyond their usual month-to-month swing
    (rows: account_id, period, events for the largest accounts; ``names`` to show)."""
    found = []
    for account, series in _series(rows, "account_id").items():
        changes, kept = [], []
        for before, now in itertools.pairwise(series):
            change = _log_ratio(float(now["events"]), float(before["events"]))
            if change is not None and before["events"] >= USAGE_MIN_EVENTS:
                changes.append(change)
                kept.append(now)
        if not kept or kept[-1] is not series[-1]:
            continue  # the last month has no usable change (no events at all: churn shows it)
        score = robust.notable(changes, direction=-1, min_change=0.0, absolute_floor=0.05)
        if score is None or score.value > math.log(0.7):
            continue
        last, before = series[-1], series[-2]
        name = names.get(account, account)
        drop = 1 - last["events"] / before["events"]
        found.append(
            Candidate(
                FindingKind.ACCOUNT_USAGE,
                name,
                last["period"],
                f"Usage at {name} fell {percent(drop)}",
                f"{name}, one of the {LARGE_ACCOUNTS} largest accounts by MRR, recorded "
                f"{last['events']:,} events in {last['period']:%B %Y} against {before['events']:,} "
                f"the month before (robust z of the monthly change {score.z:+.1f}).",
                "events",
                score,
                "count",
                [{"period": r["period"].isoformat(), "value": r["events"]} for r in series[-13:]],
            )
        )
    return found
