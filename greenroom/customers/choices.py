"""The fixed vocabularies of the customer database."""

from django.db import models


class LifecycleStage(models.TextChoices):
    """Where an account or contact is in the customer journey (CRM lifecycle stages)."""

    LEAD = "lead", "Lead"
    PROSPECT = "prospect", "Prospect"
    TRIAL = "trial", "Trial"
    CUSTOMER = "customer", "Customer"
    CHURNED = "churned", "Churned"
    OTHER = "other", "Other"


class ResearchKind(models.TextChoices):
    """The kinds of research a contact can opt in to."""

    INTERVIEW = "interview", "Interviews"
    SURVEY = "survey", "Surveys"
    PROTOTYPE_TEST = "prototype_test", "Prototype tests"
    BETA = "beta", "Betas"
    EARLY_ACCESS = "early_access", "Early access"


# The denormalised "currently opted in" flag on Contact for each kind, for the finder.
CONSENT_FIELD = {kind: f"consent_{kind}" for kind in ResearchKind.values}


class ConsentMethod(models.TextChoices):
    """How a consent was given or withdrawn."""

    WEB_FORM = "web_form", "Web form"
    EMAIL = "email", "Email reply"
    CALL = "call", "In a call"
    IN_APP = "in_app", "In the product"
    CRM_IMPORT = "crm_import", "CRM import"
    API = "api", "API"
    STAFF = "staff", "Recorded by staff"


class Channel(models.TextChoices):
    """How a contact prefers to be reached."""

    ANY = "any", "Any"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    IN_APP = "in_app", "In the product"


class OutreachKind(models.TextChoices):
    """Why a customer was contacted."""

    INTERVIEW = "interview", "Interview"
    SURVEY = "survey", "Survey"
    PROTOTYPE_TEST = "prototype_test", "Prototype test"
    BETA_INVITE = "beta_invite", "Beta invite"
    EARLY_ACCESS = "early_access", "Early access"
    OTHER = "other", "Other"


# The consent an outreach kind needs.
KIND_CONSENT = {
    OutreachKind.INTERVIEW: ResearchKind.INTERVIEW,
    OutreachKind.SURVEY: ResearchKind.SURVEY,
    OutreachKind.PROTOTYPE_TEST: ResearchKind.PROTOTYPE_TEST,
    OutreachKind.BETA_INVITE: ResearchKind.BETA,
    OutreachKind.EARLY_ACCESS: ResearchKind.EARLY_ACCESS,
}


class OutreachOutcome(models.TextChoices):
    """What came of an outreach; the first three mean the contact is in an active study."""

    RESERVED = "reserved", "Reserved"
    CONTACTED = "contacted", "Contacted, waiting"
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Declined"
    NO_RESPONSE = "no_response", "No response"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_OUTCOMES = (OutreachOutcome.RESERVED, OutreachOutcome.CONTACTED, OutreachOutcome.SCHEDULED)


class ImportKind(models.TextChoices):
    """What an import file holds."""

    ACCOUNTS = "accounts", "Accounts"
    CONTACTS = "contacts", "Contacts"
    CONSENT = "consent", "Research consent"
    OUTREACH = "outreach", "Past outreach"


class ImportFormat(models.TextChoices):
    """Whose export a file is, which decides how its columns are read."""

    SALESFORCE = "salesforce", "Salesforce export"
    HUBSPOT = "hubspot", "HubSpot export"
    GENERIC = "generic", "Other CSV or Excel file"


class AuditAction(models.TextChoices):
    """What the audit log records about customers (`<entity>.<verb>`, see accounts/choices.py)."""

    ACCOUNT_CHANGE_RULES = "account.change_rules"
    ACCOUNT_MERGE = "account.merge"
    ACCOUNT_IMPORT = "account.import"
    CONTACT_CHANGE_CONSENT = "contact.change_consent"
    CONTACT_CHANGE_PREFERENCES = "contact.change_preferences"
    CONTACT_RESERVE = "contact.reserve"
    CONTACT_EXPORT = "contact.export"
    CONTACT_VIEW_DETAILS = "contact.view_details"
    CONTACT_ERASE = "contact.erase"
    CONTACT_ANSWER_SUBJECT_ACCESS = "contact.answer_subject_access"
    CONTACT_MERGE = "contact.merge"
    CONTACT_IMPORT = "contact.import"
    CONSENT_IMPORT = "consent.import"
    OUTREACH_LOG = "outreach.log"
    OUTREACH_CHANGE_OUTCOME = "outreach.change_outcome"
    OUTREACH_IMPORT = "outreach.import"
    QUIET_PERIOD_ADD = "quiet_period.add"


# The event a finished import records, by what the file held.
IMPORT_AUDIT_ACTION = {
    ImportKind.ACCOUNTS: AuditAction.ACCOUNT_IMPORT,
    ImportKind.CONTACTS: AuditAction.CONTACT_IMPORT,
    ImportKind.CONSENT: AuditAction.CONSENT_IMPORT,
    ImportKind.OUTREACH: AuditAction.OUTREACH_IMPORT,
}
