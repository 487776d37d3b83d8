"""Reads of feedback, always scoped to one workspace: the inbox, opportunities and their
demand, the prioritisation table, the scorecard measures and search.

Demand (docs/feedback.md, "Demand") counts the feedback linked to an opportunity through
highlights, leaving out items merged into another (duplicates). ARR is each requesting
account's billing ARR where the analytics store has it, else the CRM's, read for all the
accounts at once through the customer database's selectors.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.customers import selectors as customer_selectors
from greenroom.customers.models import Account, Contact
from greenroom.feedback.choices import Importance, OpportunityStatus, Status
from greenroom.feedback.models import (
    FeedbackImport,
    FeedbackItem,
    Highlight,
    LoopClosure,
    Opportunity,
    PriorityWeights,
    Tag,
)
from greenroom.registry import Ratio, SearchResult

# Items an opportunity's demand leaves out: merged into another item.
NOT_COUNTED = (Status.DUPLICATE,)
TRIAGE_DAYS = 7
TURNAROUND_DAYS = 30
MEASURE_WINDOW_DAYS = 90


def item_list(*, workspace: Workspace, filters: dict | None = None) -> QuerySet[FeedbackItem]:
    """The workspace's items matching the inbox filters (all optional): ``q`` words in the
    title or text, ``source``, ``area``, ``segment``, ``market``, ``status``,
    ``untriaged``, ``unmatched``, ``tag``, ``account``, ``opportunity``."""
    filters = filters or {}
    rows = FeedbackItem.objects.for_workspace(workspace).select_related(
        "account", "account__segment", "product_area"
    )
    for word in (filters.get("q") or "").split():
        rows = rows.filter(Q(title__icontains=word) | Q(text__icontains=word))
    simple = {
        "source": "source_kind",
        "area": "product_area",
        "segment": "account__segment",
        "market": "account__market",
        "status": "status",
        "account": "account",
        "theme": "theme",
    }
    for name, lookup in simple.items():
        if filters.get(name) not in (None, ""):
            rows = rows.filter(**{lookup: filters[name]})
    if filters.get("untriaged"):
        rows = rows.filter(status=Status.NEW)
    if filters.get("unmatched"):
        rows = rows.filter(account__isnull=True)
    if filters.get("tag"):
        rows = rows.filter(tags=filters["tag"])
    if filters.get("opportunity"):
        rows = rows.filter(highlights__opportunity=filters["opportunity"]).distinct()
    return rows


def item_get(*, workspace: Workspace, pk: int) -> FeedbackItem:
    """One item of the workspace, or 404."""
    item = (
        FeedbackItem.objects.for_workspace(workspace)
        .select_related(
            "account", "contact", "product_area", "duplicate_of", "submitted_by", "theme"
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("No such feedback.")
    return item


def item_neighbours(*, workspace: Workspace, item: FeedbackItem) -> dict[str, int | None]:
    """The next and previous untriaged items in inbox order (newest first)."""
    rows = FeedbackItem.objects.for_workspace(workspace).filter(status=Status.NEW)
    later = Q(received_at__gt=item.received_at) | Q(received_at=item.received_at, pk__gt=item.pk)
    earlier = Q(received_at__lt=item.received_at) | Q(received_at=item.received_at, pk__lt=item.pk)
    previous = rows.filter(later).order_by("received_at", "pk").values_list("pk", flat=True)
    following = rows.filter(earlier).order_by("-received_at", "-pk").values_list("pk", flat=True)
    return {"previous": previous.first(), "next": following.first()}


def tag_list(*, workspace: Workspace) -> list[Tag]:
    """Every tag, parents before their children (depth-first, by name)."""
    tags = list(Tag.objects.for_workspace(workspace).order_by("name"))
    children: dict[int | None, list[Tag]] = defaultdict(list)
    for tag in tags:
        children[tag.parent_id].append(tag)
    ordered: list[Tag] = []

    def walk(parent: int | None, depth: int) -> None:
        for tag in children.get(parent, []):
            tag.depth = depth  # type: ignore[attr-defined]
            ordered.append(tag)
            walk(tag.pk, depth + 1)

    walk(None, 0)
    return ordered


def tag_get(*, workspace: Workspace, pk: int) -> Tag:
    tag = Tag.objects.for_workspace(workspace).filter(pk=pk).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def import_list(*, workspace: Workspace) -> QuerySet[FeedbackImport]:
    return FeedbackImport.objects.for_workspace(workspace)


def import_get(*, workspace: Workspace, pk: int) -> FeedbackImport:
    run = FeedbackImport.objects.for_workspace(workspace).filter(pk=pk).first()
    if run is None:
        raise Http404("No such import.")
    return run


# Opportunities and demand ------------------------------------------------------------------


def opportunity_list(
    *, workspace: Workspace, status: str = "", area: int | None = None, q: str = ""
) -> QuerySet[Opportunity]:
    """The workspace's opportunities, with how many items each links."""
    rows = Opportunity.objects.for_workspace(workspace).select_related("product_area")
    if status:
        rows = rows.filter(status=status)
    if area:
        rows = rows.filter(product_area=area)
    for word in q.split():
        rows = rows.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return rows.annotate(
        item_count=Count(
            "highlights__item", distinct=True, filter=~Q(highlights__item__status__in=NOT_COUNTED)
        )
    )


