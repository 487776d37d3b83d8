"""Studies, participants through the finder, notes, highlights, insights, share links, and
"has this been answered?" by meaning."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from greenroom.customers.models import Outreach
from greenroom.feedback import services as feedback_services
from greenroom.feedback.models import Tag
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.models import JobRun
from greenroom.lib.text.meaning import MeaningSpace
from greenroom.research import answers, selectors, services, tasks
from greenroom.research.choices import Method, ShareTarget
from greenroom.research.models import Insight, Participant
from greenroom.research.tests.conftest import make_contact


def test_it_refuses_a_study_that_ends_before_it_starts(personas):
    with pytest.raises(ValidationError):
        services.study_create(
            actor=personas.pm,
            workspace=personas.workspace,
            title="T",
            question="Q",
            starts_on=datetime(2026, 5, 2).date(),
            ends_on=datetime(2026, 5, 1).date(),
        )


def test_it_offers_and_reserves_only_contacts_who_consented_and_logs_the_outreach(
    personas, acme, study
):
    willing = make_contact(acme, "Ann", consent_interview=True)
    make_contact(acme, "Bob")  # no consent to interviews
    make_contact(acme, "Cy", consent_interview=True, do_not_contact=True)
    offered = services.participants_candidates(study=study)
    assert [row["pk"] for row in offered.eligible] == [willing.pk]
    result = services.participants_reserve(actor=personas.pm, study=study, contact_ids=[willing.pk])
    assert [o.contact_id for o in result.reserved] == [willing.pk]
    outreach = Outreach.objects.get()
    assert outreach.study == study.outreach_name() and outreach.kind == "interview"
    assert Participant.objects.get().outreach == outreach


def test_it_refuses_to_reserve_someone_without_consent_or_over_their_limit(personas, acme, study):
    unwilling = make_contact(acme, "Bob")
    busy = make_contact(acme, "Dee", consent_interview=True)
    Outreach.objects.create(
        workspace=personas.workspace,
        contact=busy,
        account=acme,
        kind="survey",
        outcome="completed",
        at=timezone.now() - timedelta(days=3),
        by_label="x",
    )
    result = services.participants_reserve(
        actor=personas.pm, study=study, contact_ids=[unwilling.pk, busy.pk]
    )
    assert result.reserved == []
    reasons = dict((c.pk, why) for c, why in result.refused)
    assert "not opted in" in reasons[unwilling.pk] and "limit" in reasons[busy.pk]
    assert not Participant.objects.exists()


def test_it_has_no_participants_for_desk_research(personas):
    desk = services.study_create(
        actor=personas.pm,
        workspace=personas.workspace,
        title="Desk",
        question="Q",
        method=Method.DESK,
    )
    with pytest.raises(ValidationError):
        services.participants_candidates(study=desk)


@pytest.mark.parametrize(
    ("name", "raw", "text"),
    [
        ("a.md", "# Call\n\nCafé".encode(), "# Call\n\nCafé"),
        ("a.txt", b"\xef\xbb\xbfwith BOM", "with BOM"),
        ("a.txt", "Caf\xe9 cp1252".encode("cp1252"), "Café cp1252"),
    ],
)
def test_it_reads_uploaded_notes_in_the_encodings_people_have(name, raw, text):
    assert services.note_text(filename=name, raw=raw) == text


@pytest.mark.parametrize(
    ("name", "raw", "says"),
    [
        ("a.pdf", b"%PDF", "text or Markdown"),
        ("a.txt", b"ab\x00cd", "NUL"),
        ("a.txt", b"x" * 2_000_001, "2 MB"),
    ],
)
def test_it_refuses_uploads_that_are_not_text_naming_the_file(name, raw, says):
    with pytest.raises(ValidationError) as error:
        services.note_text(filename=name, raw=raw)
    assert name in str(error.value) and says in str(error.value)


def test_it_highlights_the_exact_passage_and_refuses_one_the_note_lacks(personas, study):
    body = "Intro.\nShe said: exporting invoices takes a day.\nMore."
    note = services.note_create(actor=personas.pm, study=study, title="Call 1", body=body)
    tag = Tag.objects.create(workspace=personas.workspace, name="Exports")
    highlight = services.highlight_create(
        actor=personas.pm, note=note, passage="exporting invoices takes a day", tags=[tag]
    )
    assert (highlight.start, highlight.end) == (17, 47)
    assert highlight.passage() == "exporting invoices takes a day"
    assert list(highlight.tags.all()) == [tag]
    with pytest.raises(ValidationError):
        services.highlight_create(actor=personas.pm, note=note, passage="not there", tags=[])
    with pytest.raises(ValidationError):
        services.highlight_create(actor=personas.pm, note=note, passage="Intro", tags=[], start=3)


def test_it_refuses_evidence_or_tags_from_another_workspace(personas, study):
    elsewhere = _other_workspace(personas)
    foreign_tag = Tag.objects.create(workspace=elsewhere, name="X")
    foreign_item = feedback_services.feedback_create(
        actor=personas.outsider, workspace=elsewhere, text="x"
    )
    with pytest.raises(ValidationError):
        services.insight_create(
            actor=personas.pm, workspace=personas.workspace, statement="S", tags=[foreign_tag]
        )
    with pytest.raises(ValidationError):
        services.insight_create(
            actor=personas.pm, workspace=personas.workspace, statement="S", feedback=[foreign_item]
        )
    assert not Insight.objects.exists()


def _other_workspace(personas):
    from greenroom.accounts.models import Membership

    return Membership.objects.filter(user=personas.outsider).first().workspace


def _insight(personas, statement, feedback_texts=(), detail="", **extra):
    items = [
        feedback_services.feedback_create(actor=personas.pm, workspace=personas.workspace, text=t)
        for t in feedback_texts
    ]
    return services.insight_create(
        actor=personas.pm,
        workspace=personas.workspace,
        statement=statement,
        detail=detail,
        feedback=items,
        **extra,
    )


CSV = [
    "We need a csv export of invoices to open in a spreadsheet",
    "Finance copies invoices into a spreadsheet every month",
    "Export invoices as csv so finance can use them",
    "The spreadsheet export of invoices breaks our finance workflow",
    "Finance teams want invoices in csv",
]
SSO = [
    "Single sign-on with okta would help our admins",
    "Admins want sso login",
    "Login with okta for admins please",
    "Our security team needs single sign-on",
    "SSO through okta is required by security",
]
OTHER = [
    "The app crashes on start",
    "Dark mode please",
    "Slack notifications for tasks",
    "Recurring tasks every week",
    "Crashes after the update",
]


def test_it_finds_the_insight_that_answers_a_question_in_other_words(personas):
    # Customers write "spreadsheet" beside "csv export": the question shares no word with
    # the insight, only meaning.
    for n in range(3):
        for text in CSV + SSO + OTHER:
            feedback_services.feedback_create(
                actor=personas.pm, workspace=personas.workspace, text=f"{text} (customer {n})"
            )
    export = _insight(personas, "Finance teams rely on CSV export of invoices")
    sso = _insight(personas, "Admins want SSO login through Okta")
    _insight(personas, "Recurring tasks keep teams on their old tool")
    found = selectors.answered(
        workspace=personas.workspace, question="Can I get it into a spreadsheet?"
    )
    assert [row["insight"] for row in found] == [export]
    found = selectors.answered(workspace=personas.workspace, question="okta sign-on for admins")
    assert found[0]["insight"] == sso


def test_it_answers_nothing_when_no_insight_is_close(personas):
    _insight(personas, "Finance teams rely on CSV export of invoices")
    assert selectors.answered(workspace=personas.workspace, question="zebra migration") == []
    assert selectors.answered(workspace=personas.workspace, question="  ") == []


def test_meaning_scores_blend_topic_and_word_cosines_by_hand():
    corpus = ["apple banana", "apple banana", "cherry date", "cherry date"]
    space = MeaningSpace.fit(corpus, dimensions=2)
    scores = space.scores("apple", ["apple banana", "cherry date"])
    # Word cosine: "apple" against "apple banana" (two equal unit weights and the bigram)...
    words_vectors, _ = space.vectors(["apple", "apple banana"])
    word_cos = float((words_vectors[0] @ words_vectors[1].T).toarray()[0, 0])
    # ...and in topic space "apple" lies on the apple-banana topic: cosine 1.
    assert scores[0] == pytest.approx(0.5 * 1.0 + 0.5 * word_cos, abs=1e-6)
    assert scores[1] == pytest.approx(0.0, abs=1e-6)


def test_it_opens_a_share_link_until_it_is_revoked(personas):
    insight = _insight(personas, "S")
    link = services.share_link_create(
        actor=personas.pm, workspace=personas.workspace, target=ShareTarget.INSIGHT, insight=insight
    )
    assert selectors.share_link_open(workspace=personas.workspace, token=link.token) == link
    services.share_link_revoke(actor=personas.pm, link=link)
    with pytest.raises(Exception, match="revoked"):
        selectors.share_link_open(workspace=personas.workspace, token=link.token)
    with pytest.raises(ValidationError):
        services.share_link_create(
            actor=personas.pm,
            workspace=personas.workspace,
            target=ShareTarget.OPPORTUNITIES,
            insight=insight,
        )


def test_it_measures_the_median_days_from_first_feedback_to_insight_by_hand(personas):
    now = timezone.now()
    for days_before in (2, 4, 9):  # insights made now, first feedback 2, 4 and 9 days before
        item = feedback_services.feedback_create(
            actor=personas.pm,
            workspace=personas.workspace,
            text="x",
            received_at=now - timedelta(days=days_before),
        )
        later = feedback_services.feedback_create(
            actor=personas.pm, workspace=personas.workspace, text="y", received_at=now
        )
        services.insight_create(
            actor=personas.pm, workspace=personas.workspace, statement="s", feedback=[item, later]
        )
    _insight(personas, "no feedback behind it")
    measured = selectors.insight_turnaround(workspace=personas.workspace)
    assert measured.count == 3 and measured.value == pytest.approx(4.0, abs=0.01)
    assert measured.previous is None


def test_it_resolves_an_insight_as_decision_evidence_by_number_or_url(personas):
    insight = _insight(personas, "Finance needs CSV")
    for reference in (
        str(insight.pk),
        f"#{insight.pk}",
        f"https://x/research/insights/{insight.pk}/",
    ):
        label, url = selectors.evidence_resolve(workspace=personas.workspace, reference=reference)
        assert label == "Finance needs CSV" and url.endswith(f"/insights/{insight.pk}/")
    assert selectors.evidence_resolve(workspace=personas.workspace, reference="999999") is None
    assert selectors.evidence_resolve(workspace=personas.workspace, reference="nope") is None


def test_it_lists_new_insights_for_the_review_pack(personas):
    _insight(personas, "New one")
    since = timezone.now() - timedelta(days=1)
    section = selectors.pack_insights(
        workspace=personas.workspace, since=since, until=timezone.now() + timedelta(seconds=1)
    )
    assert [i.statement for i in section["insights"]] == ["New one"] and section["count"] == 1
    assert (
        selectors.pack_insights(
            workspace=personas.workspace,
            since=datetime(2020, 1, 1, tzinfo=UTC),
            until=datetime(2020, 2, 1, tzinfo=UTC),
        )["count"]
        == 0
    )


def test_it_learns_the_topics_once_per_change_and_shares_them_through_the_disk(
    personas, monkeypatch
):
    for text in CSV + SSO + OTHER:
        feedback_services.feedback_create(
            actor=personas.pm, workspace=personas.workspace, text=text
        )
    export = _insight(personas, "Finance teams rely on CSV export of invoices")
    fits = []
    learn = answers.learn
    monkeypatch.setattr(answers, "learn", lambda *a: fits.append(1) or learn(*a))
    answers._memory.clear()
    question = "Can I get it into a spreadsheet?"
    first = selectors.answered(workspace=personas.workspace, question=question)
    assert [row["insight"] for row in first] == [export] and len(fits) == 1
    selectors.answered(workspace=personas.workspace, question="okta")
    assert len(fits) == 1
    # Another process (nothing in memory) reads the file instead of learning again, and
    # scores exactly as a space fitted from scratch does.
    answers._memory.clear()
    again = selectors.answered(workspace=personas.workspace, question=question)
    assert len(fits) == 1
    fresh = answers.learn(personas.workspace, "")
    expected = fresh.space.scores_against(question, fresh.vectors)
    assert again[0]["score"] == pytest.approx(max(expected))
    # A new insight makes every copy stale: learnt again once, and found.
    sso = _insight(personas, "Admins want SSO login through Okta")
    assert (
        selectors.answered(workspace=personas.workspace, question="okta sso")[0]["insight"] == sso
    )
    assert len(fits) == 3  # the fresh fit above, then this one


def test_it_learns_again_when_the_cached_file_is_broken(personas):
    _insight(personas, "Finance teams rely on CSV export of invoices")
    answers._memory.clear()
    selectors.answered(workspace=personas.workspace, question="csv")
    path = answers._path(personas.workspace)
    path.write_bytes(b"not a pickle")
    answers._memory.clear()
    assert selectors.answered(workspace=personas.workspace, question="csv export")
    assert path.read_bytes() != b"not a pickle"


def test_saving_an_insight_queues_the_learning_so_the_next_question_finds_it_learnt(
    personas, monkeypatch
):
    for text in CSV + SSO + OTHER:
        feedback_services.feedback_create(
            actor=personas.pm, workspace=personas.workspace, text=text
        )
    _insight(personas, "Finance teams rely on CSV export of invoices")
    sso = _insight(personas, "Admins want SSO login through Okta")
    # One queued run covers both saves: it reads the data when it starts.
    queued = JobRun.objects.filter(name="research.answers_learn", status=JobStatus.QUEUED)
    assert queued.count() == 1
    assert queued.get().arguments == {"workspace_id": personas.workspace.pk}
    answers._memory.clear()
    assert tasks.answers_learn.func(workspace_id=personas.workspace.pk) is None
    # A web process (nothing in memory) answers from what the job wrote, learning nothing.
    answers._memory.clear()

    def refit(*args):
        raise AssertionError("learnt on the request path")

    monkeypatch.setattr(answers, "learn", refit)
    found = selectors.answered(workspace=personas.workspace, question="okta sso")
    assert found[0]["insight"] == sso
    assert tasks.answers_learn.func(workspace_id=personas.workspace.pk) == JobStatus.SKIPPED
