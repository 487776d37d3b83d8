"""The product ops scorecard's page data: every registered measure with the baseline the
workspace set for it and its history (weekly snapshots, drawn as a sparkline), the export,
and the monthly pulse survey of the product team (time on strategic vs operational work).

Reads first, then writes (each write takes the actor, runs in a transaction and records its
audit event). The measures themselves are computed by the apps that register them; this
module stores only what the registry cannot: baselines, snapshots and pulse answers.
"""

import inspect
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from greenroom import registry
from greenroom.accounts.models import Membership, User, Workspace
from greenroom.accounts.permissions import ABILITIES
from greenroom.accounts.services import audit_record
from greenroom.cadences.choices import AuditAction
from greenroom.cadences.models import MeasureBaseline, MeasureSnapshot, PulseResponse, PulseRound
from greenroom.registry import Measure, Quantity, Ratio, Score

# The sparkline shows this many of the latest weekly snapshots.
HISTORY_POINTS = 26
SPARK_WIDTH, SPARK_HEIGHT = 120, 28


# ---------------------------------------------------------------------------- reads


def figure(value: Ratio | Quantity | None) -> tuple[float | None, int]:
    """A measure's value as one number and how many things it counted: a share as a percent
    (one decimal), an amount as it is; None when there was nothing to measure."""
    if isinstance(value, Ratio):
        if not value.denominator:
            return None, 0
        return round(100 * value.numerator / value.denominator, 1), value.denominator
    if isinstance(value, Quantity):
        return value.value, value.count
    return None, 0


@dataclass(frozen=True)
class Line(Score):
    """A scorecard line on its page: the measure and its value (as ``registry.Score`` reads
    them), the workspace's baseline for it and its history (oldest first)."""

    baseline: MeasureBaseline | None = None
    history: list[float | None] = field(default_factory=list)

    @property
    def current(self) -> float | None:
        return figure(self.value)[0]

    @property
    def unit(self) -> str:
        return self.quantity.unit if self.quantity else "%"

    @property
    def lower_is_better(self) -> bool:
        return self.quantity.lower_is_better if self.quantity else False

    def _compare(self, other: float | None) -> str:
        current = self.current
        if current is None or other is None:
            return ""
        if current == other:
            return "same"
        return "better" if (current < other) == self.lower_is_better else "worse"

    @property
    def against_baseline(self) -> str:
        return self._compare(self.baseline.value if self.baseline else None)

    @property
    def has_data(self) -> bool:
        return self.current is not None

    @property
    def sparkline(self) -> str:
        return sparkline(self.history)


def sparkline(
    values: list[float | None], width: int = SPARK_WIDTH, height: int = SPARK_HEIGHT
) -> str:
    """SVG polyline points for ``values`` (gaps skipped), scaled to fill the box; blank with
    fewer than two values. A flat line sits in the middle."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(v for _, v in known), max(v for _, v in known)
    step = width / (len(values) - 1)
    span = high - low
    points = []
    for i, v in known:
        y = height / 2 if span == 0 else height - 2 - (v - low) / span * (height - 4)
        points.append(f"{i * step:.1f},{y:.1f}")
    return " ".join(points)


def lines(
    *, workspace: Workspace, measures: list[Measure], today: date | None = None
) -> list[Line]:
    """Every measure's line: its value now, baseline and weekly history (two queries for the
    baselines and histories of all measures, plus what each measure's compute reads)."""
    keys = [m.key for m in measures]
    baselines = {
        b.measure_key: b
        for b in MeasureBaseline.objects.for_workspace(workspace).filter(measure_key__in=keys)
    }
    history: dict[str, list[float | None]] = {key: [] for key in keys}
    since = (today or timezone.localdate()) - timedelta(weeks=HISTORY_POINTS)
    snapshots = (
        MeasureSnapshot.objects.for_workspace(workspace)
        .filter(measure_key__in=keys, taken_on__gt=since)
        .order_by("measure_key", "taken_on")
        .values_list("measure_key", "value")
    )
    for key, value in snapshots:
        history[key].append(value)
    return [
        Line(
            measure,
            measure.compute(workspace=workspace) if measure.compute else None,
            baselines.get(measure.key),
            history[measure.key][-HISTORY_POINTS:],
        )
        for measure in measures
    ]


def export_rows(rows: list[Line]) -> Iterable[list[Any]]:
    """The scorecard as a table: header first, one row per measure."""
    yield [
        "measure",
        "title",
        "value",
        "unit",
        "counted",
        "previous period",
        "baseline",
        "against baseline",
        "status",
    ]
    for line in rows:
        value, count = figure(line.value)
        status = (
            f"waits for {line.measure.waits_for}"
            if line.measure.waits_for
            else ("" if value is not None else "no data yet")
        )
        previous = line.quantity.previous if line.quantity else None
        yield [
            line.measure.key,
            line.name,
            value,
            line.unit,
            count,
            previous,
            line.baseline.value if line.baseline else None,
            line.against_baseline,
            status,
        ]


