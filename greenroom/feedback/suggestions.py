"""The feedback app's use of the offline text engine (``greenroom/lib/text``): themes,
suggested tags and opportunity links, and possible duplicates.

- ``themes_rebuild`` clusters the workspace's live feedback (not merged, not archived) and
  replaces its ``Theme`` rows (label terms, count, monthly trend), setting ``FeedbackItem.theme``
  in bulk. The engine learns on a fixed sample of at most 20,000 texts, so it stays quick.
- ``suggesters_fit`` learns one ``TagSuggester`` from the tags people gave triaged items and one
  from their links to opportunities, stores each as a ``TextModel`` (bytes in the database) and
  then suggests for the untriaged items (``suggest_for``). Fitting takes tens of seconds at
  thousands of texts: only ever from a job (``tasks.suggesters_fit``), never in a request.
- Suggestions below a suggester's precision-calibrated threshold are never stored, so never
  shown. A person accepts or rejects each one (``suggestion_decide``); accepting applies it
  through the ordinary services; a rejected suggestion is not made again.
- ``possible_duplicates`` compares one item with the recent feedback of its account (or its
  theme): a few hundred short texts, quick enough for the item page.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.feedback import services
from greenroom.feedback.choices import AuditAction, Status, SuggestionKind, SuggestionState
from greenroom.feedback.models import (
    FeedbackItem,
    Highlight,
    Opportunity,
    Suggestion,
    Tag,
    TextModel,
    Theme,
)

# The package, not its names: importing them loads scikit-learn (a second), which only the
# work below needs, not every process that imports this module.
from greenroom.lib import text as text_engine

if TYPE_CHECKING:
    from greenroom.lib.text import TagSuggester

logger = logging.getLogger(__name__)

# Feedback that is not merged into another item nor archived is what themes describe.
LIVE = ~Q(status__in=[Status.DUPLICATE, Status.ARCHIVED])
# Below this many items a workspace gets fewer, coarser themes (k from 2 rather than 4).
SMALL = 200
# Near-duplicates: this similar (character n-gram cosine) counts as the same thing said twice.
DUPLICATE_THRESHOLD = 0.8
DUPLICATE_CANDIDATES = 300
CHUNK = 2000


def engine_available() -> bool:
    """Whether ``greenroom.lib.text`` is installed in this build (it always is now)."""
    return True


def _text(title: str, text: str) -> str:
    return f"{title}\n{text}" if title and not text.startswith(title) else text


# -- themes ------------------------------------------------------------------------------------


def themes_rebuild(*, workspace: Workspace, actor: User | None = None) -> int:
    """Cluster the workspace's live feedback into themes, replacing the old ones; how many."""
    rows = list(
        FeedbackItem.objects.for_workspace(workspace)
        .filter(LIVE)
        .order_by("pk")
        .values_list("pk", "title", "text", "received_at")
    )
    texts = [_text(title, text) for _, title, text, _ in rows]
    dates = [timezone.localtime(received).date() for *_, received in rows]
    k_range = (2, 8) if len(rows) < SMALL else (4, 16)
    found = text_engine.cluster_themes(texts, dates, k_range=k_range) if rows else None
    with transaction.atomic():
        FeedbackItem.objects.for_workspace(workspace).exclude(theme=None).update(theme=None)
        Theme.objects.for_workspace(workspace).delete()
        if found is None:
            created: list[Theme] = []
        else:
            created = Theme.objects.bulk_create(
                [
                    Theme(
                        workspace=workspace,
                        label=theme.label[:200],
                        terms=theme.terms,
                        count=theme.count,
                        trend=theme.trend,
                    )
                    for theme in found.themes
                ]
            )
            for row, theme in zip(created, found.themes, strict=True):
                pks = [rows[i][0] for i in theme.members]
                for start in range(0, len(pks), CHUNK):
                    FeedbackItem.objects.for_workspace(workspace).filter(
                        pk__in=pks[start : start + CHUNK]
                    ).update(theme=row)
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.THEMES_REBUILD,
            detail={"items": len(rows), "themes": len(created)},
        )
    logger.info("Built %d themes from %d feedback items.", len(created), len(rows))
    return len(created)


def theme_list(*, workspace: Workspace) -> list[Theme]:
    """The workspace's themes, largest first, each with ``sparkline`` points for a chart."""
    themes = list(Theme.objects.for_workspace(workspace).order_by("-count", "label"))
    for theme in themes:
        theme.sparkline = sparkline(list(theme.trend.values()))
    return themes


def sparkline(values: list[int], width: int = 160, height: int = 32) -> str:
    """SVG polyline points for ``values`` scaled into ``width`` x ``height`` (top is high)."""
    if not values:
        return ""
    top = max(values) or 1
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (height - 4) * v / top:.1f}" for i, v in enumerate(values)
    )


# -- suggestions -------------------------------------------------------------------------------


