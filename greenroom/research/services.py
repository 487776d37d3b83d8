"""Writes of research, each in a transaction, by a named actor, audited: studies and their
participants (reserved through the customer database's participant finder and logged as its
outreach), notes, highlighted passages, insights with their evidence, and share links. Notes
and insights are put in the search index as they are written."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers import finder
from greenroom.customers import services as customer_services
from greenroom.customers.choices import OutreachKind, ResearchKind
from greenroom.customers.models import Contact
from greenroom.feedback.models import FeedbackItem, Tag
from greenroom.jobs.registry import enqueue
from greenroom.jobs.selectors import job_run_pending
from greenroom.research import search, tasks
from greenroom.research.choices import (
    AuditAction,
    Confidence,
    Method,
    NoteKind,
    ShareTarget,
)
from greenroom.research.models import (
    Insight,
    Note,
    NoteHighlight,
    Participant,
    ShareLink,
    Study,
)

# The outreach kind (and so the consent) each method's participants need.
METHOD_OUTREACH = {
    Method.INTERVIEW: OutreachKind.INTERVIEW,
    Method.SURVEY: OutreachKind.SURVEY,
    Method.PROTOTYPE_TEST: OutreachKind.PROTOTYPE_TEST,
}
METHOD_CONSENT = {
    Method.INTERVIEW: ResearchKind.INTERVIEW,
    Method.SURVEY: ResearchKind.SURVEY,
    Method.PROTOTYPE_TEST: ResearchKind.PROTOTYPE_TEST,
}
MAX_NOTE_BYTES = 2_000_000
NOTE_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".vtt")


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": "A study cannot end before it starts."})


@transaction.atomic
def study_create(
    *,
    actor: User,
    workspace: Workspace,
    title: str,
    question: str,
    method: str = Method.INTERVIEW,
    starts_on: date | None = None,
    ends_on: date | None = None,
    owner: User | None = None,
    plan: str = "",
) -> Study:
    """Start a study: its question, method, dates, owner (the actor unless named) and plan
    (Markdown)."""
    if not title.strip() or not question.strip():
        raise ValidationError("A study needs a title and a question.")
    if method not in Method.values:
        raise ValidationError({"method": f"Unknown method {method!r}."})
    _check_dates(starts_on, ends_on)
    study = Study.objects.create(
        workspace=workspace,
        title=title.strip()[:200],
        question=question.strip(),
        method=method,
        starts_on=starts_on,
        ends_on=ends_on,
        owner=owner or actor,
        plan=plan.strip(),
    )
    audit_record(actor=actor, workspace=workspace, action=AuditAction.STUDY_CREATE, target=study)
    return study


def participants_candidates(
    *, study: Study, limit: int = 20, per_account: int = 2, not_contacted_days: int | None = 30
) -> finder.FinderResult:
    """Who the participant finder would offer for this study: opted in to the study's kind of
    research, within contact limits, outside quiet periods and other active studies."""
    consent = METHOD_CONSENT.get(Method(study.method))
    if consent is None:
        raise ValidationError("Desk research has no participants.")
    criteria = finder.Criteria(
        opted_in=[consent],
        limit=limit,
        per_account=per_account,
        not_contacted_days=not_contacted_days,
    )
    return finder.participants_find(workspace=study.workspace, criteria=criteria)


def participants_reserve(
    *, actor: User, study: Study, contact_ids: list[int]
) -> customer_services.Reservation:
    """Reserve contacts for the study through the customer database (each checked again for
    consent, do-not-contact, contact limits and quiet periods, and logged as outreach), and
    remember who is taking part."""
    kind = METHOD_OUTREACH.get(Method(study.method))
    if kind is None:
        raise ValidationError("Desk research has no participants.")
    with transaction.atomic():
        result = customer_services.participants_reserve(
            actor=actor,
            workspace=study.workspace,
            contact_ids=contact_ids,
            kind=kind,
            study=study.outreach_name(),
        )
        for outreach in result.reserved:
            Participant.objects.get_or_create(
                workspace=study.workspace,
                study=study,
                contact_id=outreach.contact_id,
                defaults={"outreach": outreach, "reserved_at": outreach.at},
            )
        audit_record(
            actor=actor,
            workspace=study.workspace,
            action=AuditAction.STUDY_RESERVE,
            target=study,
            detail={"reserved": [o.contact_id for o in result.reserved]},
        )
    return result


def note_text(*, filename: str, raw: bytes) -> str:
    """The text of an uploaded note: UTF-8 (with or without a BOM) or, failing that,
    Windows-1252; a clear error for anything that is not a text or Markdown file."""
    if not filename.lower().endswith(NOTE_SUFFIXES):
        raise ValidationError(
            {"file": f"{filename}: upload a text or Markdown file (.txt, .md, .vtt)."}
        )
    if len(raw) > MAX_NOTE_BYTES:
        raise ValidationError({"file": f"{filename}: larger than 2 MB; split the transcript."})
    if b"\x00" in raw:
        raise ValidationError(
            {"file": f"{filename}: this is not a text file (it holds NUL bytes)."}
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


@transaction.atomic
def note_create(
    *,
    actor: User,
    study: Study,
    title: str,
    body: str,
    kind: str = NoteKind.NOTE,
    filename: str = "",
    contact: Contact | None = None,
) -> Note:
    """Add notes or a transcript to a study, kept exactly as given, and index them."""
    if not body.strip():
        raise ValidationError({"body": "The note is empty."})
    if kind not in NoteKind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    if contact is not None and contact.workspace_id != study.workspace_id:
        raise ValidationError({"contact": "That contact is not in this workspace."})
    note = Note.objects.create(
        workspace=study.workspace,
        study=study,
        kind=kind,
        title=(title.strip() or filename or "Notes")[:200],
        body=body,
        filename=filename[:255],
        contact=contact,
        created_by=actor,
    )
    search.note_index(note)
    audit_record(
        actor=actor, workspace=study.workspace, action=AuditAction.NOTE_CREATE, target=note
    )
    _answers_learn_request(study.workspace)
    return note


def _answers_learn_request(workspace: Workspace) -> None:
    """Queue learning the topics of "has this been answered?" again (after commit, off the
    request path) unless a run is already queued, running (it learns again if the data
    changed meanwhile) or waiting to retry: that run reads the data when it starts."""
    arguments = {"workspace_id": workspace.pk}
    if not job_run_pending(workspace=workspace, name=tasks.answers_learn.name, arguments=arguments):
        enqueue(tasks.answers_learn, **arguments)


def _tags_of(workspace: Workspace, tags: list[Tag]) -> list[Tag]:
    if any(tag.workspace_id != workspace.pk for tag in tags):
        raise ValidationError({"tags": "Some tags are not in this workspace."})
    return tags


def passage_locate(body: str, passage: str, start: int | None = None) -> tuple[int, int]:
    """The offsets of ``passage`` in ``body``: at ``start`` when given (it must be there),
    else its first occurrence; an error when the note does not contain it."""
    if not passage.strip():
        raise ValidationError({"passage": "Select the passage to highlight."})
    if start is not None:
        if body[start : start + len(passage)] != passage:
            raise ValidationError({"passage": "The note does not hold that passage there."})
        return start, start + len(passage)
    found = body.find(passage)
    if found < 0:
        # A passage copied from the rendered page loses the Markdown's line breaks.
        raise ValidationError({"passage": "The note does not contain that exact passage."})
    return found, found + len(passage)


@transaction.atomic
def highlight_create(
    *, actor: User, note: Note, passage: str, tags: list[Tag], start: int | None = None
) -> NoteHighlight:
    """Highlight an exact passage of a note and tag it from feedback's taxonomy."""
    begin, end = passage_locate(note.body, passage, start)
    highlight = NoteHighlight.objects.create(
        workspace=note.workspace, note=note, start=begin, end=end, created_by=actor
    )
    highlight.tags.set(_tags_of(note.workspace, tags))
    audit_record(
        actor=actor,
        workspace=note.workspace,
        action=AuditAction.HIGHLIGHT_CREATE,
        target=highlight,
        detail={"tags": [tag.pk for tag in tags]},
    )
    return highlight


