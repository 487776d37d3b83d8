import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from greenroom.accounts.models import AuditEvent
from greenroom.lib.imports.report import ImportRejected
from greenroom.lib.imports.values import BadValue
from greenroom.organisation.models import Team
from greenroom.strategy import importing, services
from greenroom.strategy.horizons import Horizon, horizon_read, quarter_end
from greenroom.strategy.models import RoadmapImport, RoadmapItem
from greenroom.strategy.tests.jira_server import FIXTURES

pytestmark = pytest.mark.django_db
# A Monday in the third quarter of 2026: Q3 is "now".
TODAY = date(2026, 8, 10)
COLUMNS = ["Now", "Next", "Later"]


@pytest.mark.parametrize(
    ("value", "column", "quarter"),
    [
        ("Q3", "Now", "2026-Q3"),  # this quarter
        ("Q4", "Next", "2026-Q4"),
        ("Q1", "Later", "2027-Q1"),  # Q1 is over this year: next year's
        ("2026-Q1", "Now", "2026-Q1"),  # a past quarter is now (and late)
        ("Q1 2027", "Later", "2027-Q1"),
        ("Q4/26", "Next", "2026-Q4"),
        ("H2", "Now", "2026-Q3"),  # the second half's first quarter not yet over
        ("H1", "Later", "2027-Q1"),
        ("2027-H2", "Later", "2027-Q3"),
        ("2026-11-15", "Next", "2026-Q4"),
        ("15/11/2026", "Next", "2026-Q4"),
        ("Nov 2026", "Next", "2026-Q4"),
        ("now", "Now", ""),
        ("Soon", "Next", ""),
        ("Backlog", "Later", ""),
        ("", "Later", ""),
    ],
)
def test_it_reads_horizons_by_the_documented_rule(value, column, quarter):
    assert horizon_read(value, COLUMNS, TODAY) == Horizon(column, quarter)


def test_it_spreads_quarters_over_more_columns_and_matches_column_names():
    columns = ["This quarter", "Q4 2026", "Next quarter", "Later", "Someday"]
    assert horizon_read("q4 2026", columns, TODAY) == Horizon("Q4 2026")
    # Two quarters out: the third column; five out: the last.
    assert horizon_read("2027-Q1", columns, TODAY).column == "Next quarter"
    assert horizon_read("2027-Q4", columns, TODAY).column == "Someday"
    assert horizon_read("Later", columns, TODAY).column == "Later"


def test_it_refuses_a_horizon_that_names_no_time():
    with pytest.raises(BadValue, match=r"'whenever' is not a column"):
        horizon_read("whenever", COLUMNS, TODAY)


def test_quarter_end_is_the_last_day_of_the_quarter():
    assert [quarter_end(f"2026-Q{q}") for q in (1, 2, 3, 4)] == [
        date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)
    ]  # fmt: skip


def test_it_suggests_mappings_from_header_names():
    headers = ["Feature", "Quarter", "Status", "Owner", "Problem", "Impact", "Confidence", "Jira"]
    guess = importing.mapping_guess(headers)
    assert guess == {
        "title": "Feature", "horizon": "Quarter", "status": "Status", "owner": "Owner",
        "problem": "Problem", "impact": "Impact", "confidence": "Confidence",
    }  # fmt: skip


@pytest.fixture
def team(personas):
    return Team.objects.create(workspace=personas.workspace, name="Invoicing")


def _import(personas, team, name, mapping=None, data=None):
    data = data if data is not None else (FIXTURES / name).read_bytes()
    return importing.roadmap_import(
        actor=personas.ops, workspace=personas.workspace, team=team, name=name,
        stream=io.BytesIO(data), mapping=mapping, today=TODAY,
    )  # fmt: skip


