"""The pages and the API: who may do what, notes rendered safely, exports with evidence,
share links viewers can open, the account panel, the registry entries."""

import pytest
from django.urls import reverse

from greenroom import registry
from greenroom.feedback import services as feedback_services
from greenroom.feedback.models import Opportunity
from greenroom.registry import EvidenceKind, OverviewCard, PackSection
from greenroom.research import services
from greenroom.research.models import Insight, Note, Study
from greenroom.research.tests.conftest import make_contact
from greenroom.testing.queries import max_queries

PAGES = ["research:studies", "research:insights", "research:search", "research:answered"]


@pytest.mark.parametrize("name", PAGES)
def test_it_shows_its_pages_to_members_and_sends_strangers_to_sign_in(personas, name):
    assert personas.client(personas.viewer).get(reverse(name)).status_code == 200
    assert personas.client(None).get(reverse(name)).status_code == 302


def test_it_keeps_another_workspaces_research_from_the_outsider(personas, study):
    note = services.note_create(actor=personas.pm, study=study, title="N", body="b")
    insight = services.insight_create(
        actor=personas.pm, workspace=personas.workspace, statement="S"
    )
    outsider = personas.client(personas.outsider)
    for url in (
        reverse("research:study", args=[study.pk]),
        reverse("research:note", args=[note.pk]),
        reverse("research:insight", args=[insight.pk]),
    ):
        assert outsider.get(url).status_code == 404


def test_it_lets_a_pm_create_a_study_and_not_a_viewer(personas):
    data = {"title": "Onboarding", "question": "Why do trials stall?", "method": "interview"}
    assert (
        personas.client(personas.viewer).post(reverse("research:study_new"), data).status_code
        == 403
    )
    response = personas.client(personas.pm).post(reverse("research:study_new"), data)
    study = Study.objects.get()
    assert response.status_code == 302 and study.owner == personas.pm


def test_it_uploads_a_transcript_and_renders_its_markdown_escaped(personas, study):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("call.md", b"# Call\n\n**Bold** <script>alert(1)</script>")
    client = personas.client(personas.pm)
    response = client.post(
        reverse("research:note_new", args=[study.pk]), {"kind": "transcript", "file": upload}
    )
    note = Note.objects.get()
    assert response.status_code == 302 and note.title == "call.md" and note.filename == "call.md"
    page = client.get(reverse("research:note", args=[note.pk])).content
    assert b"<strong>Bold</strong>" in page and b"<script>alert" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_names_the_file_when_an_upload_is_not_text(personas, study):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("deck.pdf", b"%PDF-1.4")
    response = personas.client(personas.pm).post(
        reverse("research:note_new", args=[study.pk]), {"kind": "note", "file": upload}, follow=True
    )
    assert b"deck.pdf: upload a text or Markdown file" in response.content
    assert not Note.objects.exists()


def test_it_highlights_from_the_note_page_for_pms_only(personas, study):
    note = services.note_create(actor=personas.pm, study=study, title="N", body="They need SSO.")
    url = reverse("research:note", args=[note.pk])
    assert personas.client(personas.viewer).post(url, {"passage": "need SSO"}).status_code == 403
    assert personas.client(personas.pm).post(url, {"passage": "need SSO"}).status_code == 302
    assert note.highlights.get().passage() == "need SSO"


def test_it_records_an_insight_with_its_evidence_from_the_form(personas, acme, study):
    note = services.note_create(actor=personas.pm, study=study, title="N", body="They need SSO.")
    highlight = services.highlight_create(actor=personas.pm, note=note, passage="need SSO", tags=[])
    item = feedback_services.feedback_create(
        actor=personas.pm, workspace=personas.workspace, text="SSO!", account=acme
    )
    data = {
        "study": study.pk,
        "statement": "Admins need SSO",
        "confidence": 3,
        "highlights": [highlight.pk],
        "feedback": f"#{item.pk}",
    }
    response = personas.client(personas.pm).post(reverse("research:insight_new"), data)
    insight = Insight.objects.get()
    assert response.status_code == 302
    assert list(insight.highlights.all()) == [highlight] and list(insight.feedback.all()) == [item]
    bad = personas.client(personas.pm).post(
        reverse("research:insight_new"), {**data, "feedback": "999999"}
    )
    assert b"No feedback item 999999 here." in bad.content