def _training(
    workspace: Workspace,
) -> tuple[list[int], list[str], list[list[int]], list[list[int]]]:
    """Triaged items: their pks, texts, tag ids and linked opportunity ids."""
    rows = list(
        FeedbackItem.objects.for_workspace(workspace)
        .filter(status=Status.TRIAGED)
        .order_by("pk")
        .values_list("pk", "title", "text")
    )
    pks = [pk for pk, _, _ in rows]
    tags: dict[int, list[int]] = defaultdict(list)
    through = FeedbackItem.tags.through
    for item_id, tag_id in through.objects.filter(feedbackitem__in=pks).values_list(
        "feedbackitem_id", "tag_id"
    ):
        tags[item_id].append(tag_id)
    links: dict[int, list[int]] = defaultdict(list)
    for item_id, opportunity_id in (
        Highlight.objects.for_workspace(workspace)
        .filter(item__in=pks)
        .values_list("item_id", "opportunity_id")
        .distinct()
    ):
        links[item_id].append(opportunity_id)
    texts = [_text(title, text) for _, title, text in rows]
    return pks, texts, [tags[pk] for pk in pks], [links[pk] for pk in pks]


def _store(workspace: Workspace, kind: str, suggester: "TagSuggester") -> None:
    report = suggester.report
    TextModel.objects.update_or_create(
        workspace=workspace,
        kind=kind,
        defaults={
            "blob": suggester.to_bytes(),
            "fitted_at": timezone.now(),
            "report": {
                "examples": report.examples,
                "labels": report.labels,
                "threshold": suggester.threshold if suggester.threshold != float("inf") else None,
                "precision": report.precision,
                "coverage": report.coverage,
                "support": report.support,
            },
        },
    )


def suggesters_fit(
    *, workspace: Workspace, actor: User | None = None, limit: int | None = None
) -> dict[str, int]:
    """Learn the tag and opportunity suggesters from triaged feedback (the newest ``limit``
    items when given), store them, and suggest for untriaged items. Slow: call from a job."""
    pks, texts, tags, links = _training(workspace)
    if limit is not None:
        pks, texts, tags, links = pks[-limit:], texts[-limit:], tags[-limit:], links[-limit:]
    for kind, labels in ((SuggestionKind.TAG, tags), (SuggestionKind.OPPORTUNITY, links)):
        suggester = text_engine.TagSuggester(target_precision=0.9).fit(texts, labels)
        with transaction.atomic():
            _store(workspace, kind, suggester)
    untriaged = list(
        FeedbackItem.objects.for_workspace(workspace).filter(status=Status.NEW).order_by("pk")
    )
    made = suggest_for(workspace=workspace, items=untriaged)
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.SUGGESTERS_FIT,
        detail={"examples": len(pks), "suggestions": made},
    )
    return {"examples": len(pks), "suggestions": made}


def suggester_get(*, workspace: Workspace, kind: str) -> "TagSuggester | None":
    """The workspace's stored suggester of ``kind``, or None (never fitted, or stale format)."""
    row = TextModel.objects.for_workspace(workspace).filter(kind=kind).first()
    if row is None:
        return None
    try:
        return text_engine.TagSuggester.from_bytes(bytes(row.blob))
    except ValueError:
        logger.warning("Stored %s suggester of workspace %s is stale.", kind, workspace.pk)
        return None


@transaction.atomic
def suggest_for(*, workspace: Workspace, items: list[FeedbackItem]) -> int:
    """Store the stored suggesters' confident suggestions for ``items``, replacing their
    pending ones; how many were made. Nothing already applied or once rejected is suggested."""
    if not items:
        return 0
    pks = [item.pk for item in items]
    Suggestion.objects.for_workspace(workspace).filter(
        item__in=pks,
        state=SuggestionState.PENDING,
        kind__in=[SuggestionKind.TAG, SuggestionKind.OPPORTUNITY],
    ).delete()
    decided = set(
        Suggestion.objects.for_workspace(workspace)
        .filter(item__in=pks)
        .values_list("item_id", "kind", "tag_id", "opportunity_id")
    )
    have_tags = set(
        FeedbackItem.tags.through.objects.filter(feedbackitem__in=pks).values_list(
            "feedbackitem_id", "tag_id"
        )
    )
    have_links = set(
        Highlight.objects.for_workspace(workspace)
        .filter(item__in=pks)
        .values_list("item_id", "opportunity_id")
    )
    valid_tags = set(Tag.objects.for_workspace(workspace).values_list("pk", flat=True))
    valid_opps = set(Opportunity.objects.for_workspace(workspace).values_list("pk", flat=True))
    texts = [_text(item.title, item.text) for item in items]
    new: list[Suggestion] = []
    for kind in (SuggestionKind.TAG, SuggestionKind.OPPORTUNITY):
        suggester = suggester_get(workspace=workspace, kind=kind)
        if suggester is None:
            continue
        for item, found in zip(items, _chunked_suggest(suggester, texts), strict=True):
            for label, score in found:
                assert isinstance(label, int)
                key: tuple[int, str, int | None, int | None]
                if kind == SuggestionKind.TAG:
                    skip = (item.pk, label) in have_tags or label not in valid_tags
                    key = (item.pk, kind.value, label, None)
                    fields = {"tag_id": label}
                else:
                    skip = (item.pk, label) in have_links or label not in valid_opps
                    key = (item.pk, kind.value, None, label)
                    fields = {"opportunity_id": label}
                if skip or key in decided:
                    continue
                new.append(
                    Suggestion(workspace=workspace, item=item, kind=kind, score=score, **fields)
                )
    Suggestion.objects.bulk_create(new, batch_size=1000)
    return len(new)


