"""The vocabularies of feedback: where an item came from, how it was matched to a customer,
its triage status, how much a passage matters, and where an opportunity stands."""

from django.db import models


class SourceKind(models.TextChoices):
    """The system a feedback item came from."""

    ZENDESK = "zendesk", "Zendesk ticket"
    INTERCOM = "intercom", "Intercom conversation"
    SALESFORCE = "salesforce", "Salesforce case"
    GONG = "gong", "Sales call (Gong)"
    APP_REVIEW = "app_review", "App-store review"
    FORM = "form", "Logged by hand"
    API = "api", "API"
    OTHER = "other", "Other"


class MatchMethod(models.TextChoices):
    """How an item was tied to its contact and account (or that it was not)."""

    CONTACT_EMAIL = "contact_email", "Contact's email"
    EXTERNAL_ID = "external_id", "CRM id"
    EMAIL_DOMAIN = "email_domain", "Email domain"
    CHOSEN = "chosen", "Chosen by a person"
    UNMATCHED = "unmatched", "Not matched"


class Status(models.TextChoices):
    """Where an item is in triage."""

    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    DUPLICATE = "duplicate", "Duplicate"
    ARCHIVED = "archived", "Archived"


class Importance(models.IntegerChoices):
    """How much a highlighted passage says the customer needs the opportunity."""

    NICE_TO_HAVE = 1, "Nice to have"
    IMPORTANT = 2, "Important"
    CRITICAL = 3, "Critical"


class OpportunityStatus(models.TextChoices):
    """Where an opportunity stands."""

    OPEN = "open", "Open"
    PLANNED = "planned", "Planned"
    SHIPPED = "shipped", "Shipped"
    DECLINED = "declined", "Declined"


class SuggestionKind(models.TextChoices):
    """What the text engine suggests for an item."""

    TAG = "tag", "Tag"
    OPPORTUNITY = "opportunity", "Opportunity"
    DUPLICATE = "duplicate", "Near-duplicate"


class SuggestionState(models.TextChoices):
    PENDING = "pending", "Waiting for a person"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    FAILED = "failed", "Rejected, nothing imported"
    DONE = "done", "Imported"


class AuditAction(models.TextChoices):
    """What the audit log records about feedback (`<entity>.<verb>`)."""

    FEEDBACK_CREATE = "feedback.create"
    FEEDBACK_IMPORT = "feedback.import"
    FEEDBACK_TRIAGE = "feedback.triage"
    FEEDBACK_MERGE = "feedback.merge"
    FEEDBACK_CHANGE = "feedback.change"
    HIGHLIGHT_CREATE = "highlight.create"
    HIGHLIGHT_DELETE = "highlight.delete"
    OPPORTUNITY_CREATE = "opportunity.create"
    OPPORTUNITY_CHANGE = "opportunity.change"
    OPPORTUNITY_NOTIFY = "opportunity.notify"
    TAG_CREATE = "tag.create"
    TAG_CHANGE = "tag.change"
    WEIGHTS_CHANGE = "weights.change"
    THEMES_REBUILD = "themes.rebuild"
    SUGGESTERS_FIT = "suggesters.fit"
    SUGGESTION_DECIDE = "suggestion.decide"


# Mail providers whose domain says nothing about the company: never matched by domain.
FREE_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.ru",
        "qq.com",
        "163.com",
        "fastmail.com",
        "hey.com",
    ]
)
