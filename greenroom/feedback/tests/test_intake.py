"""Intake: matching to customers, idempotency, all-or-nothing, the real export shapes."""

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from greenroom.customers.models import Account, Contact
from greenroom.customers.tests.factories import make_org
from greenroom.feedback import importing, services
from greenroom.feedback.choices import MatchMethod, SourceKind
from greenroom.feedback.models import FeedbackItem, Tag
from greenroom.lib.imports.report import ImportRejected

REVIEWS = Path(__file__).resolve().parents[4] / "shared" / "data" / "app_reviews_labelled_8000.xlsx"
WHEN = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def customers(personas):
    ws = personas.workspace
    org = make_org(ws)
    acme = Account.objects.create(
        workspace=ws,
        name="Acme",
        domain="acme.com",
        salesforce_id="001A",
        segment=org.mid,
        market=org.dach,
        crm_arr=Decimal("120000"),
    )
    globex = Account.objects.create(
        workspace=ws,
        name="Globex",
        domain="globex.io",
        hubspot_id="H9",
        segment=org.ent,
        market=org.us,
        crm_arr=Decimal("300000"),
    )
    jane = Contact.objects.create(
        workspace=ws,
        account=acme,
        first_name="Jane",
        last_name="Doe",
        email="jane@acme.com",
        external_id="C-1",
    )
    return {"acme": acme, "globex": globex, "jane": jane, "org": org}


def _record(source_id: str, **fields) -> dict:
    return {
        "source_kind": SourceKind.API,
        "source_id": source_id,
        "received_at": WHEN,
        "text": "It would help to export reports to Excel.",
        **fields,
    }


def _ingest(personas, records):
    return services.feedback_ingest(
        actor=personas.ops, workspace=personas.workspace, records=records, source="test"
    )


def test_it_matches_by_email_external_id_and_domain_and_keeps_the_unmatched(personas, customers):
    records = [
        _record("1", author_email="Jane@Acme.com"),
        _record("2", customer_ref="H9"),
        _record("3", customer_ref="C-1"),
        _record("4", author_email="bob@globex.io"),
        _record("5", author_email="someone@gmail.com"),
        _record("6", author_email="x@unknown.example"),
    ]
    _ingest(personas, records)
    items = {i.source_id: i for i in FeedbackItem.objects.for_workspace(personas.workspace)}
    assert (items["1"].contact, items["1"].account, items["1"].match_method) == (
        customers["jane"],
        customers["acme"],
        MatchMethod.CONTACT_EMAIL,
    )
    assert (items["2"].account, items["2"].match_method) == (customers["globex"], "external_id")
    assert items["3"].contact == customers["jane"]
    assert (items["4"].account, items["4"].match_method) == (customers["globex"], "email_domain")
    for key in ("5", "6"):
        assert items[key].account is None and items[key].match_method == "unmatched"


def test_it_is_idempotent_by_source_and_source_id(personas, customers):
    first = _ingest(personas, [_record("1"), _record("2")])
    again = _ingest(personas, [_record("1", text="changed"), _record("3")])
    assert (first.report.created, again.report.created, again.report.unchanged) == (2, 1, 1)
    assert again.items[0] == (first.items[0][0], False)
    assert FeedbackItem.objects.get(source_id="1").text.startswith("It would help")


def test_it_rejects_a_bad_request_whole_and_names_every_bad_item(personas, customers):
    records = [_record("1"), _record("", text=""), _record("3", text="x" * 100_001)]
    with pytest.raises(ImportRejected) as rejected:
        _ingest(personas, records)
    messages = " ".join(rejected.value.messages)
    assert "row 1, source_id" in messages and "row 1, text" in messages
    assert "row 2, text: 100,001 characters" in messages
    assert not FeedbackItem.objects.exists()


def test_it_keeps_html_as_given(personas, customers):
    text = "<script>alert(1)</script> export please"
    _ingest(personas, [_record("1", text=text)])
    assert FeedbackItem.objects.get().text == text


def test_it_applies_taxonomy_tags_named_by_source_tags_or_synonyms(personas, customers):
    tag = services.tag_save(
        actor=personas.ops, workspace=personas.workspace, name="Exports", synonyms="excel, csv"
    )
    _ingest(personas, [_record("1", source_tags="billing, Excel"), _record("2")])
    assert list(FeedbackItem.objects.get(source_id="1").tags.all()) == [tag]
    assert not FeedbackItem.objects.get(source_id="2").tags.exists()


def test_it_refuses_a_synonym_another_tag_has(personas):
    services.tag_save(
        actor=personas.ops, workspace=personas.workspace, name="Exports", synonyms="excel"
    )
    with pytest.raises(ValidationError):
        services.tag_save(
            actor=personas.ops, workspace=personas.workspace, name="Sheets", synonyms="Excel"
        )
    assert Tag.objects.count() == 1


ZENDESK_CSV = (
    "Id,Requester,Requester email,Organization,Subject,Tags,Status,Via,Created at,Description\r\n"
    '101,Jane Doe,jane@acme.com,Acme,Exports,"excel,reports",open,Web,2026-01-05 10:22:01 +0000,'
    '"Please, export to Excel"\r\n'
    "102,Bob,bob@nowhere.example,,Slow,,open,Mail,2026-01-06T08:00:00Z,It is slow\r\n"
)


