"""Reads of the cadences app, always scoped to a workspace: decisions and time to decision,
the playbook's lookup (``template_for``), tool adoption and redundancy, cadences' packs and
calendar feeds."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from greenroom import registry
from greenroom.accounts.models import AuditEvent, User, Workspace
from greenroom.cadences.choices import DecisionStatus, OutcomeVerdict
from greenroom.cadences.models import (
    ActionItem,
    Cadence,
    CalendarToken,
    Decision,
    DecisionChange,
    DecisionEpisode,
    Guide,
    Occurrence,
    PlaybookTemplate,
    TemplateVersion,
    Tool,
    ToolSeat,
)
from greenroom.registry import PackSection, Quantity, Ratio

# A pending decision older than this is surfaced on its decider's home page.
PENDING_DAYS = 14
# Time to decision is the median over this window, its trend against the window before.
WINDOW_DAYS = 90
# A seat is active when its login is this recent.
ACTIVE_DAYS = 30


# ---------------------------------------------------------------------------- decisions


# The decision log's filter for decided decisions whose outcome review is due.
OUTCOME_DUE = "outcome_due"
# The reviewed-outcomes measure looks at reviews that fell due within this many days.
OUTCOME_WINDOW_DAYS = 365


def decision_list(*, workspace: Workspace, status: str = "") -> QuerySet[Decision]:
    """The workspace's decisions, newest first, with who raised and decides them; ``status``
    a ``DecisionStatus`` or ``OUTCOME_DUE``."""
    rows = Decision.objects.for_workspace(workspace).select_related("decider", "raised_by", "area")
    if status == OUTCOME_DUE:
        return _outcome_due(rows, today=timezone.localdate())
    return rows.filter(status=status) if status else rows


def _outcome_due(rows: QuerySet[Decision], *, today: date) -> QuerySet[Decision]:
    # A decided decision has exactly one episode not reopened (the one in force), so this
    # join matches at most one row per decision.
    return rows.filter(
        status=DecisionStatus.DECIDED,
        episodes__reopened_at__isnull=True,
        episodes__review_on__lte=today,
        episodes__verdict="",
    )


def outcomes_due_for(
    *, workspace: Workspace, user: User, today: date | None = None
) -> list[Decision]:
    """Decisions ``user`` decided whose outcome review day has passed with no outcome."""
    rows = Decision.objects.for_workspace(workspace).filter(decider=user)
    return list(_outcome_due(rows, today=today or timezone.localdate()).order_by("decided_at"))


def reviewed_outcomes(*, workspace: Workspace, now: datetime | None = None) -> Ratio:
    """Of decisions in force whose outcome review fell due in the last 365 days, those whose
    outcome was reviewed with a verdict ("too early to tell" is not one yet)."""
    today = timezone.localdate(now or timezone.now())
    counts = (
        DecisionEpisode.objects.for_workspace(workspace)
        .filter(
            decision__status=DecisionStatus.DECIDED,
            reopened_at__isnull=True,
            review_on__lte=today,
            review_on__gt=today - timedelta(days=OUTCOME_WINDOW_DAYS),
        )
        .aggregate(
            reviewed=Count("pk", filter=~Q(verdict__in=["", OutcomeVerdict.TOO_EARLY])),
            due=Count("pk"),
        )
    )
    return Ratio(counts["reviewed"], counts["due"])


def decision_get(*, workspace: Workspace, pk: int) -> Decision | None:
    """One decision with its options, evidence and episodes."""
    return (
        Decision.objects.for_workspace(workspace)
        .select_related(
            "decider",
            "raised_by",
            "area",
            "chosen_option",
            "occurrence__cadence",
            "record_template",
        )
        .prefetch_related(
            "options",
            "evidence__added_by",
            "episodes__decided_by",
            "episodes__outcome_by",
            "consulted",
            Prefetch("changes", queryset=DecisionChange.objects.select_related("change")),
        )
        .filter(pk=pk)
        .first()
    )


# The audit trail's name for strategy's roadmap items: a decision's caused changes are their
# audit events (strategy writes one per create, move, change and evidence).
ROADMAP_ITEM_TYPE = "strategy.roadmapitem"
# How many of the roadmap's latest changes the decision page offers to link.
CHANGE_CHOICES = 50


def change_candidates(*, decision: Decision) -> list[AuditEvent]:
    """Roadmap changes made since the question was raised and not linked to it yet, newest
    first: what the decision may have caused."""
    linked = DecisionChange.objects.filter(decision=decision).values("change_id")
    return list(
        AuditEvent.objects.filter(
            workspace=decision.workspace,
            object_type=ROADMAP_ITEM_TYPE,
            at__gte=decision.raised_at,
        )
        .exclude(pk__in=linked)
        .order_by("-at", "-pk")[:CHANGE_CHOICES]
    )


def change_summary(event: AuditEvent) -> str:
    """What a roadmap change did, in words: created, moved (from → to), dropped, changed."""
    changed = event.detail.get("changed", {}) if isinstance(event.detail, dict) else {}
    if event.action.endswith(".create"):
        return "created"
    if "status" in changed and changed["status"][1] == "dropped":
        return "dropped"
    if "column" in changed:
        return f"moved {changed['column'][0]} → {changed['column'][1]}"
    if event.action.endswith(".add_evidence"):
        return f"evidence added ({event.detail.get('label', '')})"
    return f"changed {', '.join(changed)}" if changed else "changed"


def decisions_behind(*, workspace: Workspace, item_id: int) -> list[DecisionChange]:
    """The links from decisions to one roadmap item's changes, oldest change first."""
    return list(
        DecisionChange.objects.for_workspace(workspace)
        .filter(change__object_type=ROADMAP_ITEM_TYPE, change__object_id=str(item_id))
        .select_related("change", "decision")
    )


