"""Studies and their participants, notes and transcripts with highlighted passages, insights
with their evidence, share links, and the search index over feedback, notes and insights.

A note's text is kept exactly as uploaded and only ever rendered through the safe Markdown
renderer (raw HTML shown as text). The search index is a plain table; each database's
full-text machinery over it (an FTS5 table on SQLite, a GIN index on PostgreSQL) is created
by ``search.py`` after migrating, so nothing engine-specific sits in a migration.
"""

import secrets

from django.db import models

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.customers.models import Contact, Outreach
from greenroom.feedback.models import FeedbackItem, Tag
from greenroom.research.choices import Confidence, DocumentKind, Method, NoteKind, ShareTarget


class Study(WorkspaceOwned):
    """A piece of research: the question it asks, how, when and who owns it."""

    title = models.CharField(max_length=200)
    question = models.TextField(help_text="What the study wants to learn.")
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.INTERVIEW)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    plan = models.TextField(
        blank=True, help_text="The research plan, in Markdown (starts from the playbook's)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.title

    def outreach_name(self) -> str:
        """The study's name in the outreach log (unique per workspace through the id)."""
        return f"{self.title} (study {self.pk})"


class Participant(WorkspaceOwned):
    """A contact reserved for a study through the participant finder, with the outreach
    the reservation logged."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participants")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    outreach = models.ForeignKey(Outreach, on_delete=models.SET_NULL, null=True, related_name="+")
    reserved_at = models.DateTimeField()

    class Meta:
        ordering = ["reserved_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "contact"], name="research_participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in study {self.study_id}"


class Note(WorkspaceOwned):
    """Notes or a transcript of a study (typed or uploaded as text/Markdown), kept as given."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=16, choices=NoteKind.choices, default=NoteKind.NOTE)
    title = models.CharField(max_length=200)
    body = models.TextField()
    filename = models.CharField(max_length=255, blank=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class NoteHighlight(WorkspaceOwned):
    """An exact passage of a note (offsets into its body), tagged from feedback's taxonomy."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="highlights")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    tags = models.ManyToManyField(Tag, blank=True, related_name="research_highlights")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["note", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="research_highlight_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.note_id}[{self.start}:{self.end}]"

    def passage(self) -> str:
        return self.note.body[self.start : self.end]


class Insight(WorkspaceOwned):
    """What the research concluded: a statement, how sure, and the highlights and feedback
    that support it."""

    statement = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    confidence = models.PositiveSmallIntegerField(
        choices=Confidence.choices, default=Confidence.MEDIUM
    )
    study = models.ForeignKey(
        Study, on_delete=models.SET_NULL, null=True, blank=True, related_name="insights"
    )
    highlights = models.ManyToManyField(NoteHighlight, blank=True, related_name="insights")
    feedback = models.ManyToManyField(FeedbackItem, blank=True, related_name="insights")
    tags = models.ManyToManyField(Tag, blank=True, related_name="insights")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.statement


def _token() -> str:
    return secrets.token_urlsafe(24)


class ShareLink(WorkspaceOwned):
    """A read-only link to an insight or to the opportunity table that any member (viewers
    too) can open; revocable."""

    target = models.CharField(max_length=16, choices=ShareTarget.choices)
    insight = models.ForeignKey(
        Insight, on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    token = models.CharField(max_length=64, unique=True, default=_token)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_target_display()} ({self.token[:6]}…)"


class Document(WorkspaceOwned):
    """One searchable text (a feedback item, a note, an insight) as the search index holds it."""

    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    dated = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "object_id"], name="research_document_once"
            )
        ]
        indexes = [models.Index(fields=["workspace", "kind", "dated"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
