import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from greenroom.accounts.models import AuditEvent
from greenroom.customers import services
from greenroom.customers.models import Account, ArrSnapshot, ConsentRecord, Contact, Outreach
from greenroom.customers.tests.factories import make_org
from greenroom.lib.imports.report import ImportRejected

pytestmark = pytest.mark.django_db

SF_ACCOUNTS = (
    "Account ID,Account Name,Website,Billing Country,Employees,Industry,Type,Account Owner,"
    "Segment,Plan,ARR,Customer Success Manager,Strategic Account\r\n"
    "001A,Globex GmbH,https://www.globex.example/,DE,450,Manufacturing,Customer - Direct,"
    'Sam Seller,Mid-market,Business,"$120,000.00",Cora Success,1\r\n'
    "001B,Initech Ltd,initech.example,GB,40,Software,Customer - Channel,sam@acme.example,,Team,"
    "9000,,0\r\n"
)
SF_CONTACTS = (
    "Contact ID,Account ID,First Name,Last Name,Title,Email,Phone,Persona,Email Opt Out\r\n"
    "003A,001A,Greta,Gruber,IT Administrator,greta@globex.example,+49 30 1234,Admin,0\r\n"
    "003B,001A,Hans,Huber,CFO,hans@globex.example,,Executive,1\r\n"
    "003C,001B,Ivy,Irwin,Office admin,ivy@initech.example,,Admin,0\r\n"
)
HS_COMPANIES = (
    "Record ID,Company name,Company Domain Name,Country/Region,Number of Employees,"
    "Annual Recurring Revenue,Company owner,Lifecycle Stage\n"
    "9001,Hooli,hooli.example,United States,2500,500000,Sam Seller,customer\n"
)


@pytest.fixture
def org(personas):
    return make_org(personas.workspace)


def _import(personas, kind, name, text, **kwargs):
    return services.records_import(
        actor=personas.ops,
        workspace=personas.workspace,
        kind=kind,
        name=name,
        data=text.encode() if isinstance(text, str) else text,
        **kwargs,
    )


def test_it_imports_a_salesforce_account_export_into_the_organisation(personas, org):
    report = _import(personas, "accounts", "accounts.csv", SF_ACCOUNTS)
    assert (report.created, report.updated, report.problems) == (2, 0, [])
    globex = Account.objects.get(salesforce_id="001A")
    assert globex.domain == "globex.example"
    assert (globex.market, globex.region, globex.segment) == (org.dach, org.emea, org.mid)
    assert (globex.plan, globex.owner, globex.success_manager) == (org.business, org.rep, org.csm)
    assert globex.crm_arr == Decimal("120000.00")
    assert globex.notify_owner_before_contact is True
    assert globex.custom == {"Industry": "Manufacturing"} or globex.industry == "Manufacturing"
    initech = Account.objects.get(salesforce_id="001B")
    # No segment in the file: it follows from the employee count.
    assert (initech.segment, initech.market, initech.owner) == (org.smb, org.uk, org.rep)
    assert ArrSnapshot.objects.filter(account=globex, arr=Decimal("120000.00")).exists()
    assert AuditEvent.objects.filter(action="account.import").count() == 1