def pending_for(
    *, workspace: Workspace, user: User, now: datetime | None = None, days: int = PENDING_DAYS
) -> list[Decision]:
    """Decisions ``user`` must take that have waited more than ``days`` since raised."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return list(
        Decision.objects.for_workspace(workspace)
        .filter(decider=user, raised_at__lt=cutoff)
        .exclude(status=DecisionStatus.DECIDED)
        .order_by("raised_at", "pk")
    )


def _median(spans: list[float]) -> float | None:
    return round(statistics.median(spans), 1) if spans else None


def time_to_decision(*, workspace: Workspace, now: datetime | None = None) -> Quantity:
    """Median days from first raise to final decision of decisions taken in the last 90 days,
    with the median of the 90 days before as its trend (docs/cadences.md)."""
    now = now or timezone.now()
    window = timedelta(days=WINDOW_DAYS)
    recent: list[float] = []
    before: list[float] = []
    rows = (
        Decision.objects.for_workspace(workspace)
        .filter(status=DecisionStatus.DECIDED, decided_at__gt=now - 2 * window, decided_at__lte=now)
        .values_list("raised_at", "decided_at")
    )
    for raised, decided in rows:
        days = (decided - raised).total_seconds() / 86400
        (recent if decided > now - window else before).append(days)
    return Quantity(value=_median(recent), unit="days", count=len(recent), previous=_median(before))


def pending_within_threshold(*, workspace: Workspace, now: datetime | None = None) -> Ratio:
    """Pending decisions raised less than 14 days ago, of all pending decisions."""
    cutoff = (now or timezone.now()) - timedelta(days=PENDING_DAYS)
    counts = (
        Decision.objects.for_workspace(workspace)
        .exclude(status=DecisionStatus.DECIDED)
        .aggregate(recent=Count("pk", filter=Q(raised_at__gte=cutoff)), total=Count("pk"))
    )
    return Ratio(counts["recent"], counts["total"])


def decision_search(*, workspace: Workspace, actor: User, query: str, limit: int) -> list:
    """Decisions whose question holds ``query``."""
    from django.urls import reverse

    rows = decision_list(workspace=workspace).filter(question__icontains=query)[:limit]
    return [
        registry.SearchResult(
            row.question,
            reverse("cadences:decision", args=[row.pk]),
            "decision",
            row.get_status_display(),
        )
        for row in rows
    ]


# ---------------------------------------------------------------------------- playbook


def template_for(*, workspace: Workspace, kind: str) -> TemplateVersion | None:
    """The current version of the workspace's template of ``kind`` (``TemplateKind``), or
    None: what other apps start a new PRD, research plan, experiment brief, launch plan or
    decision record from."""
    return (
        TemplateVersion.objects.for_workspace(workspace)
        .filter(template__kind=kind)
        .select_related("author", "template")
        .order_by("-number")
        .first()
    )


def template_list(*, workspace: Workspace) -> list[PlaybookTemplate]:
    """The workspace's templates with their versions."""
    return list(
        PlaybookTemplate.objects.for_workspace(workspace).prefetch_related("versions__author")
    )