def test_it_exports_insights_with_their_evidence_as_csv_and_xlsx(personas, study):
    note = services.note_create(actor=personas.pm, study=study, title="Call", body="=cmd|x")
    highlight = services.highlight_create(actor=personas.pm, note=note, passage="=cmd|x", tags=[])
    services.insight_create(
        actor=personas.pm,
        workspace=personas.workspace,
        statement="=HYPERLINK(1)",
        highlights=[highlight],
        study=study,
    )
    client = personas.client(personas.viewer)
    csv = b"".join(client.get(reverse("research:insights"), {"export": "csv"}).streaming_content)
    assert b"Supporting passages" in csv and b"'=HYPERLINK(1)" in csv
    assert "“=cmd|x” (Call)".encode() in csv
    xlsx = client.get(reverse("research:insights"), {"export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_it_lists_insights_in_a_bounded_number_of_queries(personas, study):
    for n in range(15):
        services.insight_create(
            actor=personas.pm, workspace=personas.workspace, statement=f"Insight {n}", study=study
        )
    client = personas.client(personas.viewer)
    client.get(reverse("research:insights"))  # warm the session and caches
    with max_queries(16):
        assert client.get(reverse("research:insights")).status_code == 200


def test_a_viewer_opens_a_shared_insight_and_the_shared_opportunity_table(personas, acme):
    insight = services.insight_create(
        actor=personas.pm, workspace=personas.workspace, statement="S"
    )
    pm = personas.client(personas.pm)
    pm.post(reverse("research:share"), {"target": "insight", "insight": insight.pk})
    pm.post(reverse("research:share"), {"target": "opportunities"})
    Opportunity.objects.create(workspace=personas.workspace, title="Bulk export")
    links = {link.target: link for link in insight.share_links.model.objects.all()}
    viewer = personas.client(personas.viewer)
    page = viewer.get(reverse("research:shared", args=[links["insight"].token]))
    assert page.status_code == 200 and b"S" in page.content
    table = viewer.get(reverse("research:shared", args=[links["opportunities"].token]))
    assert table.status_code == 200 and b"Bulk export" in table.content
    assert (
        personas.client(personas.viewer)
        .post(reverse("research:share"), {"target": "opportunities"})
        .status_code
        == 403
    )
    outsider = personas.client(personas.outsider)
    assert (
        outsider.get(reverse("research:shared", args=[links["insight"].token])).status_code == 404
    )
    pm.post(reverse("research:share_revoke", args=[links["insight"].token]))
    assert viewer.get(reverse("research:shared", args=[links["insight"].token])).status_code == 404


def test_it_shows_the_accounts_research_involvement_on_the_account_page(personas, acme, study):
    ann = make_contact(acme, "Ann", consent_interview=True)
    services.participants_reserve(actor=personas.pm, study=study, contact_ids=[ann.pk])
    item = feedback_services.feedback_create(
        actor=personas.pm, workspace=personas.workspace, text="SSO!", account=acme
    )
    services.insight_create(
        actor=personas.pm,
        workspace=personas.workspace,
        statement="Admins need SSO",
        feedback=[item],
    )
    page = personas.client(personas.pm).get(reverse("customers:account", args=[acme.pk])).content
    assert b"Research involvement" in page and b"Invoice exports" in page
    assert b"Admins need SSO" in page


def test_it_searches_from_the_page_with_filters(personas, study):
    services.note_create(actor=personas.pm, study=study, title="Call", body="Invoices by hand")
    page = personas.client(personas.viewer).get(
        reverse("research:search"), {"q": "invoice", "kind": "note"}
    )
    assert b"Invoices by hand" in page.content
    bad = personas.client(personas.viewer).get(
        reverse("research:search"), {"q": "x", "since": "nope"}
    )
    assert bad.status_code == 200


def test_it_answers_has_this_been_answered_on_the_page(personas):
    services.insight_create(
        actor=personas.pm, workspace=personas.workspace, statement="Finance teams need CSV exports"
    )
    page = personas.client(personas.viewer).get(
        reverse("research:answered"), {"question": "do finance teams need csv exports?"}
    )
    assert b"Finance teams need CSV exports" in page.content


def test_it_replaces_the_stand_ins_under_their_keys():
    cards = {c.key: c for c in registry.entries(OverviewCard)}
    assert cards["research-repository"].template and not cards["research-repository"].waits_for
    sections = {s.key: s for s in registry.entries(PackSection)}
    assert sections["insights"].context is not None
    kinds = {k.key: k for k in registry.entries(EvidenceKind)}
    assert kinds["insight"].resolve is not None


def test_the_api_searches_and_answers_and_records_insights(personas, study):
    client = personas.client(personas.pm)
    created = client.post(
        "/api/v1/research/insights",
        {"statement": "Finance teams need CSV exports", "confidence": 3, "study_id": study.pk},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    viewer = personas.client(personas.viewer)
    found = viewer.get("/api/v1/research/search", {"q": "csv", "kind": "insight"}).json()
    assert [h["object_id"] for h in found["hits"]] == [created.json()["id"]]
    answers = viewer.get("/api/v1/research/answered", {"question": "csv exports for finance"})
    assert answers.json()[0]["insight"]["id"] == created.json()["id"]
    listed = viewer.get("/api/v1/research/insights").json()
    assert listed["count"] == 1 if isinstance(listed, dict) else len(listed) == 1
    refused = viewer.post(
        "/api/v1/research/insights", {"statement": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    outsider = personas.client(personas.outsider)
    assert outsider.get("/api/v1/research/search", {"q": "csv"}).json()["hits"] == []
    bad = client.post(
        "/api/v1/research/insights",
        {"statement": "x", "feedback_ids": [999999]},
        content_type="application/json",
    )
    assert bad.status_code == 422
