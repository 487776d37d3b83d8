"""Feedback items from every source, the shared tag taxonomy, opportunities and the
highlighted passages that link the two, and what the text engine suggests.

An item's text is kept exactly as it arrived (HTML and all) and only ever rendered escaped.
"""

from django.db import models

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.customers.models import Account, Contact, Outreach
from greenroom.feedback.choices import (
    Importance,
    ImportStatus,
    MatchMethod,
    OpportunityStatus,
    SourceKind,
    Status,
    SuggestionKind,
    SuggestionState,
)
from greenroom.organisation.models import ProductArea, Segment


class Tag(WorkspaceOwned):
    """A tag of the workspace's one taxonomy: hierarchical, with synonyms that mean it."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    synonyms = models.JSONField(default=list, blank=True, help_text="Other words for this tag.")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="feedback_tag_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def path(self) -> str:
        """The tag with its ancestors: ``Reporting > Exports``."""
        names: list[str] = []
        seen: set[int] = set()
        tag: Tag | None = self
        while tag is not None and tag.pk not in seen:
            seen.add(tag.pk)
            names.append(tag.name)
            tag = tag.parent
        return " > ".join(reversed(names))


class Theme(WorkspaceOwned):
    """A group of similar feedback found by the text engine (greenroom/lib/text), labelled by
    its representative terms."""

    label = models.CharField(max_length=200)
    terms = models.JSONField(default=list, blank=True)
    count = models.PositiveIntegerField(default=0, help_text="Members when it was built.")
    trend = models.JSONField(
        default=dict, blank=True, help_text='Members by month: {"2026-01": 14}.'
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-count", "label"]

    def __str__(self) -> str:
        return self.label


class FeedbackImport(WorkspaceOwned):
    """One uploaded export on its way in: its source, column mapping, progress and report."""

    source_kind = models.CharField(max_length=16, choices=SourceKind.choices)
    filename = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_source_kind_display()} from {self.filename}"


class FeedbackItem(WorkspaceOwned):
    """One piece of feedback as it arrived, tied (when it could be) to its contact and account."""

    source_kind = models.CharField(max_length=16, choices=SourceKind.choices)
    source_id = models.CharField(max_length=255, help_text="Its id in the source system.")
    source_url = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(help_text="When the customer said it.")
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField(help_text="The original text, stored as given.")
    submitted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=200, blank=True)
    author_email = models.CharField(max_length=254, blank=True)
    customer_ref = models.CharField(
        max_length=128, blank=True, help_text="The account or contact id the source gave."
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    match_method = models.CharField(
        max_length=16, choices=MatchMethod.choices, default=MatchMethod.UNMATCHED
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    product_area = models.ForeignKey(
        ProductArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="items")
    source_tags = models.CharField(max_length=500, blank=True, help_text="Tags the source had.")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    extra = models.JSONField(default=dict, blank=True, help_text="Unmapped columns, kept.")
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    import_run = models.ForeignKey(
        FeedbackImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source_kind", "source_id"], name="feedback_item_unique_source"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "received_at"]),
            models.Index(fields=["workspace", "status", "received_at"]),
            models.Index(fields=["workspace", "account"]),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:80]

    def is_matched(self) -> bool:
        return self.account_id is not None


class Opportunity(WorkspaceOwned):
    """A customer problem or request worth solving, with the feedback that asks for it."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    product_area = models.ForeignKey(
        ProductArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    shipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return self.title


class Highlight(WorkspaceOwned):
    """A passage of one item (start and end offsets into its text) linked to an opportunity,
    with how much it matters to the customer."""

    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="highlights")
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="highlights"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    importance = models.PositiveSmallIntegerField(
        choices=Importance.choices, default=Importance.IMPORTANT
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="feedback_highlight_ordered"
            )
        ]
        indexes = [models.Index(fields=["opportunity", "item"])]

    def __str__(self) -> str:
        return f"{self.item_id}[{self.start}:{self.end}] → {self.opportunity_id}"

    def passage(self) -> str:
        return self.item.text[self.start : self.end]


class PriorityWeights(WorkspaceOwned):
    """How the workspace ranks opportunities: weights of ARR, account count, strategic
    segments and recency (docs/feedback.md, "Prioritisation")."""

    arr = models.FloatField(default=0.4)
    count = models.FloatField(default=0.3)
    strategic = models.FloatField(default=0.2)
    recency = models.FloatField(default=0.1)
    recency_half_life_days = models.PositiveIntegerField(default=90)
    strategic_segments = models.ManyToManyField(Segment, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace"], name="feedback_one_weights")]

    def __str__(self) -> str:
        return f"weights of workspace {self.workspace_id}"


class LoopClosure(WorkspaceOwned):
    """A contact who asked for a shipped opportunity was told: the outreach that did it."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="closures")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    outreach = models.ForeignKey(Outreach, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "contact"], name="feedback_told_once")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} told about {self.opportunity_id}"


class Suggestion(WorkspaceOwned):
    """What the text engine proposes for an item (a tag, an opportunity, a near-duplicate),
    waiting for a person to accept or reject it."""

    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(max_length=16, choices=SuggestionKind.choices)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, null=True, blank=True)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, null=True, blank=True)
    duplicate_of = models.ForeignKey(
        FeedbackItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    score = models.FloatField()
    state = models.CharField(
        max_length=16, choices=SuggestionState.choices, default=SuggestionState.PENDING
    )
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.item_id} ({self.score:.2f})"


class TextModel(WorkspaceOwned):
    """A suggester the text engine fitted on the workspace's triaged feedback (tags, or links
    to opportunities), stored as the bytes ``TagSuggester.to_bytes`` wrote. In the database
    rather than the data dir: it belongs to one workspace, is backed up and deleted with it,
    is replaced in the same transaction as its suggestions, and is a few MB at most."""

    kind = models.CharField(max_length=16, choices=SuggestionKind.choices)
    blob = models.BinaryField()
    report = models.JSONField(default=dict, blank=True, help_text="What fitting measured.")
    fitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind"], name="feedback_textmodel_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} suggester of {self.workspace_id}"