def guide_list(*, workspace: Workspace) -> QuerySet[Guide]:
    return Guide.objects.for_workspace(workspace).select_related("updated_by")


@dataclass(frozen=True)
class Adoption:
    """A tool's active seats (a login in the last 30 days) of its paid seats."""

    active: int
    seats: int
    unknown: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.active / self.seats) if self.seats else None


def tool_list(*, workspace: Workspace) -> QuerySet[Tool]:
    return Tool.objects.for_workspace(workspace).select_related("owner", "replaced_by")


def adoption(*, tools: list[Tool], now: datetime | None = None) -> dict[int, Adoption]:
    """Adoption per tool from its last seat export: logins within 30 days / seats."""
    cutoff = (now or timezone.now()) - timedelta(days=ACTIVE_DAYS)
    counts: dict[int, list[int]] = {tool.pk: [0, 0] for tool in tools}
    for tool_id, last_login, user_id in ToolSeat.objects.filter(tool__in=tools).values_list(
        "tool_id", "last_login", "user_id"
    ):
        if last_login is not None and last_login >= cutoff:
            counts[tool_id][0] += 1
        if user_id is None:
            counts[tool_id][1] += 1
    return {tool.pk: Adoption(counts[tool.pk][0], tool.seats, counts[tool.pk][1]) for tool in tools}


def redundant_pairs(*, workspace: Workspace) -> list[tuple[Tool, Tool]]:
    """Pairs of tools in use (not retired) with the same purpose category."""
    by_category: dict[str, list[Tool]] = {}
    for tool in tool_list(workspace=workspace).filter(retired_on__isnull=True):
        by_category.setdefault(tool.category.strip().casefold(), []).append(tool)
    return [
        (tools[i], tools[j])
        for tools in by_category.values()
        for i in range(len(tools))
        for j in range(i + 1, len(tools))
    ]


# ---------------------------------------------------------------------------- cadences


def cadence_list(*, workspace: Workspace) -> QuerySet[Cadence]:
    return Cadence.objects.for_workspace(workspace).prefetch_related("attendees")


def occurrence_get(*, workspace: Workspace, pk: int) -> Occurrence | None:
    return (
        Occurrence.objects.for_workspace(workspace).select_related("cadence").filter(pk=pk).first()
    )


def occurrence_previous(*, occurrence: Occurrence) -> Occurrence | None:
    return (
        Occurrence.objects.filter(cadence=occurrence.cadence, starts_at__lt=occurrence.starts_at)
        .order_by("-starts_at")
        .first()
    )


def upcoming(*, cadence: Cadence, now: datetime | None = None, count: int = 6) -> list[Occurrence]:
    now = now or timezone.now()
    return list(cadence.occurrences.filter(starts_at__gte=now - timedelta(hours=12))[:count])


def past(*, cadence: Cadence, now: datetime | None = None, count: int = 12) -> list[Occurrence]:
    now = now or timezone.now()
    return list(
        cadence.occurrences.filter(starts_at__lt=now - timedelta(hours=12)).order_by("-starts_at")[
            :count
        ]
    )


def actions_for(*, occurrence: Occurrence) -> dict[str, list[ActionItem]]:
    """Actions recorded at this occurrence, and open ones carried in from earlier ones (not
    done before this occurrence started)."""
    rows = ActionItem.objects.filter(
        occurrence__cadence=occurrence.cadence, occurrence__starts_at__lte=occurrence.starts_at
    ).select_related("owner", "occurrence")
    here, carried = [], []
    for item in rows:
        if item.occurrence_id == occurrence.pk:
            here.append(item)
        elif item.done_at is None or item.done_at > occurrence.starts_at:
            carried.append(item)
    return {"here": here, "carried": carried}


