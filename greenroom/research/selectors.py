"""Reads of research, always scoped to one workspace: studies, notes, insights with their
evidence, "has this been answered?", share links, the account's research involvement, the
pack's new insights, decision evidence, the search box and the turnaround measure."""

import re
from datetime import datetime, timedelta
from statistics import median

from django.db.models import (
    Count,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.customers.models import Account
from greenroom.feedback.models import FeedbackItem, Tag
from greenroom.registry import Quantity, SearchResult
from greenroom.research import search as full_text
from greenroom.research.answers import answers_for
from greenroom.research.choices import ShareTarget
from greenroom.research.models import Insight, Note, NoteHighlight, Participant, ShareLink, Study

TURNAROUND_WINDOW = 180
ANSWER_FLOOR = 0.08


def study_list(*, workspace: Workspace) -> QuerySet[Study]:
    """Studies with their counts of notes, participants and insights."""
    return (
        Study.objects.for_workspace(workspace)
        .select_related("owner")
        .annotate(
            note_count=Count("notes", distinct=True),
            participant_count=Count("participants", distinct=True),
            insight_count=Count("insights", distinct=True),
        )
    )


def study_get(*, workspace: Workspace, pk: int) -> Study:
    study = Study.objects.for_workspace(workspace).select_related("owner").filter(pk=pk).first()
    if study is None:
        raise Http404("No such study.")
    return study


def study_participants(*, study: Study) -> list[Participant]:
    return list(
        Participant.objects.filter(study=study).select_related("contact__account", "outreach")
    )


def note_get(*, workspace: Workspace, pk: int) -> Note:
    note = Note.objects.for_workspace(workspace).select_related("study").filter(pk=pk).first()
    if note is None:
        raise Http404("No such note.")
    return note


def note_highlights(*, note: Note) -> list[NoteHighlight]:
    return list(note.highlights.prefetch_related("tags"))


def _evidence() -> list[Prefetch | str]:
    return [
        Prefetch(
            "highlights",
            queryset=NoteHighlight.objects.select_related("note").prefetch_related("tags"),
        ),
        Prefetch("feedback", queryset=FeedbackItem.objects.select_related("account")),
        "tags",
    ]


def insight_list(
    *,
    workspace: Workspace,
    study: Study | None = None,
    tag: Tag | None = None,
    confidence: int | None = None,
) -> QuerySet[Insight]:
    """Insights with their study; filtered by study, tag and confidence."""
    rows = Insight.objects.for_workspace(workspace).select_related("study", "created_by")
    if study is not None:
        rows = rows.filter(study=study)
    if tag is not None:
        rows = rows.filter(Q(tags=tag) | Q(highlights__tags=tag)).distinct()
    if confidence:
        rows = rows.filter(confidence=confidence)
    return rows.annotate(
        highlight_count=Count("highlights", distinct=True),
        feedback_count=Count("feedback", distinct=True),
    )


def insights_with_evidence(insights: list[Insight]) -> None:
    """The same insights with their highlights, feedback and tags loaded, in two queries per
    relation however many there are (the list's ``prepare``)."""
    prefetch_related_objects(insights, *_evidence())


def insight_get(*, workspace: Workspace, pk: int) -> Insight:
    rows = (
        Insight.objects.for_workspace(workspace)
        .select_related("study")
        .prefetch_related(*_evidence())
    )
    insight = rows.filter(pk=pk).first()
    if insight is None:
        raise Http404("No such insight.")
    return insight


def study_highlights(*, study: Study) -> list[NoteHighlight]:
    """Every highlight of the study's notes, for choosing an insight's evidence."""
    return list(
        NoteHighlight.objects.filter(note__study=study)
        .select_related("note")
        .prefetch_related("tags")
        .order_by("note__created_at", "start")
    )


# --- has this been answered? -----------------------------------------------------------------


def answered(*, workspace: Workspace, question: str, top: int = 5) -> list[dict]:
    """The existing insights closest in meaning to ``question``, best first, each with its
    score and evidence; empty when nothing comes close. The topics are learnt once per change
    of the workspace's insights and notes (answers.py), not per question."""
    if not question.strip():
        return []
    known = answers_for(workspace)
    if known.vectors is None:
        return []
    scores = known.space.scores_against(question, known.vectors)
    best = known.space.ranked(scores, top=top, floor=ANSWER_FLOOR)
    ids = [known.insight_ids[i] for i, _ in best]
    found = (
        Insight.objects.for_workspace(workspace)
        .select_related("study")
        .prefetch_related(*_evidence())
        .in_bulk(ids)
    )
    return [
        {"insight": found[pk], "score": score}
        for pk, (_, score) in zip(ids, best, strict=True)
        if pk in found
    ]


# --- share links -----------------------------------------------------------------------------


def share_link_open(*, workspace: Workspace, token: str) -> ShareLink:
    """The live link with this token in this workspace, or 404."""
    link = (
        ShareLink.objects.for_workspace(workspace)
        .filter(token=token, revoked_at__isnull=True)
        .select_related("insight")
        .first()
    )
    if link is None:
        raise Http404("This link does not exist or was revoked.")
    return link


def share_links(*, workspace: Workspace, target: str, insight: Insight | None = None) -> list:
    rows = ShareLink.objects.for_workspace(workspace).filter(target=target, revoked_at__isnull=True)
    if target == ShareTarget.INSIGHT:
        rows = rows.filter(insight=insight)
    return list(rows.select_related("created_by"))


# --- what research adds to other pages -------------------------------------------------------


def _count(rows: QuerySet) -> QuerySet:
    return rows.order_by().values("workspace").annotate(n=Count("pk")).values("n")


def overview(*, workspace: Workspace) -> dict:
    """The counts on the Customers & research overview card, in one query."""
    counted = (
        Workspace.objects.filter(pk=workspace.pk)
        .annotate(
            studies=Subquery(_count(Study.objects.for_workspace(workspace))),
            notes=Subquery(_count(Note.objects.for_workspace(workspace))),
            insights=Subquery(_count(Insight.objects.for_workspace(workspace))),
        )
        .values("studies", "notes", "insights")
        .first()
        or {}
    )
    return {name: value or 0 for name, value in counted.items()}


def for_account(*, workspace: Workspace, account: Account) -> dict:
    """An account's research involvement: the studies its contacts took part in, notes of
    conversations with them, and the insights its feedback supports."""
    participants = (
        Participant.objects.for_workspace(workspace)
        .filter(contact__account=account)
        .select_related("study", "contact")
        .order_by("-reserved_at")
    )
    notes = (
        Note.objects.for_workspace(workspace)
        .filter(contact__account=account)
        .select_related("study")
        .order_by("-created_at")[:10]
    )
    insights = (
        Insight.objects.for_workspace(workspace)
        .filter(Q(feedback__account=account) | Q(highlights__note__contact__account=account))
        .distinct()
        .order_by("-created_at")[:10]
    )
    return {
        "participants": list(participants[:20]),
        "notes": list(notes),
        "insights": list(insights),
    }


def pack_insights(*, workspace: Workspace, since: datetime, until: datetime) -> dict:
    """Insights recorded since the last review, with their evidence counts."""
    rows = (
        insight_list(workspace=workspace)
        .filter(created_at__gte=since, created_at__lt=until)
        .order_by("-confidence", "-created_at")
    )
    return {"insights": list(rows[:20]), "count": rows.count()}


_REFERENCE = re.compile(r"(?:insights/)?#?(\d+)/?$")


def evidence_resolve(*, workspace: Workspace, reference: str) -> tuple[str, str] | None:
    """An insight named by its number or its URL, as (label, url); None if there is none."""
    found = _REFERENCE.search(reference.strip())
    if not found:
        return None
    insight = Insight.objects.for_workspace(workspace).filter(pk=int(found.group(1))).first()
    if insight is None:
        return None
    return insight.statement, reverse("research:insight", args=[insight.pk])


def search(*, workspace: Workspace, actor: User, query: str, limit: int) -> list[SearchResult]:
    """Studies, notes and insights for the search box (feedback has its own provider)."""
    page = full_text.find(workspace=workspace, query=query, kinds=["note", "insight"], limit=limit)
    results = [SearchResult(h.title, h.url, h.kind, h.snippet[:120]) for h in page.hits]
    studies = Study.objects.for_workspace(workspace)
    for word in query.split():
        studies = studies.filter(Q(title__icontains=word) | Q(question__icontains=word))
    for study in studies[: max(limit - len(results), 0)]:
        results.append(
            SearchResult(
                study.title,
                reverse("research:study", args=[study.pk]),
                "study",
                study.get_method_display(),
            )
        )
    return results


def _turnaround(workspace: Workspace, start: datetime) -> list[tuple[datetime, float]]:
    """(made, days from its first feedback) for insights made since ``start``, in one query."""
    rows = (
        Insight.objects.for_workspace(workspace)
        .filter(created_at__gte=start)
        .annotate(first=Min("feedback__received_at"))
        .filter(first__isnull=False)
        .values_list("created_at", "first")
    )
    return [(made, max((made - first).total_seconds() / 86400, 0.0)) for made, first in rows]


def insight_turnaround(*, workspace: Workspace) -> Quantity:
    """Median days from the earliest supporting feedback to the insight, over insights of the
    last 180 days with feedback behind them; the trend is the 180 days before."""
    now = timezone.now()
    window = timedelta(days=TURNAROUND_WINDOW)
    rows = _turnaround(workspace, now - 2 * window)
    recent = [days for made, days in rows if made >= now - window]
    before = [days for made, days in rows if made < now - window]
    return Quantity(
        value=round(median(recent), 1) if recent else None,
        unit="days",
        count=len(recent),
        previous=round(median(before), 1) if before else None,
    )


def tag_options(*, workspace: Workspace) -> list[Tag]:
    return list(Tag.objects.for_workspace(workspace).order_by("name"))