@transaction.atomic
def insight_create(
    *,
    actor: User,
    workspace: Workspace,
    statement: str,
    detail: str = "",
    confidence: int = Confidence.MEDIUM,
    study: Study | None = None,
    highlights: list[NoteHighlight] = (),  # type: ignore[assignment]
    feedback: list[FeedbackItem] = (),  # type: ignore[assignment]
    tags: list[Tag] = (),  # type: ignore[assignment]
) -> Insight:
    """Record an insight with the highlights and feedback that support it, and index it."""
    if not statement.strip():
        raise ValidationError({"statement": "Say what was learnt."})
    if confidence not in Confidence.values:
        raise ValidationError({"confidence": f"Unknown confidence {confidence!r}."})
    owned = [study] if study else []
    if any(o.workspace_id != workspace.pk for o in (*owned, *highlights, *feedback)):
        raise ValidationError("Some of the evidence is not in this workspace.")
    insight = Insight.objects.create(
        workspace=workspace,
        statement=statement.strip()[:300],
        detail=detail.strip(),
        confidence=confidence,
        study=study,
        created_by=actor,
        created_at=timezone.now(),
    )
    insight.highlights.set(highlights)
    insight.feedback.set(feedback)
    insight.tags.set(_tags_of(workspace, list(tags)))
    search.insight_index(insight)
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.INSIGHT_CREATE,
        target=insight,
        detail={
            "highlights": [h.pk for h in highlights],
            "feedback": [f.pk for f in feedback],
        },
    )
    _answers_learn_request(workspace)
    return insight


@transaction.atomic
def share_link_create(
    *, actor: User, workspace: Workspace, target: str, insight: Insight | None = None
) -> ShareLink:
    """A read-only link to an insight or to the opportunity table."""
    if target not in ShareTarget.values:
        raise ValidationError({"target": f"Unknown target {target!r}."})
    if (target == ShareTarget.INSIGHT) != (insight is not None):
        raise ValidationError("A link to an insight names the insight, and only then.")
    if insight is not None and insight.workspace_id != workspace.pk:
        raise ValidationError("That insight is not in this workspace.")
    link = ShareLink.objects.create(
        workspace=workspace, target=target, insight=insight, created_by=actor
    )
    audit_record(
        actor=actor, workspace=workspace, action=AuditAction.SHARE_LINK_CREATE, target=link
    )
    return link


@transaction.atomic
def share_link_revoke(*, actor: User, link: ShareLink) -> ShareLink:
    """Stop a share link from opening anything."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor, workspace=link.workspace, action=AuditAction.SHARE_LINK_REVOKE, target=link
        )
    return link