def decisions_for(*, occurrence: Occurrence) -> dict[str, list[Decision]]:
    """Decisions raised at this occurrence, and pending ones carried from earlier ones."""
    rows = Decision.objects.filter(
        occurrence__cadence=occurrence.cadence, occurrence__starts_at__lte=occurrence.starts_at
    ).select_related("decider", "occurrence")
    here = [row for row in rows if row.occurrence_id == occurrence.pk]
    carried = [
        row
        for row in rows
        if row.occurrence_id != occurrence.pk
        and (row.decided_at is None or row.decided_at > occurrence.starts_at)
    ]
    return {"here": here, "carried": carried}


@dataclass(frozen=True)
class PackPart:
    """One section of a pack as shown: its context, or what it waits for."""

    section: PackSection
    context: dict | None


def pack_since(*, occurrence: Occurrence) -> datetime:
    """Where an occurrence's pack starts: the previous occurrence, or 30 days before."""
    previous = occurrence_previous(occurrence=occurrence)
    return previous.starts_at if previous else occurrence.starts_at - timedelta(days=30)


def pack(*, workspace: Workspace, occurrence: Occurrence, abilities: set[str]) -> list[PackPart]:
    """The pre-read pack of an occurrence: every registered section the member may see,
    for the period since the previous occurrence (or 30 days)."""
    since = pack_since(occurrence=occurrence)
    parts = []
    for section in registry.entries(PackSection):
        if section.ability not in abilities:
            continue
        context = None
        if section.context is not None:
            context = section.context(workspace=workspace, since=since, until=occurrence.starts_at)
        parts.append(PackPart(section, context))
    return parts


KPIS = (
    ("mrr", "MRR"),
    ("nrr", "Net revenue retention"),
    ("logo_churn", "Logo churn"),
    ("paying_accounts", "Active (paying) accounts"),
)


def kpi_snapshot(*, workspace: Workspace, since: datetime, until: datetime) -> dict:
    """MRR, NRR, logo churn and paying accounts for the last whole month before ``until`` the
    data covers, with the month before, from metrics.selectors."""
    from greenroom.metrics import selectors as metrics

    end = date(until.year, until.month, 1) - timedelta(days=1)
    # Three months back: the data may stop short of ``until`` (a review ahead of today).
    first = end.year * 12 + end.month - 1 - 3  # months counted from year 0
    start = date(first // 12, first % 12 + 1, 1)
    rows = []
    try:
        for name, title in KPIS:
            result = metrics.metric(name, workspace=workspace, grain="month", period=(start, end))
            # A month still running is "to date" and would compare badly: whole months only.
            whole = [row for row in result.rows if not row.get("partial")]
            values = [row.get("value") for row in whole]
            current = values[-1] if values else None
            before = values[-2] if len(values) > 1 else None
            rows.append(
                {
                    "name": name,
                    "title": title,
                    "unit": result.definition.get("unit", ""),
                    "current": current,
                    "previous": before,
                    "change": (current - before)
                    if current is not None and before is not None
                    else None,
                    "period": whole[-1]["period"] if whole else None,
                }
            )
    except metrics.MetricsUnavailable:
        return {"unavailable": "No business data yet: connect billing to see the KPIs."}
    month = next((row["period"] for row in rows if row["period"]), end.replace(day=1))
    return {"rows": rows, "month": month}


def feed_user(*, token: str) -> CalendarToken | None:
    """The member a calendar feed token belongs to."""
    if not token or len(token) > 64:
        return None
    return CalendarToken.objects.select_related("user", "workspace").filter(token=token).first()


def feed_occurrences(
    *, workspace: Workspace, user: User, now: datetime | None = None
) -> list[Occurrence]:
    """Occurrences of the cadences ``user`` attends, from 90 days ago on."""
    since = (now or timezone.now()) - timedelta(days=90)
    return list(
        Occurrence.objects.for_workspace(workspace)
        .filter(Q(cadence__attendees=user), starts_at__gte=since)
        .select_related("cadence")
        .distinct()
        .order_by("starts_at")
    )
