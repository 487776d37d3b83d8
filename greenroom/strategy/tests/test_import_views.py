import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from greenroom.organisation.models import Person, Team
from greenroom.strategy.horizons import horizon_read
from greenroom.strategy.models import RoadmapImport, RoadmapItem
from greenroom.strategy.tests.jira_server import FIXTURES

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(personas):
    team = Team.objects.create(workspace=personas.workspace, name="Invoicing")
    Person.objects.create(
        workspace=personas.workspace, name="PM", email=personas.pm.email, team=team
    )
    return team


def test_a_pm_uploads_maps_with_a_preview_and_imports(personas, client, team):
    client.force_login(personas.pm)
    data = (FIXTURES / "payments_roadmap_2026.csv").read_bytes()
    upload = SimpleUploadedFile("payments.csv", data)
    response = client.post(
        reverse("strategy:roadmap_imports"),
        {"team": team.pk, "kind": "spreadsheet", "file": upload},
    )
    run = RoadmapImport.objects.get()
    assert response.url == reverse("strategy:roadmap_import", args=[run.pk])
    page = client.get(response.url)
    html = page.content.decode()
    assert 'id="preview"' in html and "Invoice PDF redesign" in html
    assert '<option value="Feature" selected>' in html  # the suggested title column
    assert "Jira, Stakeholder" in html  # kept as notes
    lands = horizon_read("2027-Q1", ["Now", "Next", "Later"], timezone.localdate())
    assert f'<td class="nowrap">{lands.column} (2027-Q1)</td>' in html  # where a row goes
    mapping = {"title": "Feature", "horizon": "Quarter", "status": "Status", "owner": "Owner",
               "problem": "Problem", "impact": "Impact", "confidence": "Confidence"}  # fmt: skip
    done = client.post(response.url, mapping, follow=True)
    html = done.content.decode()
    assert "4 new, 0 updated, 0 unchanged" in html and 'id="follow-up"' in html
    assert RoadmapItem.objects.filter(team=team).count() == 4
    follow = client.get(reverse("strategy:roadmap_follow_up")).content.decode()
    assert "Multi-currency payouts" in follow


def test_a_rejected_file_shows_its_problems_and_saves_nothing(personas, client, team):
    client.force_login(personas.ops)
    data = (FIXTURES / "payments_roadmap_2026.csv").read_bytes().replace(b",80%,", b",very,")
    client.post(
        reverse("strategy:roadmap_imports"),
        {"team": team.pk, "kind": "spreadsheet", "file": SimpleUploadedFile("p.csv", data)},
    )
    run = RoadmapImport.objects.get()
    url = reverse("strategy:roadmap_import", args=[run.pk])
    page = client.post(url, {"title": "Feature", "confidence": "Confidence"}, follow=True)
    assert "is not a confidence" in page.content.decode()
    assert not RoadmapItem.objects.exists()


def test_others_cannot_import_into_a_team_or_see_its_upload(personas, client, team):
    other = Team.objects.create(workspace=personas.workspace, name="Growth")
    client.force_login(personas.pm)
    upload = SimpleUploadedFile("p.csv", b"Feature\nA\n")
    page = client.post(
        reverse("strategy:roadmap_imports"),
        {"team": other.pk, "kind": "spreadsheet", "file": upload},
    )
    assert page.status_code == 200 and not RoadmapImport.objects.exists()  # not a choice
    client.force_login(personas.viewer)
    assert client.get(reverse("strategy:roadmap_imports")).status_code == 403
    client.force_login(personas.ops)
    client.post(
        reverse("strategy:roadmap_imports"),
        {
            "team": other.pk,
            "kind": "spreadsheet",
            "file": SimpleUploadedFile("p.csv", b"Feature\nA\n"),
        },
    )
    run = RoadmapImport.objects.get()
    client.force_login(personas.pm)
    assert client.get(reverse("strategy:roadmap_import", args=[run.pk])).status_code == 403
