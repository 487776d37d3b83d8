"""The text engine wired in: themes rebuilt per workspace, suggestions shown only above the
suggester's threshold and applied on accept, possible duplicates, and who may do what."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from greenroom.feedback import services, suggestions, tasks
from greenroom.feedback.choices import Status, SuggestionKind, SuggestionState
from greenroom.feedback.models import FeedbackItem, Suggestion, Tag, TextModel, Theme
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import run_now

EXPORT = [
    "The CSV export crashes when I download the {x} report",
    "Exporting the {x} report to CSV fails with an error",
    "CSV export of {x} data is broken, the download never finishes",
    "Download of the {x} export to CSV crashes every time",
]
DARK = [
    "Please add a dark mode to the mobile app for {x}",
    "Dark mode on the phone app would be lovely for {x}",
    "Could the mobile app get a dark theme for {x}",
    "I want dark mode in the iOS and Android app for {x}",
]
OTHER = [
    "Invoices show the wrong billing address for {x}",
    "Our team loves the onboarding checklist for {x}",
    "Search results are slow to load for {x}",
    "Calendar sync with Outlook misses events for {x}",
]
WORDS = ["sales", "finance", "weekly", "monthly", "team", "marketing", "ops", "q3", "q4", "hr"]


def _make(personas, templates, n, seed, status=Status.NEW, tag=None, start=0):
    rng = random.Random(seed)
    items = []
    for i in range(n):
        text = rng.choice(templates).format(x=f"{rng.choice(WORDS)} {rng.choice(WORDS)}")
        item = services.feedback_create(
            actor=personas.pm,
            workspace=personas.workspace,
            text=text,
            received_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=(start + i) * 3),
        )
        if status != Status.NEW:
            FeedbackItem.objects.filter(pk=item.pk).update(status=status)
        if tag is not None:
            item.tags.add(tag)
        items.append(item)
    return items


def test_themes_rebuild_separates_two_planted_themes_and_sets_each_items_theme(personas):
    export = _make(personas, EXPORT, 30, 1)
    dark = _make(personas, DARK, 30, 2)
    archived = _make(personas, DARK, 3, 3, status=Status.ARCHIVED)

    suggestions.themes_rebuild(workspace=personas.workspace)

    export_themes = {FeedbackItem.objects.get(pk=i.pk).theme_id for i in export}
    dark_themes = {FeedbackItem.objects.get(pk=i.pk).theme_id for i in dark}
    # k is chosen by silhouette (the templates may form sub-themes), but no theme mixes the two.
    assert None not in export_themes | dark_themes and not export_themes & dark_themes
    assert all(FeedbackItem.objects.get(pk=i.pk).theme_id is None for i in archived)
    rows = Theme.objects.for_workspace(personas.workspace)
    assert sum(t.count for t in rows.filter(pk__in=export_themes)) == 30
    for theme in rows:
        assert theme.count == theme.items.count()
        words = " ".join(theme.terms).lower()
        assert ("csv" in words or "export" in words) == (theme.pk in export_themes), words
    # Monthly trend: every month from the first to the last member, counted by hand.
    theme = rows.filter(pk__in=export_themes).first()
    assert theme is not None
    months: dict[str, int] = {}
    for item in theme.items.all():
        key = item.received_at.strftime("%Y-%m")
        months[key] = months.get(key, 0) + 1
    assert {k: v for k, v in theme.trend.items() if v} == months
    assert sum(theme.trend.values()) == theme.count
    built = rows.count()

    # Rebuilding replaces the rows rather than adding to them.
    suggestions.themes_rebuild(workspace=personas.workspace)
    assert Theme.objects.for_workspace(personas.workspace).count() == built


def test_the_themes_job_runs_and_is_recorded(personas):
    _make(personas, EXPORT, 10, 1)
    _make(personas, DARK, 10, 2)
    run = run_now(tasks.themes_rebuild, workspace_id=personas.workspace.pk)
    assert run.status == JobStatus.SUCCEEDED and run.workspace_id == personas.workspace.pk
    assert Theme.objects.for_workspace(personas.workspace).exists()


@pytest.fixture
def trained(personas):
    """Triaged feedback tagged "Exports" or "Dark mode" (and untagged other topics), then
    untriaged items; suggesters fitted."""
    workspace = personas.workspace
    exports = Tag.objects.create(workspace=workspace, name="Exports")
    dark = Tag.objects.create(workspace=workspace, name="Dark mode")
    _make(personas, EXPORT, 40, 11, status=Status.TRIAGED, tag=exports)
    _make(personas, DARK, 40, 12, status=Status.TRIAGED, tag=dark)
    _make(personas, OTHER, 40, 13, status=Status.TRIAGED)
    new_export = _make(personas, EXPORT, 3, 21, start=200)
    new_other = _make(personas, ["The {x} invoice PDF has the wrong company name"], 2, 22)
    result = suggestions.suggesters_fit(workspace=workspace, actor=personas.ops)
    return {"exports": exports, "new_export": new_export, "new_other": new_other, **result}


def test_suggestions_are_stored_only_above_the_suggesters_threshold(personas, trained):
    workspace = personas.workspace
    suggester = suggestions.suggester_get(workspace=workspace, kind=SuggestionKind.TAG)
    assert suggester is not None and suggester.threshold < 1
    stored = Suggestion.objects.for_workspace(workspace).filter(kind=SuggestionKind.TAG)
    assert stored.exists()
    assert all(s.score >= suggester.threshold for s in stored)
    # Independently: every (item, tag) whose confidence reaches the threshold, and no other.
    untriaged = list(FeedbackItem.objects.for_workspace(workspace).filter(status=Status.NEW))
    labels, conf = suggester.confidences([i.text for i in untriaged])
    expected = {
        (item.pk, labels[k])
        for item, row in zip(untriaged, conf, strict=True)
        for k in range(len(labels))
        if row[k] >= suggester.threshold
    }
    assert {(s.item_id, s.tag_id) for s in stored} == expected
    assert all(
        stored.filter(item=i, tag=trained["exports"]).exists() for i in trained["new_export"]
    )
    assert not stored.filter(item__in=trained["new_other"]).exists()
    assert TextModel.objects.for_workspace(workspace).count() == 2


def test_accepting_a_suggestion_applies_the_tag_and_rejecting_records_it(personas, trained):
    item = trained["new_export"][0]
    suggestion = Suggestion.objects.get(item=item, tag=trained["exports"])
    client = personas.client(personas.pm)
    page = client.get(reverse("feedback:item", args=[item.pk])).content.decode()
    assert "Suggested" in page and "Exports" in page
    url = reverse("feedback:suggestion_decide", args=[suggestion.pk])
    assert personas.client(personas.viewer).post(url, {"decision": "accept"}).status_code == 403
    client.post(url, {"decision": "accept"})
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.ACCEPTED and suggestion.decided_by == personas.pm
    assert trained["exports"] in item.tags.all()

    other = Suggestion.objects.get(item=trained["new_export"][1], tag=trained["exports"])
    client.post(reverse("feedback:suggestion_decide", args=[other.pk]), {"decision": "reject"})
    other.refresh_from_db()
    assert other.state == SuggestionState.REJECTED
    assert trained["exports"] not in other.item.tags.all()
    # A rejected suggestion is not made again when suggesting anew.
    suggestions.suggest_for(workspace=personas.workspace, items=[other.item])
    assert not Suggestion.objects.filter(item=other.item, state=SuggestionState.PENDING).exists()
    counts = suggestions.suggestion_counts(workspace=personas.workspace)
    assert counts["tag"]["accepted"] == 1 and counts["tag"]["rejected"] == 1
    page = personas.client(personas.ops).get(reverse("feedback:themes")).content.decode()
    assert 'id="suggester-table"' in page


def test_the_item_page_offers_near_duplicates_from_the_same_account(personas):
    from greenroom.customers.models import Account

    acme = Account.objects.create(workspace=personas.workspace, name="Acme", domain="acme.com")
    first = services.feedback_create(
        actor=personas.pm,
        workspace=personas.workspace,
        account=acme,
        text="The CSV export of the sales report crashes every time.",
    )
    services.feedback_create(
        actor=personas.pm, workspace=personas.workspace, account=acme, text="Love the new logo"
    )
    second = services.feedback_create(
        actor=personas.pm,
        workspace=personas.workspace,
        account=acme,
        text="The CSV export of the sales report crashes every time!!",
    )
    found = suggestions.possible_duplicates(workspace=personas.workspace, item=second)
    assert [item.pk for item, _ in found] == [first.pk]
    page = personas.client(personas.pm).get(reverse("feedback:item", args=[second.pk]))
    assert b"Possible duplicates" in page.content


def test_theme_pages_and_actions_respect_roles_and_workspaces(personas):
    _make(personas, EXPORT, 10, 1)
    suggestions.themes_rebuild(workspace=personas.workspace)
    theme = Theme.objects.for_workspace(personas.workspace).first()
    assert theme is not None
    viewer = personas.client(personas.viewer)
    assert viewer.get(reverse("feedback:themes")).status_code == 200
    assert b"Rebuild themes" not in viewer.get(reverse("feedback:themes")).content
    assert viewer.post(reverse("feedback:themes_rebuild")).status_code == 403
    assert personas.client(personas.pm).post(reverse("feedback:suggesters_fit")).status_code == 403
    inbox = viewer.get(reverse("feedback:inbox"), {"theme": theme.pk})
    assert inbox.status_code == 200
    # The outsider sees none of this workspace's themes and cannot decide its suggestions.
    outsider = personas.client(personas.outsider)
    assert str(theme.label).encode() not in outsider.get(reverse("feedback:themes")).content
    suggestion = Suggestion.objects.create(
        workspace=personas.workspace,
        item=FeedbackItem.objects.for_workspace(personas.workspace).first(),
        kind=SuggestionKind.TAG,
        tag=Tag.objects.create(workspace=personas.workspace, name="X"),
        score=0.99,
    )
    url = reverse("feedback:suggestion_decide", args=[suggestion.pk])
    assert outsider.post(url, {"decision": "accept"}).status_code in (403, 404)
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.PENDING
    ops = personas.client(personas.ops)
    assert ops.post(reverse("feedback:themes_rebuild")).status_code == 302
    assert b"Rebuild themes" in ops.get(reverse("feedback:themes")).content


def test_the_themes_page_explains_when_empty(personas):
    page = personas.client(personas.ops).get(reverse("feedback:themes")).content.decode()
    assert "No themes yet" in page