def opportunity_get(*, workspace: Workspace, pk: int) -> Opportunity:
    opportunity = (
        Opportunity.objects.for_workspace(workspace)
        .select_related("product_area")
        .filter(pk=pk)
        .first()
    )
    if opportunity is None:
        raise Http404("No such opportunity.")
    return opportunity


@dataclass
class Demand:
    """Who asks for an opportunity and what they are worth (docs/feedback.md, "Demand")."""

    items: int = 0
    accounts: int = 0
    contacts: int = 0
    unmatched: int = 0
    arr: Decimal = Decimal(0)
    weighted_arr: Decimal = Decimal(0)
    score: int = 0
    strategic_accounts: int = 0
    recency: float = 0.0
    by_segment: list[dict] = field(default_factory=list)
    by_market: list[dict] = field(default_factory=list)
    trend: list[dict] = field(default_factory=list)
    priority: float | None = None

    @property
    def requesters(self) -> int:
        """Accounts, plus items no account could be found for (each one requester)."""
        return self.accounts + self.unmatched


def _split(arr_by_account: dict[int, Decimal], names: dict[int, str]) -> list[dict]:
    groups: dict[str, dict] = {}
    for account, arr in arr_by_account.items():
        name = names.get(account) or "—"
        group = groups.setdefault(name, {"name": name, "accounts": 0, "arr": Decimal(0)})
        group["accounts"] += 1
        group["arr"] += arr
    return sorted(groups.values(), key=lambda g: (-g["arr"], -g["accounts"], g["name"]))


def account_arr(*, workspace: Workspace, account_ids: Iterable[int]) -> dict[int, Decimal]:
    """Each account's ARR: billing's where the analytics store has it, else the CRM's (0
    when neither knows)."""
    accounts = list(Account.objects.for_workspace(workspace).filter(pk__in=set(account_ids)))
    billing = customer_selectors.accounts_billing_arr(workspace=workspace, accounts=accounts)
    return {
        a.pk: billing.get(a.pk, a.crm_arr if a.crm_arr is not None else Decimal(0))
        for a in accounts
    }


