"""Which connector class reads each kind of source."""

from greenroom.sources.choices import SourceKind
from greenroom.sources.connectors.base import Connector
from greenroom.sources.connectors.billing import (
    BillingChargesConnector,
    BillingSubscriptionsConnector,
    RecurlySubscriptionsConnector,
)
from greenroom.sources.connectors.business import (
    CostsConnector,
    FxRatesConnector,
    HeadcountConnector,
    HubSpotConnector,
    SalesforceConnector,
)
from greenroom.sources.connectors.events import (
    AmplitudeConnector,
    PostHogConnector,
    SegmentConnector,
)
from greenroom.sources.connectors.stripe import StripeFilesConnector
from greenroom.sources.connectors.stripe_api import StripeApiConnector

CONNECTORS: dict[str, type[Connector]] = {
    SourceKind.SEGMENT: SegmentConnector,
    SourceKind.AMPLITUDE: AmplitudeConnector,
    SourceKind.POSTHOG: PostHogConnector,
    SourceKind.STRIPE_FILES: StripeFilesConnector,
    SourceKind.COSTS: CostsConnector,
    SourceKind.HEADCOUNT: HeadcountConnector,
    SourceKind.SALESFORCE: SalesforceConnector,
    SourceKind.HUBSPOT: HubSpotConnector,
    SourceKind.FX_RATES: FxRatesConnector,
    SourceKind.STRIPE_API: StripeApiConnector,
    SourceKind.BILLING_CHARGES: BillingChargesConnector,
    SourceKind.BILLING_LINES: BillingSubscriptionsConnector,
    SourceKind.RECURLY: RecurlySubscriptionsConnector,
}

# Billing exports, also read from .gz, .zip and .xlsx files.
BILLING_KINDS = frozenset(
    {
        SourceKind.BILLING_CHARGES,
        SourceKind.BILLING_LINES,
        SourceKind.RECURLY,
    }
)
FILE_KINDS = frozenset(kind for kind in CONNECTORS if kind != SourceKind.STRIPE_API)
TABULAR_KINDS = frozenset(
    {
        SourceKind.COSTS,
        SourceKind.HEADCOUNT,
        SourceKind.SALESFORCE,
        SourceKind.HUBSPOT,
        SourceKind.FX_RATES,
        SourceKind.POSTHOG,
        *BILLING_KINDS,
    }
)


def connector_for(kind: str) -> type[Connector]:
    """The connector class of a source kind."""
    return CONNECTORS[kind]
