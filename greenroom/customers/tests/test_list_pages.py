"""The account and contact lists: filters, sorting, pages and exports (with privacy)."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from greenroom.accounts.models import AuditEvent
from greenroom.customers.tests.factories import AccountFactory, ContactFactory, make_org

pytestmark = pytest.mark.django_db
ACCOUNTS = "/customers/accounts/"
CONTACTS = "/customers/contacts/"


@pytest.fixture
def org(personas):
    return make_org(personas.workspace)


@pytest.fixture
def accounts(personas, org):
    ws = personas.workspace
    return {
        "globex": AccountFactory(
            workspace=ws, name="Globex", segment=org.mid, market=org.dach, plan=org.business,
            owner=org.rep, crm_arr=Decimal("120000"), lifecycle_stage="customer",
        ),
        "initech": AccountFactory(
            workspace=ws, name="Initech", segment=org.smb, market=org.us, plan=org.team_plan,
            owner=org.csm, crm_arr=Decimal("8000"), lifecycle_stage="trial",
        ),
        "umbrella": AccountFactory(
            workspace=ws, name="Umbrella", segment=org.ent, market=org.uk, plan=org.business,
            owner=org.rep, crm_arr=None, lifecycle_stage="churned",
        ),
    }  # fmt: skip


def names(response) -> list[str]:
    body = response.content.decode()
    return sorted((n for n in ("Globex", "Initech", "Umbrella") if n in body), key=body.index)


def test_it_filters_accounts_by_segment_market_plan_owner_stage_and_arr(personas, org, accounts):
    client = personas.client(personas.viewer)
    assert names(client.get(ACCOUNTS, {"segment": org.mid.pk})) == ["Globex"]
    assert names(client.get(ACCOUNTS, {"market": org.us.pk})) == ["Initech"]
    assert names(client.get(ACCOUNTS, {"plan": org.business.pk})) == ["Globex", "Umbrella"]
    assert names(client.get(ACCOUNTS, {"owner": org.rep.pk})) == ["Globex", "Umbrella"]
    assert names(client.get(ACCOUNTS, {"lifecycle_stage": "trial"})) == ["Initech"]
    assert names(client.get(ACCOUNTS, {"arr_min": "10000"})) == ["Globex"]
    assert names(client.get(ACCOUNTS, {"arr_max": "10000"})) == ["Initech"]
    assert names(client.get(ACCOUNTS, {"q": "glo", "plan": org.business.pk})) == ["Globex"]


def test_it_ignores_a_bad_filter_and_says_so(personas, org, accounts):
    response = personas.client(personas.viewer).get(ACCOUNTS, {"arr_min": "lots", "segment": 0})
    assert response.status_code == 200
    assert names(response) == ["Globex", "Initech", "Umbrella"]
    assert "Enter a number." in response.content.decode()


def test_it_filters_contacts_by_their_account(personas, org, accounts):
    ContactFactory(account=accounts["globex"], last_name="Greta")
    ContactFactory(account=accounts["initech"], last_name="Ivan")
    client = personas.client(personas.viewer)
    body = client.get(CONTACTS, {"segment": org.smb.pk}).content.decode()
    assert "Ivan" in body and "Greta" not in body
    body = client.get(CONTACTS, {"arr_min": "100000"}).content.decode()
    assert "Greta" in body and "Ivan" not in body


def test_it_sorts_by_a_column_both_ways_with_aria_sort(personas, accounts):
    client = personas.client(personas.viewer)
    up = client.get(ACCOUNTS, {"sort": "arr"})
    assert names(up) == ["Initech", "Globex", "Umbrella"]  # no ARR last, both ways
    assert 'aria-sort="ascending"' in up.content.decode()
    assert f'href="{ACCOUNTS}?sort=-arr"' in up.content.decode()
    down = client.get(ACCOUNTS, {"sort": "-arr"})
    assert names(down) == ["Globex", "Initech", "Umbrella"]
    assert 'aria-sort="descending"' in down.content.decode()
    # A key the list does not offer falls back to the default order (by name).
    assert names(client.get(ACCOUNTS, {"sort": "workspace__name"})) == [
        "Globex", "Initech", "Umbrella"
    ]  # fmt: skip


def test_it_keeps_filters_and_sort_in_page_links_and_shows_the_page_count(personas, org):
    for number in range(120):
        AccountFactory(workspace=personas.workspace, name=f"Acct {number:03d}", segment=org.mid)
    client = personas.client(personas.viewer)
    body = client.get(ACCOUNTS, {"segment": org.mid.pk, "sort": "-name"}).content.decode()
    assert "Page 1 of 3" in body and "120 accounts matching the filters" in body
    assert f"{ACCOUNTS}?segment={org.mid.pk}&amp;sort=-name&amp;page=2" in body
    assert f"{ACCOUNTS}?segment={org.mid.pk}&amp;sort=-name&amp;page=3" in body  # last
    last = client.get(ACCOUNTS, {"segment": org.mid.pk, "sort": "-name", "page": 3})
    assert "Acct 000" in last.content.decode() and "Page 3 of 3" in last.content.decode()


def test_an_htmx_request_gets_only_the_list(personas, accounts):
    response = personas.client(personas.viewer).get(ACCOUNTS, {"q": "glo"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "Globex" in body and "Initech" not in body


def test_it_says_when_nothing_matches_and_offers_to_clear(personas, accounts):
    body = personas.client(personas.viewer).get(ACCOUNTS, {"q": "zzz"}).content.decode()
    assert "No account matches these filters" in body and "Clear the filters" in body


def test_it_exports_the_filtered_sorted_accounts_as_csv_and_xlsx(personas, org, accounts):
    client = personas.client(personas.viewer)
    response = client.get(ACCOUNTS, {"plan": org.business.pk, "sort": "-name", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["Account", "Segment", "Market", "Plan", "ARR", "Owner", "Contacts"]
    assert [row[0] for row in rows[1:]] == ["Umbrella", "Globex"]
    assert rows[2][4] == "120000.00"
    response = client.get(ACCOUNTS, {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)][1:] == [
        "Globex", "Initech", "Umbrella"
    ]  # fmt: skip


def test_an_export_neutralises_formulas(personas):
    AccountFactory(workspace=personas.workspace, name='=HYPERLINK("https://evil.example")')
    response = personas.client(personas.viewer).get(ACCOUNTS, {"export": "csv"})
    assert "'=HYPERLINK" in b"".join(response.streaming_content).decode()


@pytest.mark.parametrize(("role", "shown"), [("viewer", False), ("ops", True)])
def test_a_contact_export_shows_details_only_to_roles_allowed_and_is_audited(
    personas, accounts, role, shown
):
    contact = ContactFactory(account=accounts["globex"], email="greta@globex.example")
    ContactFactory(account=accounts["initech"])
    client = personas.client(getattr(personas, role))
    response = client.get(CONTACTS, {"q": "globex", "export": "csv"})
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-2:] == ["Email", "Phone"] and len(rows) == 2
    assert ("greta@globex.example" in text) is shown
    event = AuditEvent.objects.get(action="contact.export")
    assert event.detail["contacts"] == [contact.pk]
    assert event.detail["with_details"] is shown


def test_an_outsider_exports_nothing(personas, accounts):
    response = personas.client(personas.outsider).get(ACCOUNTS, {"export": "csv"})
    assert "Globex" not in b"".join(response.streaming_content).decode()