def demand(
    *,
    workspace: Workspace,
    opportunities: list[Opportunity],
    weights: PriorityWeights | None = None,
    today: date | None = None,
) -> dict[int, Demand]:
    """Demand for each opportunity, read in a fixed number of queries however many there
    are; with ``weights``, each one's priority (0-100) among them."""
    today = today or timezone.localdate()
    ids = [o.pk for o in opportunities]
    rows = list(
        Highlight.objects.for_workspace(workspace)
        .filter(opportunity__in=ids)
        .exclude(item__status__in=NOT_COUNTED)
        .values_list(
            "opportunity_id",
            "item_id",
            "importance",
            "item__account_id",
            "item__contact_id",
            "item__received_at",
            "item__account__segment_id",
            "item__account__segment__name",
            "item__account__market__name",
        )
    )
    arr = account_arr(workspace=workspace, account_ids={r[3] for r in rows if r[3]})
    strategic = (
        set(weights.strategic_segments.values_list("pk", flat=True))
        if (weights is not None and weights.pk)
        else set()
    )
    half_life = weights.recency_half_life_days if weights is not None else 90
    per: dict[int, list] = defaultdict(list)
    for row in rows:
        per[row[0]].append(row)
    result = {pk: _demand(per.get(pk, []), arr, strategic, half_life, today) for pk in ids}
    if weights is not None:
        _prioritise(result, weights)
    return result


def _demand(rows: list, arr: dict, strategic: set, half_life: int, today: date) -> Demand:
    found = Demand()
    items: dict[int, tuple] = {}
    importance: dict[tuple, int] = {}
    segments, markets, contacts = {}, {}, set()
    strategic_accounts = set()
    for _, item, weight, account, contact, received, segment_id, segment, market in rows:
        items[item] = (account, received)
        requester = ("account", account) if account else ("item", item)
        importance[requester] = max(importance.get(requester, 0), weight)
        if account:
            segments[account], markets[account] = segment, market
            if segment_id in strategic:
                strategic_accounts.add(account)
        if contact:
            contacts.add(contact)
    accounts = {a: arr.get(a, Decimal(0)) for a in segments}
    found.items, found.accounts, found.contacts = len(items), len(accounts), len(contacts)
    found.unmatched = sum(1 for account, _ in items.values() if not account)
    found.arr = sum(accounts.values(), Decimal(0))
    found.score = sum(importance.values())
    found.weighted_arr = sum(
        (value * importance[("account", a)] / Importance.CRITICAL for a, value in accounts.items()),
        Decimal(0),
    ).quantize(Decimal("0.01"))
    found.strategic_accounts = len(strategic_accounts)
    found.by_segment = _split(accounts, segments)
    found.by_market = _split(accounts, markets)
    if items:
        ages = [(today - timezone.localtime(r).date()).days for _, r in items.values()]
        found.recency = sum(0.5 ** (max(age, 0) / half_life) for age in ages) / len(ages)
    months: dict[date, dict] = {}
    for account, received in items.values():
        month = timezone.localtime(received).date().replace(day=1)
        entry = months.setdefault(month, {"month": month, "items": 0, "accounts": set()})
        entry["items"] += 1
        if account:
            entry["accounts"].add(account)
    found.trend = [
        {"month": m["month"], "items": m["items"], "accounts": len(m["accounts"])}
        for m in sorted(months.values(), key=lambda m: m["month"])
    ]
    return found


def _prioritise(found: dict[int, Demand], weights: PriorityWeights) -> None:
    """Priority 0-100 = the weighted mean of four parts, each 0-1: ARR and requester count
    relative to the largest among these opportunities, the share of requesting accounts in
    strategic segments, and recency (half-life decay of each item's age, averaged)."""
    total = weights.arr + weights.count + weights.strategic + weights.recency
    max_arr = max((d.arr for d in found.values()), default=Decimal(0))
    max_count = max((d.requesters for d in found.values()), default=0)
    for d in found.values():
        parts = (
            weights.arr * (float(d.arr / max_arr) if max_arr else 0.0)
            + weights.count * (d.requesters / max_count if max_count else 0.0)
            + weights.strategic * (d.strategic_accounts / d.accounts if d.accounts else 0.0)
            + weights.recency * d.recency
        )
        d.priority = round(100 * parts / total, 1) if total else 0.0


def opportunity_highlights(*, workspace: Workspace, opportunity: Opportunity) -> list[Highlight]:
    """The passages linked to an opportunity, with their items and customers."""
    return list(
        Highlight.objects.for_workspace(workspace)
        .filter(opportunity=opportunity)
        .select_related("item", "item__account", "item__account__segment")
        .order_by("-item__received_at", "pk")
    )