def test_it_imports_a_teams_spreadsheet_into_the_template(personas, team):
    outcome = _import(personas, team, "payments_roadmap_2026.csv")
    assert (outcome.report.created, outcome.report.updated) == (4, 0)
    items = {i.title: i for i in RoadmapItem.objects.filter(team=team)}
    pdf = items["Invoice PDF redesign"]
    assert (pdf.column, pdf.target_quarter, pdf.status) == ("Now", "2026-Q3", "in_progress")
    assert pdf.revenue_unlocked == Decimal("120000.00") and pdf.confidence == 80
    assert pdf.notes == "Owner: Marco\nJira: PAY-101\nStakeholder: Finance"
    dunning = items["Dunning emails"]
    assert (dunning.column, dunning.status, dunning.confidence) == ("Next", "planned", 60)
    payouts = items["Multi-currency payouts"]
    assert (payouts.column, payouts.status) == ("Later", "proposed")
    assert payouts.impact_score == 2.0 and payouts.revenue_unlocked is None
    assert payouts.confidence == 20
    assert items["Self-serve refunds"].status == "done"
    # No goal nor evidence in any of these sheets: every item is listed for follow-up.
    assert {item.title: missing for item, missing in outcome.follow_up}["Dunning emails"] == [
        "goal", "evidence"
    ]  # fmt: skip
    assert len(outcome.follow_up) == 4


def test_it_names_the_importer_in_each_items_history(personas, team):
    _import(personas, team, "payments_roadmap_2026.csv")
    item = RoadmapItem.objects.get(title="Dunning emails")
    event = AuditEvent.objects.get(object_type="strategy.roadmapitem", object_id=str(item.pk))
    assert event.actor == personas.ops and event.action == "roadmap_item.create"


def test_reimporting_the_same_file_changes_nothing(personas, team):
    _import(personas, team, "payments_roadmap_2026.csv")
    again = _import(personas, team, "payments_roadmap_2026.csv")
    assert (again.report.created, again.report.updated, again.report.unchanged) == (0, 0, 4)
    assert RoadmapItem.objects.filter(team=team).count() == 4


def test_a_changed_row_updates_its_item(personas, team):
    _import(personas, team, "payments_roadmap_2026.csv")
    data = (FIXTURES / "payments_roadmap_2026.csv").read_text().replace("Q4,Committed", "Q4,WIP")
    again = _import(personas, team, "payments_roadmap_2026.csv", data=data.encode())
    assert (again.report.updated, again.report.unchanged) == (1, 3)
    assert RoadmapItem.objects.get(title="Dunning emails").status == "in_progress"


def test_rows_name_their_team_and_ids_key_them(personas, team):
    growth = Team.objects.create(workspace=personas.workspace, name="Growth")
    outcome = _import(personas, team, "platform_roadmap.csv")
    assert outcome.report.created == 3
    retire = RoadmapItem.objects.get(source_key="PLT-2")
    assert (retire.team, retire.column, retire.target_quarter) == (growth, "Later", "2027-Q1")
    search = RoadmapItem.objects.get(source_key="PLT-1")
    assert search.cost_reduced == Decimal("80000.00") and search.column == "Next"
    assert RoadmapItem.objects.get(source_key="PLT-3").effort == 1.5
    # Renamed in the sheet, same id: the same item.
    data = (FIXTURES / "platform_roadmap.csv").read_text().replace("SSO for admins", "SSO")
    _import(personas, team, "platform_roadmap.csv", data=data.encode())
    assert RoadmapItem.objects.get(source_key="PLT-3").title == "SSO"


def test_a_bad_value_stops_the_import_naming_file_row_and_column(personas, team):
    data = (FIXTURES / "payments_roadmap_2026.csv").read_text()
    data = data.replace(",80%,", ",very,").replace(",Q4,", ",whenever,")
    with pytest.raises(ImportRejected) as rejected:
        _import(personas, team, "payments_roadmap_2026.csv", data=data.encode())
    assert rejected.value.messages[0].startswith(
        "payments_roadmap_2026.csv, row 2, Confidence: 'very' is not a confidence"
    )
    assert rejected.value.messages[1].startswith(
        "payments_roadmap_2026.csv, row 3, Quarter: 'whenever' is not a column"
    )
    assert not RoadmapItem.objects.exists()


