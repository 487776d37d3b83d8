"""The vocabularies of research: how a study is run, what a note is, how sure an insight is,
and what a share link opens."""

from django.db import models


class Method(models.TextChoices):
    """How a study asks its question; each names the research consent it needs."""

    INTERVIEW = "interview", "Interviews"
    SURVEY = "survey", "Survey"
    PROTOTYPE_TEST = "prototype_test", "Prototype test"
    DESK = "desk", "Desk research (no participants)"


class NoteKind(models.TextChoices):
    """What a note holds."""

    NOTE = "note", "Notes"
    TRANSCRIPT = "transcript", "Transcript"


class Confidence(models.IntegerChoices):
    """How sure the researchers are of an insight."""

    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"


class ShareTarget(models.TextChoices):
    """What a share link opens, read-only."""

    INSIGHT = "insight", "An insight"
    OPPORTUNITIES = "opportunities", "The opportunity table"


class DocumentKind(models.TextChoices):
    """The kinds of text the research search finds."""

    FEEDBACK = "feedback", "Feedback"
    NOTE = "note", "Notes"
    INSIGHT = "insight", "Insights"


class AuditAction(models.TextChoices):
    STUDY_CREATE = "study.create", "Created a study"
    STUDY_UPDATE = "study.update", "Changed a study"
    STUDY_RESERVE = "study.reserve", "Reserved participants for a study"
    NOTE_CREATE = "note.create", "Added a research note"
    HIGHLIGHT_CREATE = "research_highlight.create", "Highlighted a passage of a note"
    INSIGHT_CREATE = "insight.create", "Recorded an insight"
    SHARE_LINK_CREATE = "share_link.create", "Shared a link"
    SHARE_LINK_REVOKE = "share_link.revoke", "Revoked a share link"