def test_it_changes_nothing_when_the_same_export_is_imported_again(personas, org):
    _import(personas, "accounts", "accounts.csv", SF_ACCOUNTS)
    _import(personas, "contacts", "contacts.csv", SF_CONTACTS)
    again = _import(personas, "accounts", "accounts.csv", SF_ACCOUNTS)
    contacts_again = _import(personas, "contacts", "contacts.csv", SF_CONTACTS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert (contacts_again.created, contacts_again.updated, contacts_again.unchanged) == (0, 0, 3)


def test_it_updates_changed_rows_and_records_the_arr_change(personas, org):
    _import(personas, "accounts", "accounts.csv", SF_ACCOUNTS)
    changed = SF_ACCOUNTS.replace("9000", "12000")
    report = _import(personas, "accounts", "accounts.csv", changed)
    assert (report.updated, report.unchanged) == (1, 1)
    initech = Account.objects.get(salesforce_id="001B")
    assert initech.crm_arr == Decimal("12000.00")
    assert initech.arr_history.get().arr == Decimal("12000.00")


def test_it_imports_salesforce_contacts_linked_to_their_accounts(personas, org):
    _import(personas, "accounts", "accounts.csv", SF_ACCOUNTS)
    report = _import(personas, "contacts", "contacts.csv", SF_CONTACTS)
    assert report.created == 3
    greta = Contact.objects.get(salesforce_id="003A")
    assert greta.account.name == "Globex GmbH"
    assert (greta.role, greta.email, greta.title) == (
        "admin",
        "greta@globex.example",
        "IT Administrator",
    )
    hans = Contact.objects.get(salesforce_id="003B")
    assert hans.do_not_contact is True
    assert "Email Opt Out" in hans.do_not_contact_reason


def test_it_imports_a_hubspot_company_export_with_country_names(personas, org):
    report = _import(personas, "accounts", "companies.csv", HS_COMPANIES)
    assert report.created == 1
    hooli = Account.objects.get(hubspot_id="9001")
    assert (hooli.market, hooli.segment, hooli.owner) == (org.us, org.ent, org.rep)
    assert hooli.lifecycle_stage == "customer"


def test_it_reports_every_bad_row_and_imports_nothing(personas, org):
    bad = SF_ACCOUNTS + (
        "001C,Bad Owner Inc,bad.example,DE,10,,,Nobody Known,,,100,,0\r\n"
        "001D,Nowhere Co,now.example,ZZ,10,,,Sam Seller,,,100,,0\r\n"
        "001E,Money Co,money.example,DE,lots,,,Sam Seller,Giant,,ten,,0\r\n"
        "001A,Dup,dup.example,DE,10,,,Sam Seller,,,,,0\r\n"
        "001F,Too,many,cells,1,2,3,4,5,6,7,8,9,10,11\r\n"
    )
    with pytest.raises(ImportRejected) as caught:
        _import(personas, "accounts", "accounts.csv", bad)
    errors = {(p.row, p.field): p.message for p in caught.value.report.problems}
    assert "not a person in the organisation" in errors[(4, "Account Owner")]
    assert "not a country" in errors[(5, "Billing Country")]
    assert "not a whole number" in errors[(6, "Employees")]
    assert "no segment named 'Giant'" in errors[(6, "Segment")]
    assert "not an amount" in errors[(6, "ARR")]
    assert "also on row 2" in errors[(7, "Account ID")]
    assert "15 values" in errors[(8, "(row)")]
    assert not Account.objects.exists()
    assert "accounts.csv, row 4, Account Owner" in caught.value.messages[0]


def test_it_rejects_contacts_with_invalid_emails_or_unknown_accounts(personas, org):
    _import(personas, "accounts", "accounts.csv", SF_ACCOUNTS)
    bad = SF_CONTACTS + (
        "003D,001A,Jo,Jones,Admin,not-an-email,,Admin,0\r\n003E,001Z,Kim,King,,k@k.example,,,0\r\n"
    )
    with pytest.raises(ImportRejected) as caught:
        _import(personas, "contacts", "contacts.csv", bad)
    errors = {(p.row, p.field): p.message for p in caught.value.report.problems}
    assert "not a valid email" in errors[(5, "Email")]
    assert "no account with the id '001Z'" in errors[(6, "Account ID")]
    assert not Contact.objects.exists()


def test_it_reports_a_file_that_is_not_utf8(personas, org):
    data = SF_ACCOUNTS.encode() + "001G,Caf\u00e9,,DE,1,,,Sam Seller,,,,,0\r\n".encode("latin-1")
    with pytest.raises(Exception, match="line 4 is not valid UTF-8"):
        _import(personas, "accounts", "accounts.csv", data)


def test_it_imports_a_generic_xlsx_with_a_confirmed_mapping(personas, org):
    book = Workbook()
    sheet = book.active
    sheet.append(["Customer", "Key", "Nation", "Headcount", "Tier", "Yearly value"])
    sheet.append(["Umbrella Corp", "U-1", "Austria", 300, "Mid-market", 45000.5])
    sheet.append(["Vandelay", "V-2", "US", 12, None, 1200])
    buffer = io.BytesIO()
    book.save(buffer)
    mapping = {
        "id": "Key",
        "name": "Customer",
        "country": "Nation",
        "employees": "Headcount",
        "segment": "Tier",
        "arr": "Yearly value",
    }
    report = _import(
        personas, "accounts", "accounts.xlsx", buffer.getvalue(), format="generic", mapping=mapping
    )
    assert report.created == 2
    umbrella = Account.objects.get(external_id="U-1")
    assert (umbrella.market, umbrella.segment) == (org.dach, org.mid)
    assert umbrella.crm_arr == Decimal("45000.50")
    assert Account.objects.get(external_id="V-2").segment == org.smb


def test_it_imports_versioned_consent_and_refuses_unknown_contacts(personas, org):
    _import(personas, "accounts", "accounts.csv", SF_ACCOUNTS)
    _import(personas, "contacts", "contacts.csv", SF_CONTACTS)
    consent = (
        "contact,kind,granted,given_at,method,source\n"
        "greta@globex.example,prototype_test,yes,2026-01-05,web_form,Research panel form\n"
        "003A,interview,yes,2026-01-05,call,QBR call\n"
        "greta@globex.example,prototype_test,no,2026-03-01,email,Reply to invite\n"
        "greta@globex.example,prototype_test,yes,2026-04-01,web_form,Research panel form\n"
    )
    report = _import(personas, "consent", "consent.csv", consent, format="generic")
    assert report.created == 4
    greta = Contact.objects.get(salesforce_id="003A")
    assert greta.consent_prototype_test and greta.consent_interview
    versions = ConsentRecord.objects.filter(contact=greta, kind="prototype_test")
    assert [v.granted for v in versions.order_by("version")] == [True, False, True]
    again = _import(personas, "consent", "consent.csv", consent, format="generic")
    assert (again.created, again.unchanged) == (0, 4)
    unknown = consent + "nobody@nowhere.example,survey,yes,2026-01-01,,\n"
    with pytest.raises(ImportRejected) as caught:
        _import(personas, "consent", "consent.csv", unknown, format="generic")
    assert caught.value.report.problems[0].row == 6
    assert "no contact with the email" in caught.value.report.problems[0].message


def test_it_imports_past_outreach_and_sets_last_contacted(personas, org):
    _import(personas, "accounts", "accounts.csv", SF_ACCOUNTS)
    _import(personas, "contacts", "contacts.csv", SF_CONTACTS)
    outreach = (
        "contact,kind,at,by,study,outcome\n"
        f"greta@globex.example,interview,2026-02-01T10:00:00Z,{personas.pm.email},Onboarding,completed\n"
        "greta@globex.example,survey,2026-05-01,Someone Gone,NPS Q2,no response\n"
    )
    report = _import(personas, "outreach", "outreach.csv", outreach, format="generic")
    assert report.created == 2
    greta = Contact.objects.get(salesforce_id="003A")
    assert greta.last_contacted_at.date().isoformat() == "2026-05-01"
    first = Outreach.objects.get(study="Onboarding")
    assert first.by == personas.pm and first.account == greta.account
    assert _import(personas, "outreach", "o.csv", outreach, format="generic").unchanged == 2


def test_a_contact_known_from_the_other_crm_by_email_gains_this_crms_id(personas, org):
    _import(personas, "accounts", "accounts.csv", SF_ACCOUNTS)
    _import(personas, "contacts", "contacts.csv", SF_CONTACTS)
    hubspot = (
        "Record ID,Associated Company,First Name,Last Name,Email\n"
        "501,Globex GmbH,Greta,Gruber,greta@globex.example\n"
        "502,Globex GmbH,Neu,Mann,neu@globex.example\n"
    )
    report = _import(personas, "contacts", "hubspot-contacts.csv", hubspot)
    assert (report.created, report.updated) == (1, 1)
    greta = Contact.objects.get(email="greta@globex.example")
    assert (greta.salesforce_id, greta.hubspot_id) == ("003A", "501")
    assert Contact.objects.count() == 4
