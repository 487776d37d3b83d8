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
