"""The real exports Greenroom reads, each defined once: which header names hold which field.

The customer importers (accounts and contacts) and the CRM source connectors (accounts into
the analytics store) both read Salesforce and HubSpot exports; both take their column names
from here, so a name added for one is accepted by the other. Each field lists the header
names the tool writes, in order of preference (the first one found in a file is used):
Salesforce report exports use field labels (``Billing Country``) and Data Loader exports
API names (``BillingCountry``); HubSpot exports use property labels. Names are compared
ignoring case, spaces and punctuation (``columns.column_key``).

Field names are Greenroom's: an importer uses the fields it has and ignores the others.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportFormat:
    """One export of one tool: what it holds and the header names of each field."""

    tool: str  # "salesforce", "hubspot"
    holds: str  # "accounts", "contacts"
    title: str
    columns: dict[str, tuple[str, ...]]

    def aliases(self, field: str) -> tuple[str, ...]:
        """The header names of ``field`` (none if the export does not have it)."""
        return self.columns.get(field, ())


SALESFORCE_ACCOUNTS = ExportFormat(
    tool="salesforce",
    holds="accounts",
    title="Salesforce Account export (report or Data Loader)",
    columns={
        "id": ("Account ID", "Id", "AccountId"),
        "name": ("Account Name", "Name"),
        "domain": ("Website",),
        "country": ("Billing Country", "BillingCountry", "BillingCountryCode"),
        "industry": ("Industry",),
        "employees": ("Employees", "NumberOfEmployees"),
        "segment": ("Segment", "Segment__c", "Customer Segment"),
        "region": ("Region", "Region__c"),
        "plan": ("Plan", "Plan__c"),
        "arr": ("ARR", "ARR__c", "Annual Recurring Revenue"),
        # Names of the owner; OwnerId (a Salesforce user id) is a field of its own.
        "owner": ("Account Owner", "Owner Name", "Owner.Name"),
        "owner_id": ("OwnerId",),
        "success_manager": ("Customer Success Manager", "CSM__c"),
        "lifecycle_stage": ("Type",),
        "notify_owner_before_contact": ("Strategic Account", "Strategic__c"),
        "currency": ("CurrencyIsoCode", "Account Currency"),
        "stripe_customer_id": ("Stripe_Customer_ID__c", "Stripe Customer ID"),
        "annual_revenue": ("AnnualRevenue", "Annual Revenue"),
    },
)

SALESFORCE_CONTACTS = ExportFormat(
    tool="salesforce",
    holds="contacts",
    title="Salesforce Contact export (report or Data Loader)",
    columns={
        "id": ("Contact ID", "Id"),
        "account_id": ("Account ID", "AccountId"),
        "account_name": ("Account Name",),
        "first_name": ("First Name", "FirstName"),
        "last_name": ("Last Name", "LastName"),
        "email": ("Email",),
        "phone": ("Phone",),
        "title": ("Title",),
        "role": ("Persona", "Persona__c", "Contact Role"),
        "do_not_contact": ("Do Not Contact", "Email Opt Out", "HasOptedOutOfEmail"),
    },
)

HUBSPOT_COMPANIES = ExportFormat(
    tool="hubspot",
    holds="accounts",
    title="HubSpot Companies export",
    columns={
        "id": ("Record ID", "Company ID"),
        "name": ("Company name", "Name"),
        "domain": ("Company Domain Name", "Website URL", "Domain"),
        "country": ("Country/Region", "Country"),
        "industry": ("Industry",),
        "employees": ("Number of Employees",),
        "segment": ("Segment", "Customer Segment"),
        "region": ("Region",),
        "plan": ("Plan",),
        "arr": ("Annual Recurring Revenue", "ARR"),
        "owner": ("Company owner", "HubSpot Owner", "Owner"),
        "success_manager": ("Customer Success Manager",),
        "lifecycle_stage": ("Lifecycle Stage",),
        "notify_owner_before_contact": ("Strategic Account",),
        "currency": ("Currency",),
        "stripe_customer_id": ("Stripe Customer ID",),
        "annual_revenue": ("Annual Revenue",),
    },
)

HUBSPOT_CONTACTS = ExportFormat(
    tool="hubspot",
    holds="contacts",
    title="HubSpot Contacts export",
    columns={
        "id": ("Record ID", "Contact ID"),
        "account_id": ("Associated Company ID", "Associated Company IDs (Primary)"),
        "account_name": ("Associated Company", "Company Name"),
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "email": ("Email",),
        "phone": ("Phone Number",),
        "title": ("Job Title",),
        "role": ("Persona", "Role"),
        "lifecycle_stage": ("Lifecycle Stage",),
        "preferred_channel": ("Preferred channel",),
        "do_not_contact": ("Do Not Contact", "Unsubscribed from all email"),
    },
)

FORMATS = (SALESFORCE_ACCOUNTS, SALESFORCE_CONTACTS, HUBSPOT_COMPANIES, HUBSPOT_CONTACTS)


def export_format(tool: str, holds: str) -> ExportFormat | None:
    """The export of ``tool`` holding ``holds``, if Greenroom knows one."""
    return next((f for f in FORMATS if f.tool == tool and f.holds == holds), None)


# Feedback exports (greenroom/feedback/importing.py). Fields: id, created, subject, text,
# email, name, account_ref (a CRM account id), account_name, tags, url, rating.
ZENDESK_TICKETS = ExportFormat(
    tool="zendesk",
    holds="feedback",
    title="Zendesk tickets (CSV export of a view, or the tickets API as JSON)",
    columns={
        "id": ("Id", "Ticket ID", "ID", "id"),
        "created": ("Created at", "Ticket created - Timestamp", "created_at"),
        "subject": ("Subject", "subject", "raw_subject"),
        "text": ("Description", "Ticket description", "description"),
        "email": ("Requester email", "Requester Email"),
        "name": ("Requester", "Requester name"),
        "contact_ref": ("Requester external id",),
        "account_ref": ("Organization external id", "Organization ID"),
        "account_name": ("Organization", "Organization name"),
        "tags": ("Tags", "tags"),
        "url": ("URL", "url"),
    },
)

INTERCOM_CONVERSATIONS = ExportFormat(
    tool="intercom",
    holds="feedback",
    title="Intercom conversations export (CSV)",
    columns={
        "id": ("Conversation ID", "ID", "id"),
        "created": ("Created at", "Conversation started at", "Created Date", "created_at"),
        "subject": ("Title", "Conversation title", "title"),
        "text": (
            "Conversation first message",
            "First message",
            "Conversation",
            "Body",
            "source_body",
        ),
        "email": ("User email", "Contact email", "Email", "email"),
        "name": ("User name", "Contact name", "Name"),
        "contact_ref": ("User ID", "External ID", "external_id"),
        "account_ref": ("Company ID", "company_id"),
        "account_name": ("Company name", "Company"),
        "tags": ("Conversation tags", "Tags"),
        "url": ("Conversation URL",),
    },
)

SALESFORCE_CASES = ExportFormat(
    tool="salesforce",
    holds="cases",
    title="Salesforce Case export (report or Data Loader)",
    columns={
        "id": ("Case ID", "Id", "Case Number", "CaseNumber"),
        "created": ("Date/Time Opened", "Opened Date", "CreatedDate"),
        "subject": ("Subject",),
        "text": ("Description",),
        "email": ("Contact Email", "SuppliedEmail", "Web Email", "ContactEmail"),
        "name": ("Contact Name", "SuppliedName", "Web Name"),
        "contact_ref": ("Contact ID", "ContactId"),
        "account_ref": ("Account ID", "AccountId"),
        "account_name": ("Account Name",),
        "tags": ("Type", "Case Reason", "Reason"),
    },
)

GONG_CALLS = ExportFormat(
    tool="gong",
    holds="calls",
    title="Sales call notes (Gong-style CSV)",
    columns={
        "id": ("Call ID", "Id"),
        "created": ("Date", "Call date", "Started", "Scheduled"),
        "subject": ("Title", "Call title", "Call name"),
        "text": ("Brief", "Call brief", "Highlights", "Notes", "Key points", "Transcript"),
        "email": ("Customer email", "Participant email", "External participant email"),
        "name": ("Customer name", "External participants"),
        "account_ref": ("CRM account ID", "Salesforce account ID", "Account ID"),
        "account_name": ("Account", "Account name", "Company"),
        "url": ("Call URL", "Link"),
    },
)

GOOGLE_PLAY_REVIEWS = ExportFormat(
    tool="google_play",
    holds="reviews",
    title="Google Play reviews (Play Console CSV/XLSX)",
    columns={
        "id": ("Review Link", "Review ID", "ID"),
        "created": ("Review Submit Date and Time", "Review Last Update Date and Time", "Date"),
        "subject": ("Review Title",),
        "text": ("Review Text", "review", "Review", "content"),
        "name": ("Reviewer", "userName", "Reviewer Name"),
        "rating": ("Star Rating", "score", "Rating"),
        "url": ("Review Link",),
    },
)

FEEDBACK_FORMATS = {
    "zendesk": ZENDESK_TICKETS,
    "intercom": INTERCOM_CONVERSATIONS,
    "salesforce": SALESFORCE_CASES,
    "gong": GONG_CALLS,
    "app_review": GOOGLE_PLAY_REVIEWS,
}