def _chunked_suggest(suggester: "TagSuggester", texts: list[str]) -> Iterable[list]:
    for start in range(0, len(texts), CHUNK):
        yield from suggester.suggest(texts[start : start + CHUNK])


def suggestion_counts(*, workspace: Workspace) -> dict[str, dict[str, int]]:
    """Suggestions by kind and state, e.g. {"tag": {"accepted": 3, "rejected": 1, ...}}."""
    out: dict[str, dict[str, int]] = {
        kind: {state: 0 for state in SuggestionState.values} for kind in SuggestionKind.values
    }
    for row in (
        Suggestion.objects.for_workspace(workspace)
        .values("kind", "state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out[row["kind"]][row["state"]] = row["n"]
    return out


def suggestion_get(*, workspace: Workspace, pk: int) -> Suggestion:
    """One pending suggestion of the workspace, or a ValidationError."""
    found = (
        Suggestion.objects.for_workspace(workspace)
        .select_related("item", "item__workspace", "tag", "opportunity", "duplicate_of")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise ValidationError("No such suggestion.")
    return found


@transaction.atomic
def suggestion_decide(*, actor: User, suggestion: Suggestion, accept: bool) -> Suggestion:
    """Accept (and apply) or reject one pending suggestion; either is recorded."""
    if suggestion.state != SuggestionState.PENDING:
        raise ValidationError("That suggestion has already been decided.")
    suggestion.state = SuggestionState.ACCEPTED if accept else SuggestionState.REJECTED
    suggestion.decided_by, suggestion.decided_at = actor, timezone.now()
    suggestion.save(update_fields=["state", "decided_by", "decided_at"])
    if accept and suggestion.kind == SuggestionKind.TAG and suggestion.tag is not None:
        services.items_bulk_update(
            actor=actor,
            workspace=suggestion.item.workspace,
            ids=[suggestion.item_id],
            action="tag",
            tag=suggestion.tag,
        )
    elif accept and suggestion.kind == SuggestionKind.DUPLICATE and suggestion.duplicate_of:
        services.item_mark_duplicate(actor=actor, item=suggestion.item, of=suggestion.duplicate_of)
    elif accept and suggestion.kind == SuggestionKind.OPPORTUNITY and suggestion.opportunity:
        services.highlight_create(
            actor=actor,
            item=suggestion.item,
            opportunity=suggestion.opportunity,
            start=0,
            end=max(len(suggestion.item.text), 1),
        )
    audit_record(
        actor=actor,
        workspace=suggestion.item.workspace,
        action=AuditAction.SUGGESTION_DECIDE,
        target=suggestion.item,
        detail={"suggestion": suggestion.pk, "kind": suggestion.kind, "state": suggestion.state},
    )
    return suggestion


# -- near-duplicates ---------------------------------------------------------------------------


def possible_duplicates(
    *, workspace: Workspace, item: FeedbackItem
) -> list[tuple[FeedbackItem, float]]:
    """Live items saying nearly the same as ``item``: among the recent feedback of its account
    (or, with no account, of its theme), most similar first, with their similarity."""
    if item.account_id is None and item.theme_id is None:
        return []
    rows = FeedbackItem.objects.for_workspace(workspace).filter(LIVE).exclude(pk=item.pk)
    if item.account_id is not None:
        rows = rows.filter(account_id=item.account_id)
    else:
        rows = rows.filter(theme_id=item.theme_id)
    candidates = list(rows.order_by("-received_at", "-pk")[:DUPLICATE_CANDIDATES])
    if not candidates:
        return []
    texts = [_text(item.title, item.text)] + [_text(c.title, c.text) for c in candidates]
    found = [
        (candidates[j - 1], score)
        for i, j, score in text_engine.near_duplicates(texts, threshold=DUPLICATE_THRESHOLD)
        if i == 0
    ]
    return sorted(found, key=lambda pair: -pair[1])[:10]


def pending_for(*, item: FeedbackItem) -> list[Suggestion]:
    """The item's suggestions waiting for a person, most confident first."""
    return list(
        item.suggestions.filter(state=SuggestionState.PENDING).select_related(
            "tag", "tag__parent", "opportunity", "duplicate_of"
        )
    )
