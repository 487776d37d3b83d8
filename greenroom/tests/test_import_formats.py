"""The Salesforce and HubSpot exports are defined once (greenroom/lib/imports/formats.py) and
both the customer importers and the CRM source connectors read their columns from there."""

import pytest

from greenroom.customers.choices import ImportFormat, ImportKind
from greenroom.customers.formats import FIELDS, mapping_guess
from greenroom.lib.imports import formats
from greenroom.sources.connectors.business import (
    CRM_COLUMNS,
    HubSpotConnector,
    SalesforceConnector,
)

CONNECTORS = [
    (SalesforceConnector, formats.SALESFORCE_ACCOUNTS),
    (HubSpotConnector, formats.HUBSPOT_COMPANIES),
]


@pytest.mark.parametrize(("connector", "export"), CONNECTORS)
def test_the_crm_connectors_read_the_shared_definition(connector, export):
    assert connector.export is export
    for column, field in CRM_COLUMNS.items():
        assert connector.fields[column][: len(export.aliases(field))] == export.aliases(field)


@pytest.mark.parametrize(
    ("format", "kind", "export"),
    [
        (ImportFormat.SALESFORCE, ImportKind.ACCOUNTS, formats.SALESFORCE_ACCOUNTS),
        (ImportFormat.SALESFORCE, ImportKind.CONTACTS, formats.SALESFORCE_CONTACTS),
        (ImportFormat.HUBSPOT, ImportKind.ACCOUNTS, formats.HUBSPOT_COMPANIES),
        (ImportFormat.HUBSPOT, ImportKind.CONTACTS, formats.HUBSPOT_CONTACTS),
    ],
)
def test_the_customer_presets_read_the_shared_definition(format, kind, export):
    # Each field's every header name, alone in a file, is recognised by the preset.
    for target in FIELDS[kind]:
        for header in export.aliases(target.name):
            guessed = mapping_guess(kind=kind, format=format, headers=[header])
            assert guessed.get(target.name) == header


@pytest.mark.parametrize(
    ("connector", "kind", "format", "headers"),
    [
        # Names only the connectors knew before the definitions were shared...
        (SalesforceConnector, ImportKind.ACCOUNTS, ImportFormat.SALESFORCE, ["Owner.Name"]),
        (HubSpotConnector, ImportKind.ACCOUNTS, ImportFormat.HUBSPOT, ["Domain"]),
        # ...and names only the customer importers knew.
        (HubSpotConnector, ImportKind.ACCOUNTS, ImportFormat.HUBSPOT, ["Customer Segment"]),
        (SalesforceConnector, ImportKind.ACCOUNTS, ImportFormat.SALESFORCE, ["Account Owner"]),
    ],
)
def test_a_name_either_side_accepted_is_accepted_by_both(connector, kind, format, headers):
    guessed = mapping_guess(kind=kind, format=format, headers=headers)
    (field,) = guessed
    column = next(name for name, f in CRM_COLUMNS.items() if f == field)
    assert headers[0] in connector.fields[column]


def test_the_owner_id_column_fills_the_store_but_not_a_customer_owner():
    # OwnerId holds a Salesforce user id: text in the store, never a person to look up.
    assert "OwnerId" in SalesforceConnector.fields["owner"]
    guessed = mapping_guess(
        kind=ImportKind.ACCOUNTS, format=ImportFormat.SALESFORCE, headers=["OwnerId"]
    )
    assert "owner" not in guessed
