import copy

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from greenroom.organisation import services
from greenroom.organisation.models import Market, Product, ProductArea, Team
from greenroom.organisation.services import organisation_import

pytestmark = pytest.mark.django_db

DOCUMENT = {
    "teams": [{"name": "Billing", "headcount_plan": 6}, {"name": "Growth"}],
    "people": [{"name": "Ana Lopez", "title": "Product Manager", "team": "Billing"}],
    "product-lines": [{"name": "Core", "owner_team": "Billing"}],
    "products": [
        {"name": "Ledger", "key": "ledger", "product_line": "Core", "launched_on": "2024-05-01"}
    ],
    "product-areas": [{"name": "Invoices", "product": "Ledger", "owner_team": "Billing"}],
    "regions": [{"name": "Europe", "code": "EMEA"}],
    "markets": [{"name": "DACH", "region": "Europe", "countries": "DE,AT,CH"}],
    "segments": [{"name": "SMB", "min_employees": 1, "max_employees": 99}],
    "plans": [{"name": "Team", "code": "team", "list_price_monthly": "79.00"}],
}


def test_it_imports_a_whole_organisation_with_references_by_name(personas):
    report = organisation_import(actor=None, workspace=personas.workspace, document=DOCUMENT)
    assert report.counts("created") == {
        "teams": 2,
        "people": 1,
        "product-lines": 1,
        "products": 1,
        "product-areas": 1,
        "regions": 1,
        "markets": 1,
        "segments": 1,
        "plans": 1,
    }
    area = ProductArea.objects.get(workspace=personas.workspace)
    assert (area.product.name, area.owner_team.name) == ("Ledger", "Billing")
    assert Market.objects.get().country_codes() == ["DE", "AT", "CH"]


def test_it_changes_nothing_when_the_same_document_is_imported_again(personas):
    organisation_import(actor=None, workspace=personas.workspace, document=DOCUMENT)
    report = organisation_import(actor=None, workspace=personas.workspace, document=DOCUMENT)
    assert report.counts("created") == {} and report.counts("updated") == {}
    assert report.unchanged == 10
    assert Team.objects.filter(workspace=personas.workspace).count() == 2


def test_it_updates_rows_matched_by_name(personas):
    organisation_import(actor=None, workspace=personas.workspace, document=DOCUMENT)
    changed = copy.deepcopy(DOCUMENT)
    changed["teams"][0]["headcount_plan"] = 9
    report = organisation_import(actor=None, workspace=personas.workspace, document=changed)
    assert report.counts("updated") == {"teams": 1}
    assert Team.objects.get(name="Billing").headcount_plan == 9


def test_it_reports_every_bad_row_by_place_and_imports_nothing(personas):
    broken = copy.deepcopy(DOCUMENT)
    broken["products"][0]["product_line"] = "Nope"
    broken["markets"][0]["colour"] = "green"
    broken["plans"].append({"code": "no-name"})
    with pytest.raises(ValidationError) as caught:
        organisation_import(
            actor=None, workspace=personas.workspace, document=broken, source="org.json"
        )
    messages = caught.value.messages
    assert "org.json: products[0].product_line: no product line named 'Nope'" in messages
    assert "org.json: markets[0].colour: unknown field" in messages
    assert "org.json: plans[1].name: is required" in messages
    assert not Team.objects.filter(workspace=personas.workspace).exists()


def test_it_rejects_unknown_sections_and_wrong_shapes(personas):
    with pytest.raises(ValidationError) as caught:
        organisation_import(
            actor=None,
            workspace=personas.workspace,
            document={"teams": {"name": "x"}, "widgets": [], "people": ["Ana"]},
        )
    assert caught.value.messages == [
        "document: unknown section 'widgets'",
        "document: 'teams' must be a list",
        "document: people[0]: must be an object with at least a 'name'",
    ]


def test_it_never_links_to_rows_of_another_workspace(personas):
    organisation_import(actor=None, workspace=personas.workspace, document=DOCUMENT)
    other = personas.outsider.memberships.get().workspace
    with pytest.raises(ValidationError, match="no product line named 'Core'"):
        organisation_import(
            actor=None, workspace=other, document={"products": DOCUMENT["products"]}
        )
    assert not Product.objects.filter(workspace=other).exists()


def test_it_checks_without_changing_anything_in_a_dry_run(personas):
    report = organisation_import(
        actor=None, workspace=personas.workspace, document=DOCUMENT, dry_run=True
    )
    assert report.counts("created")["teams"] == 2
    assert not Team.objects.filter(workspace=personas.workspace).exists()


def test_it_refuses_a_document_repeating_a_plan_code_by_place(personas):
    document = {"plans": [{"name": "Team", "code": "t"}, {"name": "Teams", "code": "t"}]}
    with pytest.raises(ValidationError) as caught:
        organisation_import(actor=None, workspace=personas.workspace, document=document)
    assert caught.value.messages == [
        "document: plans[1].code: another row of this document has this code"
    ]


def test_it_refuses_a_document_longer_than_one_import_takes(personas, monkeypatch):
    monkeypatch.setattr(services, "MAX_IMPORT_ROWS", 5)
    with pytest.raises(ValidationError, match="10 rows, more than the 5 one import takes"):
        organisation_import(actor=None, workspace=personas.workspace, document=DOCUMENT)
    assert not Team.objects.filter(workspace=personas.workspace).exists()


@pytest.mark.django_db(transaction=True)
def test_it_checks_every_row_before_it_takes_a_transaction(personas, monkeypatch):
    """Checks are most of an import's work: outside a transaction, other people's writes
    (SQLite: the one write lock) wait only for the save."""
    checked_in_transaction = []
    full_clean = Team.full_clean

    def watched(self, *args, **kwargs):
        checked_in_transaction.append(connection.in_atomic_block)
        return full_clean(self, *args, **kwargs)

    monkeypatch.setattr(Team, "full_clean", watched)
    organisation_import(actor=None, workspace=personas.workspace, document=DOCUMENT)
    assert checked_in_transaction == [False, False]
    assert Team.objects.filter(workspace=personas.workspace).count() == 2


def test_areas_of_two_new_products_may_share_a_name(personas):
    document = copy.deepcopy(DOCUMENT)
    document["products"].append({"name": "Payroll", "key": "payroll", "product_line": "Core"})
    document["product-areas"].append({"name": "Invoices", "product": "Payroll"})
    report = organisation_import(actor=None, workspace=personas.workspace, document=document)
    assert report.counts("created")["product-areas"] == 2
    assert ProductArea.objects.filter(name="Invoices").count() == 2