def loop_contacts(*, workspace: Workspace, opportunity: Opportunity) -> dict[str, list]:
    """The contacts who asked for ``opportunity``: those who may be told, those already
    told, and those left out (do not contact, erased) with why."""
    asked = (
        Contact.objects.for_workspace(workspace)
        .filter(feedback__highlights__opportunity=opportunity)
        .exclude(feedback__status__in=NOT_COUNTED)
        .select_related("account")
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    told = set(
        LoopClosure.objects.for_workspace(workspace)
        .filter(opportunity=opportunity)
        .values_list("contact_id", flat=True)
    )
    groups: dict[str, list] = {"to_tell": [], "told": [], "left_out": []}
    for contact in asked:
        if contact.pk in told:
            groups["told"].append(contact)
        elif contact.erased_at:
            groups["left_out"].append((contact, "erased"))
        elif contact.do_not_contact:
            groups["left_out"].append((contact, "do not contact"))
        else:
            groups["to_tell"].append(contact)
    return groups


# The account page, the scorecard and search ------------------------------------------------


def for_account(*, workspace: Workspace, account: Account, limit: int = 10) -> dict:
    """An account's latest feedback and the opportunities it asked for."""
    items = FeedbackItem.objects.for_workspace(workspace).filter(account=account)
    opportunities = (
        Opportunity.objects.for_workspace(workspace)
        .filter(highlights__item__account=account)
        .exclude(highlights__item__status__in=NOT_COUNTED)
        .distinct()
    )
    return {
        "items": list(items.order_by("-received_at", "-pk")[:limit]),
        "count": items.count(),
        "opportunities": list(opportunities.order_by("title")[:limit]),
    }


def _window(workspace: Workspace, days: int) -> QuerySet[FeedbackItem]:
    since = timezone.now() - timedelta(days=days)
    return FeedbackItem.objects.for_workspace(workspace).filter(received_at__gte=since)


def _ratio(rows: QuerySet, wanted: Q) -> Ratio:
    # One query for both figures: the scorecard reads every measure on each visit.
    found = rows.aggregate(part=Count("pk", filter=wanted), total=Count("pk"))
    return Ratio(found["part"], found["total"])


def volume_matched(*, workspace: Workspace) -> Ratio:
    """Feedback of the last 90 days tied to a customer, of all that arrived."""
    rows = _window(workspace, MEASURE_WINDOW_DAYS).exclude(status=Status.DUPLICATE)
    return _ratio(rows, Q(account__isnull=False))


def triaged_in_time(*, workspace: Workspace) -> Ratio:
    """Items of the last 90 days (old enough to judge) triaged within TRIAGE_DAYS."""
    judged = _window(workspace, MEASURE_WINDOW_DAYS).filter(
        received_at__lte=timezone.now() - timedelta(days=TRIAGE_DAYS)
    )
    return _ratio(
        judged,
        Q(triaged_at__isnull=False, triaged_at__lte=F("received_at") + timedelta(days=TRIAGE_DAYS)),
    )


def linked_in_time(*, workspace: Workspace) -> Ratio:
    """Feedback-to-opportunity turnaround: items (old enough to judge, not archived or
    merged) linked to an opportunity within TURNAROUND_DAYS of arriving."""
    judged = (
        _window(workspace, 180)
        .filter(received_at__lte=timezone.now() - timedelta(days=TURNAROUND_DAYS))
        .exclude(status__in=(Status.DUPLICATE, Status.ARCHIVED))
    )
    in_time = Highlight.objects.filter(
        item=OuterRef("pk"),
        created_at__lte=OuterRef("received_at") + timedelta(days=TURNAROUND_DAYS),
    )
    return _ratio(judged.annotate(linked=Exists(in_time)), Q(linked=True))


def search(*, workspace: Workspace, actor: User, query: str, limit: int) -> list[SearchResult]:
    """Items and opportunities whose title or text contains every word of ``query``."""
    from django.urls import reverse

    words = query.split()
    if not words:
        return []
    opps = Opportunity.objects.for_workspace(workspace)
    items = FeedbackItem.objects.for_workspace(workspace).select_related("account")
    for word in words:
        opps = opps.filter(Q(title__icontains=word) | Q(description__icontains=word))
        items = items.filter(Q(title__icontains=word) | Q(text__icontains=word))
    results = [
        SearchResult(
            o.title,
            reverse("feedback:opportunity", args=[o.pk]),
            "opportunity",
            o.get_status_display(),
        )
        for o in opps.order_by("title", "pk")[:limit]
    ]
    for item in items.order_by("-received_at", "-pk")[: max(limit - len(results), 0)]:
        detail = " · ".join(
            p
            for p in (item.get_source_kind_display(), item.account.name if item.account else "")
            if p
        )
        results.append(
            SearchResult(
                str(item)[:120], reverse("feedback:item", args=[item.pk]), "feedback", detail
            )
        )
    return results


def overview(*, workspace: Workspace) -> dict:
    """The overview card's figures, in one query."""
    open_opportunities = (
        Opportunity.objects.for_workspace(workspace)
        .filter(status=OpportunityStatus.OPEN)
        .order_by()
        .values("workspace")
        .annotate(n=Count("pk"))
        .values("n")
    )
    counted = (
        Workspace.objects.filter(pk=workspace.pk)
        .annotate(
            total=Subquery(_count(FeedbackItem.objects.for_workspace(workspace))),
            untriaged=Subquery(
                _count(FeedbackItem.objects.for_workspace(workspace).filter(status=Status.NEW))
            ),
            unmatched=Subquery(
                _count(
                    FeedbackItem.objects.for_workspace(workspace)
                    .filter(account__isnull=True)
                    .exclude(status=Status.DUPLICATE)
                )
            ),
            open_opportunities=Subquery(open_opportunities),
        )
        .values("total", "untriaged", "unmatched", "open_opportunities")
        .first()
        or {}
    )
    return {name: value or 0 for name, value in counted.items()}


def _count(rows: QuerySet) -> QuerySet:
    return rows.order_by().values("workspace").annotate(n=Count("pk")).values("n")


# The review pack (cadences) ---------------------------------------------------------------

PACK_THEMES = 5


def pack_themes(*, workspace: Workspace, since: datetime, until: datetime) -> dict:
    """The themes with most feedback received in [since, until) (duplicates left out), for a
    review's pre-read pack: the top five with their counts, and the period's total."""
    window = (
        FeedbackItem.objects.for_workspace(workspace)
        .filter(received_at__gte=since, received_at__lt=until)
        .exclude(status=Status.DUPLICATE)
    )
    counts = window.aggregate(total=Count("pk"), themed=Count("pk", filter=Q(theme__isnull=False)))
    top = list(
        window.filter(theme__isnull=False)
        .values("theme_id", "theme__label")
        .annotate(n=Count("pk"))
        .order_by("-n", "theme__label")[:PACK_THEMES]
    )
    return {
        "themes": [{"label": row["theme__label"], "count": row["n"]} for row in top],
        "total": counts["total"],
        "themed": counts["themed"],
        "since": since,
        "until": until,
    }


_OPPORTUNITY_REFERENCE = re.compile(r"(?:opportunities/)?(\d+)/?$")


def evidence_resolve(*, workspace: Workspace, reference: str) -> tuple[str, str] | None:
    """An opportunity named by its number or its URL, as (label, url); None if there is none:
    a decision's or a roadmap item's evidence."""
    found = _OPPORTUNITY_REFERENCE.search(reference.strip())
    if not found:
        return None
    opportunity = (
        Opportunity.objects.for_workspace(workspace).filter(pk=int(found.group(1))).first()
    )
    if opportunity is None:
        return None
    return opportunity.title, reverse("feedback:opportunity", args=[opportunity.pk])
