"""Full-text search: the FTS5 query parser, ranking and filters on whichever database the
suite runs on (SQLite FTS5, or PostgreSQL full-text on the PostgreSQL pass), and the result
set checked against a brute-force scan."""

import io
import random
from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from greenroom.feedback import importing
from greenroom.feedback import services as feedback_services
from greenroom.feedback.models import Tag
from greenroom.lib.imports.report import ImportRejected
from greenroom.research import search, services
from greenroom.research.models import Document
from greenroom.testing.factories import WorkspaceFactory


@pytest.mark.parametrize(
    ("typed", "fts5"),
    [
        ("bulk export", '"bulk" AND "export"'),
        ('"bulk export" invoices', '"bulk export" AND "invoices"'),
        ("export -csv", '("export") NOT "csv"'),
        ("csv OR excel", '("csv") OR ("excel")'),
        ('NEAR( "x" ) AND *', '"NEAR" AND "x" AND "AND"'),
        ("-only", ""),
        ("  ", ""),
        ('"unclosed', '"unclosed"'),
    ],
)
def test_it_turns_what_people_type_into_quoted_fts5_terms(typed, fts5):
    assert search.fts5_query(typed) == fts5


def test_it_uses_the_full_text_engine_of_the_database_it_runs_on(personas):
    page = search.find(workspace=personas.workspace, query="anything")
    expected = "PostgreSQL full-text" if connection.vendor == "postgresql" else "SQLite FTS5"
    assert page.backend == expected


def _put(workspace, pk, title, body, kind="note", dated=date(2026, 5, 1)):
    search.document_put(
        workspace=workspace, kind=kind, object_id=pk, title=title, body=body, dated=dated
    )


def test_it_ranks_a_title_match_above_a_body_match(personas):
    ws = personas.workspace
    _put(ws, 1, "Weekly sync", "we talked about invoice exports and the roadmap at length")
    _put(ws, 2, "Invoice exports", "we talked about the roadmap and the weekly sync at length")
    _put(ws, 3, "Unrelated", "nothing to see here at all")
    hits = search.find(workspace=ws, query="invoice").hits
    assert [h.object_id for h in hits] == [2, 1]


def test_it_stems_words_on_both_engines(personas):
    _put(personas.workspace, 1, "", "They keep exporting invoices by hand")
    assert [
        h.object_id for h in search.find(workspace=personas.workspace, query="export").hits
    ] == [1]


def test_it_filters_by_kind_and_date_and_never_shows_another_workspace(personas):
    ws = personas.workspace
    other = WorkspaceFactory()
    _put(ws, 1, "", "invoice note", kind="note", dated=date(2026, 1, 10))
    _put(ws, 2, "", "invoice insight", kind="insight", dated=date(2026, 3, 10))
    _put(other, 3, "", "invoice elsewhere", kind="note")

    def found(**filters):
        return sorted(
            h.object_id for h in search.find(workspace=ws, query="invoice", **filters).hits
        )

    assert found() == [1, 2]
    assert found(kinds=["insight"]) == [2]
    assert found(since=date(2026, 2, 1)) == [2]
    assert found(until=date(2026, 2, 1)) == [1]


def test_it_filters_by_a_tag_and_the_tags_below_it(personas, acme, study):
    ws = personas.workspace
    billing = Tag.objects.create(workspace=ws, name="Billing")
    exports = Tag.objects.create(workspace=ws, name="Exports", parent=billing)
    tagged = feedback_services.feedback_create(
        actor=personas.pm, workspace=ws, text="Invoice download is broken", account=acme
    )
    tagged.tags.add(exports)
    feedback_services.feedback_create(actor=personas.pm, workspace=ws, text="Invoice colours")
    note = services.note_create(actor=personas.pm, study=study, title="Call", body="Invoice pain")
    services.highlight_create(actor=personas.pm, note=note, passage="Invoice pain", tags=[billing])
    hits = search.find(workspace=ws, query="invoice", tag=billing).hits
    assert {(h.kind, h.object_id) for h in hits} == {("feedback", tagged.pk), ("note", note.pk)}


RECORD = {"source_kind": "zendesk", "received_at": datetime(2026, 5, 1, tzinfo=UTC)}


def test_it_indexes_feedback_when_it_is_stored_not_when_searched(
    personas, django_assert_max_num_queries
):
    ws = personas.workspace
    first = feedback_services.feedback_create(actor=personas.pm, workspace=ws, text="Dark mode")
    assert Document.objects.filter(kind="feedback", object_id=first.pk).exists()
    assert [h.object_id for h in search.find(workspace=ws, query="dark").hits] == [first.pk]
    ingested = feedback_services.feedback_ingest(
        actor=None,
        workspace=ws,
        source="tickets.csv",
        records=[{**RECORD, "source_id": str(n), "text": f"dark theme {n}"} for n in range(3)],
    )
    new = {pk for pk, _ in ingested.items}
    # The search itself writes nothing: only the index lookups and the documents' read.
    with django_assert_max_num_queries(4):
        hits = search.find(workspace=ws, query="dark").hits
    assert {h.object_id for h in hits} == {first.pk, *new}
    assert Document.objects.filter(kind="feedback").count() == 4


def test_it_indexes_nothing_when_an_import_is_rejected(personas):
    with pytest.raises(ImportRejected):
        feedback_services.feedback_ingest(
            actor=None,
            workspace=personas.workspace,
            source="tickets.csv",
            records=[
                {**RECORD, "source_id": "1", "text": "dark theme"},
                {**RECORD, "source_id": "2", "text": ""},
            ],
        )
    assert not Document.objects.exists()