def pulse_month(day: date) -> date:
    return day.replace(day=1)


def pulse_answer_get(*, workspace: Workspace, user: User, today: date | None = None):
    """The member's answer for this month's round, or None."""
    month = pulse_month(today or timezone.localdate())
    return (
        PulseResponse.objects.for_workspace(workspace)
        .filter(round__month=month, respondent=user)
        .first()
    )


def pulse_strategic_share(*, workspace: Workspace, now: datetime | None = None) -> Quantity:
    """Mean share of time on strategic work in the latest round with answers (up to ``now``),
    beside the mean of the round before that had answers (higher is better)."""
    month = pulse_month((now or timezone.now()).date())
    rounds: dict[date, list[int]] = {}
    rows = (
        PulseResponse.objects.for_workspace(workspace)
        .filter(round__month__lte=month)
        .order_by("-round__month")
        .values_list("round__month", "strategic_percent")
    )
    for answered_month, percent in rows:
        if answered_month not in rounds and len(rounds) == 2:
            break
        rounds.setdefault(answered_month, []).append(percent)
    means = [round(statistics.fmean(values), 1) for values in rounds.values()]
    return Quantity(
        value=means[0] if means else None,
        unit="% strategic",
        count=len(next(iter(rounds.values()), [])),
        previous=means[1] if len(means) > 1 else None,
        lower_is_better=False,
    )


# ---------------------------------------------------------------------------- writes


@lru_cache(maxsize=256)
def _takes_now(compute: Any) -> bool:
    return "now" in inspect.signature(compute).parameters


@transaction.atomic
def snapshot_take(
    *, workspace: Workspace, measures: list[Measure], on: date, now: datetime | None = None
) -> int:
    """Store each measure's value on ``on`` (again on the same day replaces it). With ``now``
    (a past moment), only measures whose compute takes ``now`` are stored: the others can
    only say what they are today."""
    rows = []
    for measure in measures:
        if measure.compute is None:
            continue
        if now is not None and not _takes_now(measure.compute):
            continue
        value = (
            measure.compute(workspace=workspace, now=now)
            if now is not None
            else measure.compute(workspace=workspace)
        )
        number, count = figure(value)
        rows.append(
            MeasureSnapshot(
                workspace=workspace, measure_key=measure.key, taken_on=on, value=number, count=count
            )
        )
    # Two statements whatever the number of measures: the sandbox keeps half a year of them.
    MeasureSnapshot.objects.for_workspace(workspace).filter(
        taken_on=on, measure_key__in=[row.measure_key for row in rows]
    ).delete()
    MeasureSnapshot.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def baseline_set(
    *, workspace: Workspace, actor: User, measure_key: str, value: float | None, note: str = ""
) -> MeasureBaseline | None:
    """Set (or, with None, clear) the workspace's baseline for one registered measure."""
    known = {m.key for m in registry.entries(Measure) if m.compute is not None}
    if measure_key not in known:
        raise ValidationError(f"No measure {measure_key!r} on the scorecard to set a baseline for.")
    rows = MeasureBaseline.objects.for_workspace(workspace).filter(measure_key=measure_key)
    current = rows.first()
    if value is None:
        if current is None:
            return None
        rows.delete()
        baseline = None
    elif current is not None and current.value == value and current.note == note:
        return current
    else:
        baseline, _ = MeasureBaseline.objects.update_or_create(
            workspace=workspace,
            measure_key=measure_key,
            defaults={"value": value, "note": note, "set_by": actor, "set_at": timezone.now()},
        )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.MEASURE_BASELINE_SET,
        detail={
            "measure": measure_key,
            "value": value,
            "before": current.value if current else None,
        },
    )
    return baseline


@transaction.atomic
def pulse_answer(
    *,
    workspace: Workspace,
    actor: User,
    strategic_percent: int,
    comment: str = "",
    today: date | None = None,
) -> PulseResponse:
    """Record (or change) the member's answer to this month's pulse."""
    membership = Membership.objects.filter(workspace=workspace, user=actor).first()
    if membership is None or not membership.has_role(ABILITIES["answer_pulse"]):
        raise PermissionDenied("The pulse asks the product team: product managers and up.")
    if not 0 <= strategic_percent <= 100:
        raise ValidationError({"strategic_percent": "Give a share between 0 and 100."})
    month = pulse_month(today or timezone.localdate())
    round_, _ = PulseRound.objects.get_or_create(workspace=workspace, month=month)
    response, _ = PulseResponse.objects.update_or_create(
        round=round_,
        respondent=actor,
        defaults={
            "workspace": workspace,
            "strategic_percent": strategic_percent,
            "comment": comment[:500],
            "answered_at": timezone.now(),
        },
    )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.PULSE_RESPONSE_SAVE,
        target=round_,
        detail={"strategic_percent": strategic_percent},
    )
    return response