def test_it_imports_a_zendesk_csv_export(personas, customers):
    ingested = importing.feedback_import(
        actor=personas.ops,
        workspace=personas.workspace,
        source_kind="zendesk",
        name="tickets.csv",
        stream=io.BytesIO(ZENDESK_CSV.encode()),
    )
    assert ingested.report.created == 2
    item = FeedbackItem.objects.get(source_id="101")
    assert item.account == customers["acme"] and item.text == "Please, export to Excel"
    assert item.received_at == datetime(2026, 1, 5, 10, 22, 1, tzinfo=UTC)
    assert item.extra["Status"] == "open"
    again = importing.feedback_import(
        actor=personas.ops,
        workspace=personas.workspace,
        source_kind="zendesk",
        name="tickets.csv",
        stream=io.BytesIO(ZENDESK_CSV.encode()),
    )
    assert (again.report.created, again.report.unchanged) == (0, 2)


def test_it_imports_the_zendesk_tickets_api_json_with_side_loads(personas, customers):
    document = {
        "tickets": [
            {
                "id": 7,
                "subject": "SSO",
                "description": "We need SAML",
                "requester_id": 5,
                "organization_id": 9,
                "created_at": "2026-02-01T09:00:00Z",
                "tags": ["sso"],
                "via": {"channel": "email"},
            }
        ],
        "users": [{"id": 5, "name": "Jane", "email": "jane@acme.com"}],
        "organizations": [{"id": 9, "name": "Acme"}],
    }
    importing.feedback_import(
        actor=personas.ops,
        workspace=personas.workspace,
        source_kind="zendesk",
        name="tickets.json",
        stream=io.BytesIO(json.dumps(document).encode()),
    )
    item = FeedbackItem.objects.get()
    assert (item.source_id, item.contact, item.source_tags) == ("7", customers["jane"], "sso")


def test_it_reports_a_bad_date_at_its_row_and_column(personas, customers):
    bad = ZENDESK_CSV.replace("2026-01-06T08:00:00Z", "yesterday")
    with pytest.raises(ImportRejected) as rejected:
        importing.feedback_import(
            actor=personas.ops,
            workspace=personas.workspace,
            source_kind="zendesk",
            name="tickets.csv",
            stream=io.BytesIO(bad.encode()),
        )
    assert "tickets.csv, row 3, Created at: 'yesterday' is not a date" in rejected.value.messages[0]
    assert not FeedbackItem.objects.exists()


def test_it_imports_salesforce_cases_gong_calls_and_play_reviews(personas, customers):
    files = {
        "salesforce": "Case Number,Subject,Description,Contact Email,Account ID,Date/Time Opened\n"
        "00001001,Audit,Need an audit log,,001A,1/15/2026 9:30 AM\n",
        "gong": "Call ID,Title,Date,Account,CRM account ID,Brief\n"
        "g-1,Renewal,2026-02-02,Globex,H9,They want SSO\n",
        "intercom": "Conversation ID,Created at,User email,Conversation first message\n"
        "ic-1,2026-02-03 10:00,jane@acme.com,Dark mode please\n",
        "app_review": "Package Name,Review Submit Date and Time,Star Rating,Review Text,"
        "Review Link\n"
        "com.x,2026-02-04T10:00:00Z,2,Crashes on start,https://play.google.com/r/1\n",
    }
    for kind, text in files.items():
        importing.feedback_import(
            actor=personas.ops,
            workspace=personas.workspace,
            source_kind=kind,
            name=f"{kind}.csv",
            stream=io.BytesIO(text.encode()),
        )
    items = {i.source_kind: i for i in FeedbackItem.objects.all()}
    assert items["salesforce"].account == customers["acme"]
    assert items["salesforce"].received_at == datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    assert items["gong"].account == customers["globex"]
    assert items["intercom"].contact == customers["jane"]
    assert (items["app_review"].rating, items["app_review"].account) == (2, None)


def test_it_refuses_a_file_without_a_text_column(personas):
    with pytest.raises(ImportRejected) as rejected:
        importing.feedback_import(
            actor=personas.ops,
            workspace=personas.workspace,
            source_kind="gong",
            name="calls.csv",
            stream=io.BytesIO(b"Call ID,Date\n1,2026-01-01\n"),
        )
    assert "no column holds the feedback's text" in rejected.value.messages[0]


@pytest.mark.skipif(not REVIEWS.exists(), reason=f"{REVIEWS} is not on this machine")
def test_it_imports_the_real_labelled_app_reviews_through_a_column_mapping(personas):
    with REVIEWS.open("rb") as stream:
        ingested = importing.feedback_import(
            actor=personas.ops,
            workspace=personas.workspace,
            source_kind="app_review",
            name=REVIEWS.name,
            stream=stream,
            mapping={"text": "review", "id": "ID", "tags": "label"},
        )
    assert ingested.report.created == 8000
    assert FeedbackItem.objects.filter(account__isnull=True).count() == 8000
    labels = set(FeedbackItem.objects.values_list("source_tags", flat=True))
    assert labels == {"bug report", "feature request", "user experience", "rating"}
