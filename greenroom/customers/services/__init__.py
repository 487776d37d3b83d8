"""Writes to the customer database, one module per capability: ``imports`` (files and API
records; ``importing`` checks, saves and undoes one import), ``accounts``, ``contacts``,
``consent``, ``outreach`` (and reservations), ``privacy`` and ``merge``.

Every write takes the acting user, runs in a transaction and leaves an audit event; every
view or export of contact details is audited too (``contact_details_shown``). The services
are named here as well, so views, the API and tasks call ``services.<entity>_<verb>``
whichever module holds it.
"""

from greenroom.customers.services.accounts import account_set_rules
from greenroom.customers.services.consent import consent_set
from greenroom.customers.services.contacts import contact_set_preferences, quiet_period_add
from greenroom.customers.services.imports import (
    import_execute,
    import_recover,
    import_start,
    import_upload,
    records_import,
    records_upsert,
)
from greenroom.customers.services.merge import accounts_merge, contacts_merge
from greenroom.customers.services.outreach import (
    Reservation,
    outreach_log,
    outreach_set_outcome,
    participants_reserve,
    reserved_export,
)
from greenroom.customers.services.privacy import (
    contact_details_shown,
    contact_erase,
    contact_subject_access,
    contacts_exported,
)

__all__ = [
    "Reservation",
    "account_set_rules",
    "accounts_merge",
    "consent_set",
    "contact_details_shown",
    "contact_erase",
    "contact_set_preferences",
    "contact_subject_access",
    "contacts_exported",
    "contacts_merge",
    "import_execute",
    "import_recover",
    "import_start",
    "import_upload",
    "outreach_log",
    "outreach_set_outcome",
    "participants_reserve",
    "quiet_period_add",
    "records_import",
    "records_upsert",
    "reserved_export",
]
