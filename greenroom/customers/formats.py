"""Which column of an export holds which field: the fields of each kind of customer import,
the Salesforce and HubSpot presets (their exports are defined once, in
``greenroom.lib.imports.formats``), and guesses for any other file that the person
importing confirms in the mapping step.
"""

from greenroom.customers.choices import ImportFormat, ImportKind
from greenroom.lib.imports.columns import TargetField, column_key, column_match
from greenroom.lib.imports.formats import export_format

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

# The exports a preset reads: each defined once, shared with the CRM source connectors.
PRESETS = {ImportFormat.SALESFORCE: "salesforce", ImportFormat.HUBSPOT: "hubspot"}


def _preset_aliases(format: str, kind: str, field: str) -> tuple[str, ...]:
    export = export_format(PRESETS[ImportFormat(format)], kind)
    return export.aliases(field) if export else ()


def mapping_guess(*, kind: str, format: str, headers: list[str]) -> dict[str, str]:
    """Field name → column for the columns a preset (or, for other files, the field's own
    name, label or any preset alias) recognises."""
    mapping = {}
    for target in FIELDS[kind]:
        if format in PRESETS:
            aliases = list(_preset_aliases(format, kind, target.name))
        else:
            aliases = [target.name, target.label]
            for preset in PRESETS:
                aliases += _preset_aliases(preset, kind, target.name)
        column = column_match(headers, aliases)
        if column is not None:
            mapping[target.name] = column
    return mapping


def format_detect(headers: list[str]) -> str:
    """Whose export a header row looks like."""
    names = {column_key(header) for header in headers}
    if names & {"accountid", "contactid"} and "recordid" not in names:
        return ImportFormat.SALESFORCE
    if "recordid" in names:
        return ImportFormat.HUBSPOT
    return ImportFormat.GENERIC
