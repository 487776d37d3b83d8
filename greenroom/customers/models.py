"""Accounts and contacts, their research consent, quiet periods and the outreach log.

Contacts are never deleted: erasure blanks their personal data and keeps the anonymised row
so the outreach history (and the contact limits it enforces) stays true.
"""

import hashlib
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned
from greenroom.customers.choices import (
    Channel,
    ConsentMethod,
    ImportFormat,
    ImportKind,
    LifecycleStage,
    OutreachKind,
    OutreachOutcome,
    ResearchKind,
)
from greenroom.organisation.models import Market, Person, Plan, Region, Segment

EXTERNAL_IDS = ("salesforce_id", "hubspot_id", "external_id")


def _imported_by() -> models.ForeignKey:
    # The import that created the row: undoing a failed import deletes exactly these rows.
    return models.ForeignKey(
        "ImportRun", on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+",
    )  # fmt: skip


def _unique_external_ids(model_name: str) -> list[models.BaseConstraint]:
    # Blank ids are allowed many times; a given CRM id belongs to one row per workspace.
    return [
        models.UniqueConstraint(
            fields=["workspace", name],
            condition=~Q(**{name: ""}),
            name=f"{model_name}_unique_{name}",
        )
        for name in EXTERNAL_IDS
    ]


class CrmRecord(WorkspaceOwned):
    """Base for rows imported from CRMs: their ids there, lifecycle and custom attributes."""

    salesforce_id = models.CharField(max_length=64, blank=True)
    hubspot_id = models.CharField(max_length=64, blank=True)
    external_id = models.CharField(
        max_length=128, blank=True, help_text="Id in any other system (generic imports, API)."
    )
    lifecycle_stage = models.CharField(
        max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.CUSTOMER
    )
    custom = models.JSONField(default=dict, blank=True, help_text="Custom attributes.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    import_run = _imported_by()

    class Meta(WorkspaceOwned.Meta):
        abstract = True


class Account(CrmRecord):
    """A customer company, with where it sits in the organisation and who looks after it."""

    # Not a column: set by the account list on the rows it shows, from the analytics store.
    billing_arr: Decimal | None

    name = models.CharField(max_length=255)
    domain = models.CharField(max_length=255, blank=True, db_index=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2.")
    industry = models.CharField(max_length=120, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, null=True, blank=True)
    market = models.ForeignKey(Market, on_delete=models.PROTECT, null=True, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True)
    crm_arr = models.DecimalField(
        "ARR (CRM)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    owner = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_accounts"
    )
    success_manager = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="managed_accounts"
    )
    notify_owner_before_contact = models.BooleanField(
        default=False,
        help_text="Strategic account: the owner is told before anyone contacts its people.",
    )

    class Meta:
        ordering = ["name"]
        constraints = _unique_external_ids("account")
        indexes = [models.Index(fields=["workspace", "name"])]

    def __str__(self) -> str:
        return self.name


class ArrSnapshot(models.Model):
    """An account's ARR as an import saw it, kept so the account page can show its trend."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="arr_history")
    on = models.DateField()
    arr = models.DecimalField(max_digits=14, decimal_places=2)
    source = models.CharField(max_length=32, default="crm")
    import_run = _imported_by()

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "on", "source"], name="one_arr_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.on}: {self.arr}"


class Contact(CrmRecord):
    """A person at a customer account, with their research consent and contact limits."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contacts")
    first_name = models.CharField(max_length=120, blank=True)
    last_name = models.CharField(max_length=120, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    title = models.CharField("job title", max_length=200, blank=True)
    role = models.CharField(
        max_length=64, blank=True, help_text="Normalised role, e.g. admin, end user, executive."
    )
    consent_interview = models.BooleanField(default=False)
    consent_survey = models.BooleanField(default=False)
    consent_prototype_test = models.BooleanField(default=False)
    consent_beta = models.BooleanField(default=False)
    consent_early_access = models.BooleanField(default=False)
    preferred_channel = models.CharField(max_length=16, choices=Channel.choices, default="any")
    max_per_30_days = models.PositiveSmallIntegerField(default=1)
    max_per_90_days = models.PositiveSmallIntegerField(default=3)
    do_not_contact = models.BooleanField(default=False)
    do_not_contact_reason = models.CharField(max_length=300, blank=True)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = _unique_external_ids("contact")
        indexes = [
            models.Index(fields=["workspace", "last_contacted_at", "id"]),
            models.Index(fields=["workspace", "email"]),
            # The contacts list pages through everyone in name order.
            models.Index(fields=["workspace", "last_name", "first_name", "id"]),
        ]

    def __str__(self) -> str:
        if self.erased_at:
            return f"Erased contact #{self.pk}"
        return f"{self.first_name} {self.last_name}".strip() or f"Contact #{self.pk}"

    def consents(self) -> list[str]:
        """The research kinds this contact is opted in to now."""
        return [kind for kind in ResearchKind.values if getattr(self, f"consent_{kind}")]

    def consent_labels(self) -> list[str]:
        """The research kinds this contact is opted in to now, as words."""
        return [ResearchKind(kind).label for kind in self.consents()]


class ConsentRecord(models.Model):
    """One version of a contact's consent to one kind of research: never edited, only added."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_history")
    kind = models.CharField(max_length=16, choices=ResearchKind.choices)
    version = models.PositiveIntegerField()
    granted = models.BooleanField()
    given_at = models.DateTimeField(help_text="When the contact gave or withdrew it.")
    method = models.CharField(max_length=16, choices=ConsentMethod.choices)
    source = models.CharField(
        max_length=300, blank=True, help_text="Where it came from, e.g. 'Research panel form'."
    )
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    import_run = _imported_by()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "kind", "version"], name="one_consent_version"
            )
        ]

    def __str__(self) -> str:
        state = "granted" if self.granted else "withdrawn"
        return f"{self.get_kind_display()} {state} (v{self.version})"


class QuietPeriod(WorkspaceOwned):
    """Dates when nobody may contact one contact, or anyone at one account."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="quiet_periods"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="quiet_periods"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False) | Q(contact__isnull=False),
                name="quiet_period_has_target",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="quiet_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"Quiet {self.starts_on} to {self.ends_on}: {self.reason}"


class Outreach(WorkspaceOwned):
    """Someone at the company contacted (or reserved) a contact: who, when, why, outcome."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="outreach")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="outreach")
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    by_label = models.CharField(max_length=200, help_text="Who, kept if the user goes.")
    kind = models.CharField(max_length=16, choices=OutreachKind.choices)
    study = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=16, choices=OutreachOutcome.choices)
    at = models.DateTimeField()
    owner_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    import_run = _imported_by()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["contact", "at"]),
            models.Index(fields=["account", "at"]),
            models.Index(fields=["workspace", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.contact} on {self.at:%Y-%m-%d}"


class ErasedIdentity(WorkspaceOwned):
    """A digest of an erased contact's email or CRM id, so a later import cannot bring the
    person back without anyone noticing."""

    digest = models.CharField(max_length=64)
    erased_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "digest"], name="one_erased_digest")
        ]

    def __str__(self) -> str:
        return f"erased {self.digest[:10]}…"

    @staticmethod
    def digest_of(value: str) -> str:
        """The stored form of an email or CRM id of an erased contact."""
        return hashlib.sha256(value.strip().lower().encode()).hexdigest()


class ImportRun(WorkspaceOwned):
    """One import on its way in: the uploaded file and its column mapping, then the import's
    progress, and what it did or why it did not."""

    class Status(models.TextChoices):
        MAPPING = "mapping", "Waiting for the column mapping"
        QUEUED = "queued", "Queued"
        CHECKING = "checking", "Checking every row"
        APPLYING = "applying", "Saving"
        UNDOING = "undoing", "Undoing a failed import"
        FAILED = "failed", "Rejected, nothing imported"
        DONE = "done", "Imported"

    ACTIVE = (Status.QUEUED, Status.CHECKING, Status.APPLYING, Status.UNDOING)

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    format = models.CharField(max_length=16, choices=ImportFormat.choices)
    filename = models.CharField(max_length=255)
    stored_path = models.CharField(
        max_length=500, blank=True, help_text="The uploaded file; empty for API records."
    )
    size = models.PositiveBigIntegerField(default=0, help_text="The file's size in bytes.")
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.MAPPING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of this step.")
    rows = models.PositiveIntegerField(default=0, help_text="Rows checked so far.")
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the process running it."
    )
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.filename}"

    def is_active(self) -> bool:
        """Queued or running: the page keeps showing its progress."""
        return self.status in self.ACTIVE


class ImportChange(models.Model):
    """The previous values of a row an import updated, kept until the import has finished so
    a failed or interrupted import can be undone (rows it created carry its run instead)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="changes")
    table = models.CharField(max_length=64, help_text="The model's label, e.g. customers.contact.")
    row_id = models.BigIntegerField()
    before = models.JSONField(encoder=DjangoJSONEncoder)
    after = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.table} #{self.row_id} in import {self.run_id}"
