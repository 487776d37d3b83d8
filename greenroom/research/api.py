"""Research over HTTP: search feedback, notes and insights; ask whether a question has been
answered; list insights with their evidence and record one."""

from datetime import date, datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.feedback.models import FeedbackItem, Tag
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination
from greenroom.research import search as full_text
from greenroom.research import selectors, services
from greenroom.research.models import Insight, NoteHighlight

router = Router(tags=["research"])


class SearchFilters(Schema):
    q: str = Field(..., max_length=300, description='Words, "a phrase", -word, a OR b.')
    kind: list[Literal["feedback", "note", "insight"]] = Field(default_factory=list)
    since: date | None = None
    until: date | None = None
    tag_id: int | None = Field(None, description="A tag of feedback's taxonomy (and those below).")
    limit: int = Field(20, ge=1, le=100)


class HitOut(Schema):
    kind: str
    object_id: int
    title: str
    snippet: str
    dated: date
    score: float
    url: str


class SearchOut(Schema):
    backend: str
    hits: list[HitOut]


class InsightOut(Schema):
    id: int
    statement: str
    detail: str
    confidence: int
    study_id: int | None
    created_at: datetime
    highlight_ids: list[int]
    feedback_ids: list[int]
    tag_ids: list[int]

    @staticmethod
    def resolve_highlight_ids(obj: Insight) -> list[int]:
        return [h.pk for h in obj.highlights.all()]

    @staticmethod
    def resolve_feedback_ids(obj: Insight) -> list[int]:
        return [f.pk for f in obj.feedback.all()]

    @staticmethod
    def resolve_tag_ids(obj: Insight) -> list[int]:
        return [t.pk for t in obj.tags.all()]


class InsightIn(Schema):
    statement: str = Field(..., max_length=300)
    detail: str = ""
    confidence: Literal[1, 2, 3] = 2
    study_id: int | None = None
    highlight_ids: list[int] = Field(default_factory=list)
    feedback_ids: list[int] = Field(default_factory=list)
    tag_ids: list[int] = Field(default_factory=list)


class AnswerOut(Schema):
    score: float
    insight: InsightOut


@router.get("/search", response={200: SearchOut, **errors(404)}, summary="Search research")
def search(request: MemberRequest, filters: Query[SearchFilters]):
    """Feedback, notes and insights matching the words, best first."""
    require(request, "view")
    tag = None
    if filters.tag_id is not None:
        tag = Tag.objects.for_workspace(request.workspace).filter(pk=filters.tag_id).first()
        if tag is None:
            raise Http404("No such tag.")
    page = full_text.find(
        workspace=request.workspace,
        query=filters.q,
        kinds=filters.kind,
        since=filters.since,
        until=filters.until,
        tag=tag,
        limit=filters.limit,
    )
    hits = [{**hit.__dict__, "url": hit.url} for hit in page.hits]
    return {"backend": page.backend, "hits": hits}


@router.get("/answered", response=list[AnswerOut], summary="Has this been answered?")
def answered(request: MemberRequest, question: str = Query(..., max_length=500)):
    """The existing insights closest in meaning to the question, with their evidence."""
    require(request, "view")
    return selectors.answered(workspace=request.workspace, question=question)


@router.get("/insights", response=list[InsightOut], summary="List insights")
@paginate(LimitOffsetPagination)
def list_insights(request: MemberRequest):
    require(request, "view")
    rows = selectors.insight_list(workspace=request.workspace).order_by("-created_at", "-pk")
    return rows.prefetch_related("highlights", "feedback", "tags")


def _owned(model, workspace, ids: list[int]) -> list:
    found = list(model.objects.for_workspace(workspace).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        from django.core.exceptions import ValidationError

        raise ValidationError(f"Some {model._meta.verbose_name_plural} are not in this workspace.")
    return found


@router.post(
    "/insights", response={201: InsightOut, **errors(403, 404)}, summary="Record an insight"
)
def create_insight(request: MemberRequest, payload: InsightIn):
    require(request, "do_research")
    workspace = request.workspace
    study = None
    if payload.study_id is not None:
        study = selectors.study_get(workspace=workspace, pk=payload.study_id)
    insight = services.insight_create(
        actor=request.user,
        workspace=workspace,
        statement=payload.statement,
        detail=payload.detail,
        confidence=payload.confidence,
        study=study,
        highlights=_owned(NoteHighlight, workspace, payload.highlight_ids),
        feedback=_owned(FeedbackItem, workspace, payload.feedback_ids),
        tags=_owned(Tag, workspace, payload.tag_ids),
    )
    return Status(201, selectors.insight_get(workspace=workspace, pk=insight.pk))