def test_it_rebuilds_a_workspace_index_from_its_texts(personas):
    ws = personas.workspace
    item = feedback_services.feedback_create(actor=personas.pm, workspace=ws, text="Dark mode")
    insight = services.insight_create(
        actor=personas.pm, workspace=ws, statement="People want a dark theme"
    )
    other = WorkspaceFactory()
    _put(other, 1, "", "dark in another workspace")
    Document.objects.filter(workspace=ws).delete()
    Document.objects.create(
        workspace=ws, kind="note", object_id=999, body="dark", dated=date.today()
    )
    out = io.StringIO()
    call_command("search_reindex", workspace=ws.slug, stdout=out)
    assert out.getvalue() == f"{ws.slug}: 2 texts indexed\n"
    hits = search.find(workspace=ws, query="dark").hits
    assert {(h.kind, h.object_id) for h in hits} == {("feedback", item.pk), ("insight", insight.pk)}
    assert len(search.find(workspace=other, query="dark").hits) == 1
    with pytest.raises(CommandError):
        call_command("search_reindex", workspace="nope")


def test_it_ranks_the_newest_matches_of_a_very_common_word_and_widens_for_filters(
    personas, monkeypatch
):
    ws = personas.workspace
    monkeypatch.setattr(search, "RANK_WINDOW", 10)
    # 40 texts hold "team"; the best-ranked (most "team" per word) are the oldest ones.
    for pk in range(1, 41):
        body = "team team team" if pk <= 5 else "team " + "filler " * 10
        _put(ws, pk, "", body, kind="insight" if pk in (3, 7) else "feedback")
    ranked = search.find(workspace=ws, query="team", limit=5).hits
    # Only the ten newest matches were ranked: none of the five strongest old ones.
    assert {h.object_id for h in ranked} <= set(range(31, 41))
    # A filter leaving fewer hits than asked for still finds them all: SQLite widens the
    # window, PostgreSQL takes the window within the filters.
    insights = search.find(workspace=ws, query="team", kinds=["insight"], limit=5).hits
    assert [h.object_id for h in insights] == [3, 7]
    # Fewer matches than the window: ranked exactly.
    monkeypatch.setattr(search, "RANK_WINDOW", 100)
    best = search.find(workspace=ws, query="team", limit=5).hits
    assert {h.object_id for h in best} == {1, 2, 3, 4, 5}


VOCABULARY = ["alpha", "bravo", "delta", "kilo", "lima", "oscar", "papa", "romeo", "tango", "zulu"]


def test_it_finds_exactly_the_documents_a_brute_force_scan_finds(personas):
    rng = random.Random(7)
    ws = personas.workspace
    bodies = {}
    for pk in range(1, 121):
        bodies[pk] = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(1, 8)))
        _put(ws, pk, "", bodies[pk])
    for _ in range(30):
        words = rng.sample(VOCABULARY, rng.randint(1, 2))
        expected = {pk for pk, body in bodies.items() if all(w in body.split() for w in words)}
        hits = search.find(workspace=ws, query=" ".join(words), limit=200).hits
        assert {h.object_id for h in hits} == expected, words


def test_it_finds_text_with_markup_and_operators_without_breaking(personas):
    # PostgreSQL's parser reads "<script>" as markup and leaves what it wraps out of the
    # index, so the word searched for stands outside the tags.
    _put(personas.workspace, 1, "", 'alert <script>x</script> SELECT * FROM users; -- "quoted"')
    for query in ['"', "*", "-", "script", "alert(1)", "NOT", "users;", "'; DROP TABLE x; --"]:
        search.find(workspace=personas.workspace, query=query)
    assert [h.object_id for h in search.find(workspace=personas.workspace, query="alert").hits] == [
        1
    ]


def test_it_keeps_the_index_in_step_when_a_text_changes_or_goes(personas):
    ws = personas.workspace
    _put(ws, 1, "", "first words")
    _put(ws, 1, "", "second words")
    assert search.find(workspace=ws, query="first").hits == []
    assert len(search.find(workspace=ws, query="second").hits) == 1
    Document.objects.all().delete()
    assert search.find(workspace=ws, query="second").hits == []


def test_it_shows_a_snippet_around_the_first_word_found():
    body = "x" * 300 + " the invoice export fails " + "y" * 300
    text = search.snippet(body, ["invoice"])
    assert text.startswith("…") and "invoice export" in text and text.endswith("…")


def test_it_dates_feedback_by_when_the_customer_said_it(personas):
    feedback_services.feedback_create(
        actor=personas.pm,
        workspace=personas.workspace,
        text="sso please",
        received_at=datetime(2025, 2, 3, 10, tzinfo=UTC),
    )
    assert search.find(workspace=personas.workspace, query="sso").hits[0].dated == date(2025, 2, 3)


def test_it_finds_an_item_of_an_imported_export_without_reindexing(personas):
    export = (
        "Id,Requester,Requester email,Organization,Subject,Tags,Created at,Description\r\n"
        "501,Jo,jo@example.com,Acme,Invoices,,2026-03-01 10:00,German invoices lack the VAT id\r\n"
    )
    importing.feedback_import(
        actor=personas.ops,
        workspace=personas.workspace,
        source_kind="zendesk",
        name="tickets.csv",
        stream=io.BytesIO(export.encode()),
    )
    hits = search.find(workspace=personas.workspace, query="german invoices").hits
    assert [(h.kind, h.title) for h in hits] == [("feedback", "Invoices")]