def test_it_refuses_an_empty_file_and_a_merged_title_row(personas, team):
    with pytest.raises(ValidationError, match=r"empty.csv: the first row must name the columns"):
        _import(personas, team, "empty.csv", data=b"")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Payments roadmap 2026", None, None])
    sheet.merge_cells("A1:C1")
    sheet.append(["Feature", "Quarter", "Status"])
    sheet.append(["Dunning", "Q4", "Planned"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(
        ValidationError,
        match=r"sheet.xlsx: row 1 has a single cell \('Payments roadmap 2026'\): a title",
    ):
        _import(personas, team, "sheet.xlsx", data=buffer.getvalue())
    with pytest.raises(ImportRejected, match=r"no rows to import"):
        _import(personas, team, "header.csv", data=b"Feature,Quarter\n")


def test_it_reads_an_xlsx_with_a_mapping_given(personas, team):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Epic", "Now/Next/Later", "Expected impact", "Confidence", "Due"])
    sheet.append(["Usage-based billing", "Next", 300000, "Medium", date(2026, 12, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    mapping = {"title": "Epic", "horizon": "Now/Next/Later", "impact": "Expected impact",
               "confidence": "Confidence"}  # fmt: skip
    _import(personas, team, "growth.xlsx", mapping=mapping, data=buffer.getvalue())
    item = RoadmapItem.objects.get()
    assert (item.column, item.revenue_unlocked, item.confidence) == (
        "Next", Decimal("300000.00"), 50
    )  # fmt: skip
    assert item.notes == "Due: 2026-12-01"


def test_a_mapping_naming_no_such_column_is_refused(personas, team):
    with pytest.raises(ImportRejected, match=r"Headline: no such column in the file"):
        _import(personas, team, "payments_roadmap_2026.csv", mapping={"title": "Headline"})


def test_the_upload_is_kept_for_its_mapping_then_imported(personas, team):
    upload = SimpleUploadedFile(
        "payments.csv", (FIXTURES / "payments_roadmap_2026.csv").read_bytes()
    )
    run = importing.upload_keep(
        actor=personas.ops, workspace=personas.workspace, team=team, kind="spreadsheet",
        upload=upload,
    )  # fmt: skip
    headers, rows = importing.preview(run)
    assert headers[0] == "Feature" and rows[0]["Feature"] == "Invoice PDF redesign"
    outcome = importing.run_import(
        actor=personas.ops, run=run, mapping=importing.mapping_guess(headers)
    )
    run.refresh_from_db()
    assert run.status == "done" and run.report["created"] == 4 and not run.stored_path
    assert outcome.report.created == 4
    assert AuditEvent.objects.filter(action="roadmap.import", actor=personas.ops).exists()
    assert RoadmapImport.objects.get().filename == "payments.csv"


def test_follow_up_lists_imported_items_missing_template_fields(personas, team):
    _import(personas, team, "payments_roadmap_2026.csv")
    services.roadmap_template_save(
        actor=personas.ops, workspace=personas.workspace, data={"required": ["problem"]}
    )
    found = importing.follow_up(workspace=personas.workspace)
    assert [(i.title, missing) for i, missing in found] == [("Multi-currency payouts", ["problem"])]


def test_the_command_imports_a_file_and_lists_follow_up(personas, team):
    out = io.StringIO()
    call_command(
        "roadmap_import", str(FIXTURES / "payments_roadmap_2026.csv"),
        "--workspace", personas.workspace.slug, "--team", "invoicing", stdout=out,
    )  # fmt: skip
    assert "4 new, 0 updated, 0 unchanged" in out.getvalue()
    assert "needs follow-up: Dunning emails (missing goal, evidence)" in out.getvalue()
    with pytest.raises(CommandError, match="No team named 'Nope'"):
        call_command("roadmap_import", "x.csv", "--workspace", personas.workspace.slug,
                     "--team", "Nope")  # fmt: skip


def test_a_title_of_the_longest_length_is_a_key_that_fits(personas, team):
    title = "x" * 300
    _import(personas, team, "long.csv", data=f"Title\n{title}\n".encode())
    again = _import(personas, team, "long.csv", data=f"Title\n{title}\n".encode())
    assert again.report.unchanged == 1 and len(RoadmapItem.objects.get().source_key) == 296
