"""Which column of an export holds which field: Salesforce and HubSpot presets, and guesses
for any other file that the person importing confirms in the mapping step.

Column names are the ones the tools write in their CSV exports (Salesforce report exports
use field labels, Data Loader uses API names; HubSpot exports use property labels).
"""

from dataclasses import dataclass

from greenroom.customers.choices import ImportFormat, ImportKind


@dataclass(frozen=True)
class TargetField:
    name: str
    label: str
    required: bool = False


FIELDS: dict[str, tuple[TargetField, ...]] = {
    ImportKind.ACCOUNTS: (
        TargetField("id", "Id in the source system", required=True),
        TargetField("name", "Account name", required=True),
        TargetField("domain", "Website or domain"),
        TargetField("country", "Country (code or name)"),
        TargetField("industry", "Industry"),
        TargetField("employees", "Employees"),
        TargetField("segment", "Segment"),
        TargetField("market", "Market"),
        TargetField("region", "Region"),
        TargetField("plan", "Plan"),
        TargetField("arr", "ARR"),
        TargetField("owner", "Account owner (sales rep)"),
        TargetField("success_manager", "Success manager"),
        TargetField("lifecycle_stage", "Lifecycle stage"),
        TargetField("notify_owner_before_contact", "Strategic: tell the owner first"),
    ),
    ImportKind.CONTACTS: (
        TargetField("id", "Id in the source system", required=True),
        TargetField("account_id", "Account id (same system)"),
        TargetField("account_name", "Account name"),
        TargetField("first_name", "First name"),
        TargetField("last_name", "Last name", required=True),
        TargetField("email", "Email"),
        TargetField("phone", "Phone"),
        TargetField("title", "Job title"),
        TargetField("role", "Role"),
        TargetField("lifecycle_stage", "Lifecycle stage"),
        TargetField("preferred_channel", "Preferred channel"),
        TargetField("max_per_30_days", "Max contacts per 30 days"),
        TargetField("max_per_90_days", "Max contacts per 90 days"),
        TargetField("do_not_contact", "Do not contact"),
        TargetField("do_not_contact_reason", "Do-not-contact reason"),
    ),
    ImportKind.CONSENT: (
        TargetField("contact", "Contact (email or CRM id)", required=True),
        TargetField("kind", "Research kind", required=True),
        TargetField("granted", "Granted (yes/no)", required=True),
        TargetField("given_at", "When", required=True),
        TargetField("method", "How"),
        TargetField("source", "Where it came from"),
    ),
    ImportKind.OUTREACH: (
        TargetField("contact", "Contact (email or CRM id)", required=True),
        TargetField("kind", "Kind", required=True),
        TargetField("at", "When", required=True),
        TargetField("by", "Who contacted them"),
        TargetField("study", "Study"),
        TargetField("reason", "Reason"),
        TargetField("outcome", "Outcome"),
    ),
}

# Where a record's own id goes, by format.
ID_FIELD = {
    ImportFormat.SALESFORCE: "salesforce_id",
    ImportFormat.HUBSPOT: "hubspot_id",
    ImportFormat.GENERIC: "external_id",
}

_SALESFORCE = {
    ImportKind.ACCOUNTS: {
        "id": ["Account ID", "Id"],
        "name": ["Account Name", "Name"],
        "domain": ["Website"],
        "country": ["Billing Country", "BillingCountry"],
        "industry": ["Industry"],
        "employees": ["Employees", "NumberOfEmployees"],
        "segment": ["Segment", "Segment__c"],
        "region": ["Region", "Region__c"],
        "plan": ["Plan", "Plan__c"],
        "arr": ["ARR", "ARR__c", "Annual Recurring Revenue"],
        "owner": ["Account Owner", "Owner Name"],
        "success_manager": ["Customer Success Manager", "CSM__c"],
        "lifecycle_stage": ["Type"],
        "notify_owner_before_contact": ["Strategic Account", "Strategic__c"],
    },
    ImportKind.CONTACTS: {
        "id": ["Contact ID", "Id"],
        "account_id": ["Account ID", "AccountId"],
        "account_name": ["Account Name"],
        "first_name": ["First Name", "FirstName"],
        "last_name": ["Last Name", "LastName"],
        "email": ["Email"],
        "phone": ["Phone"],
        "title": ["Title"],
        "role": ["Persona", "Persona__c", "Contact Role"],
        "do_not_contact": ["Do Not Contact", "Email Opt Out", "HasOptedOutOfEmail"],
    },
}

_HUBSPOT = {
    ImportKind.ACCOUNTS: {
        "id": ["Record ID", "Company ID"],
        "name": ["Company name", "Name"],
        "domain": ["Company Domain Name", "Website URL"],
        "country": ["Country/Region", "Country"],
        "industry": ["Industry"],
        "employees": ["Number of Employees"],
        "segment": ["Segment", "Customer Segment"],
        "region": ["Region"],
        "plan": ["Plan"],
        "arr": ["Annual Recurring Revenue", "ARR"],
        "owner": ["Company owner"],
        "success_manager": ["Customer Success Manager"],
        "lifecycle_stage": ["Lifecycle Stage"],
        "notify_owner_before_contact": ["Strategic Account"],
    },
    ImportKind.CONTACTS: {
        "id": ["Record ID", "Contact ID"],
        "account_id": ["Associated Company ID", "Associated Company IDs (Primary)"],
        "account_name": ["Associated Company", "Company Name"],
        "first_name": ["First Name"],
        "last_name": ["Last Name"],
        "email": ["Email"],
        "phone": ["Phone Number"],
        "title": ["Job Title"],
        "role": ["Persona", "Role"],
        "lifecycle_stage": ["Lifecycle Stage"],
        "preferred_channel": ["Preferred channel"],
        "do_not_contact": ["Do Not Contact", "Unsubscribed from all email"],
    },
}

PRESETS = {ImportFormat.SALESFORCE: _SALESFORCE, ImportFormat.HUBSPOT: _HUBSPOT}


def _normal(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def mapping_guess(*, kind: str, format: str, headers: list[str]) -> dict[str, str]:
    """Field name → column for the columns a preset (or, for other files, the field's own
    name, label or any preset alias) recognises."""
    by_normal = {_normal(header): header for header in headers}
    mapping = {}
    for target in FIELDS[kind]:
        aliases = [target.name, target.label]
        if format in PRESETS:
            aliases = PRESETS[format].get(kind, {}).get(target.name, [])
        else:
            for preset in PRESETS.values():
                aliases += preset.get(kind, {}).get(target.name, [])
        for alias in aliases:
            if _normal(alias) in by_normal:
                mapping[target.name] = by_normal[_normal(alias)]
                break
    return mapping


def format_detect(headers: list[str]) -> str:
    """Whose export a header row looks like."""
    names = {_normal(header) for header in headers}
    if names & {"accountid", "contactid"} and "recordid" not in names:
        return ImportFormat.SALESFORCE
    if "recordid" in names:
        return ImportFormat.HUBSPOT
    return ImportFormat.GENERIC
