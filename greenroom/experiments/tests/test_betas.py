"""Betas: programmes recruited by consent through the finder, invitations logged as outreach
so contact limits hold, the waitlist, the flag export, feedback by tag, pages and the API."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from greenroom.accounts.models import AuditEvent
from greenroom.customers.choices import OutreachKind, OutreachOutcome
from greenroom.customers.finder import Criteria
from greenroom.customers.models import Outreach
from greenroom.customers.tests.factories import AccountFactory, ContactFactory
from greenroom.experiments import betas
from greenroom.experiments.choices import ParticipantStatus, Stage
from greenroom.experiments.models import BetaParticipant
from greenroom.feedback.models import FeedbackItem
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db


def _programme(personas, **kwargs):
    return betas.programme_create(
        workspace=personas.workspace,
        actor=personas.pm,
        name=kwargs.pop("name", "Bulk edit"),
        stage=kwargs.pop("stage", Stage.BETA),
        flag_key="bulk-edit",
        **kwargs,
    )


def _contacts(personas, n=4, consent=True, account=None):
    account = account or AccountFactory(workspace=personas.workspace)
    return [ContactFactory(account=account, consent_beta=consent) for _ in range(n)]


def test_it_invites_only_contacts_who_agreed_and_logs_each_as_outreach(personas):
    programme = _programme(personas)
    agreed = _contacts(personas, 2, account=AccountFactory(workspace=personas.workspace))
    _contacts(personas, 3, consent=False)
    result = betas.programme_recruit(
        programme=programme, actor=personas.pm, criteria=Criteria(limit=10, per_account=5)
    )
    assert sorted(p.contact_id for p in result.invited) == sorted(c.pk for c in agreed)
    logged = Outreach.objects.filter(study="Beta: Bulk edit")
    assert sorted(logged.values_list("contact_id", flat=True)) == sorted(c.pk for c in agreed)
    assert set(logged.values_list("kind", flat=True)) == {OutreachKind.BETA_INVITE}
    assert set(logged.values_list("outcome", flat=True)) == {OutreachOutcome.RESERVED}
    assert betas.participation(programme=programme)[ParticipantStatus.INVITED] == 2
    assert AuditEvent.objects.filter(action="beta_participant.invite").count() == 1


def test_it_holds_contact_limits_across_programmes(personas):
    (contact,) = _contacts(personas, 1)
    contact.max_per_30_days = 1
    contact.save()
    first = _programme(personas, name="First")
    second = _programme(personas, name="Second")
    betas.programme_recruit(programme=first, actor=personas.pm, criteria=Criteria(limit=5))
    # The first invitation is logged outreach: the same person is not asked again this month.
    with pytest.raises(ValidationError, match="Nobody matching"):
        betas.programme_recruit(programme=second, actor=personas.pm, criteria=Criteria(limit=5))
    refused = betas.programme_invite(programme=second, actor=personas.pm, contact_ids=[contact.pk])
    assert refused.invited == []
    assert "in an active study" in refused.refused[0][1] or "limit" in refused.refused[0][1]


def test_it_asks_general_availability_early_access_under_its_own_consent(personas):
    programme = _programme(personas, stage=Stage.GA)
    beta_only = _contacts(personas, 1)[0]
    early = ContactFactory(
        account=AccountFactory(workspace=personas.workspace), consent_early_access=True
    )
    result = betas.programme_recruit(programme=programme, actor=personas.pm, criteria=Criteria())
    assert [p.contact_id for p in result.invited] == [early.pk]
    assert beta_only.pk not in [p.contact_id for p in result.invited]
    assert Outreach.objects.get(contact=early).kind == OutreachKind.EARLY_ACCESS


def test_it_respects_capacity_and_skips_people_already_in(personas):
    programme = _programme(personas, capacity=3)
    contacts = _contacts(personas, 5)
    first = betas.programme_recruit(
        programme=programme, actor=personas.pm, criteria=Criteria(limit=2, per_account=10)
    )
    assert len(first.invited) == 2
    second = betas.programme_recruit(
        programme=programme, actor=personas.pm, criteria=Criteria(limit=10, per_account=10)
    )
    assert len(second.invited) == 1
    assert BetaParticipant.objects.filter(programme=programme).count() == 3
    with pytest.raises(ValidationError, match="full"):
        betas.programme_recruit(programme=programme, actor=personas.pm, criteria=Criteria())
    assert len({p.contact_id for p in BetaParticipant.objects.all()}) == 3
    assert len(contacts) == 5


def test_it_invites_the_waitlist_through_the_same_checks(personas):
    programme = _programme(personas)
    agreed, refused = _contacts(personas, 1)[0], _contacts(personas, 1, consent=False)[0]
    for contact in (agreed, refused):
        betas.waitlist_add(programme=programme, actor=personas.pm, contact=contact)
    assert betas.participation(programme=programme)[ParticipantStatus.WAITLISTED] == 2
    result = betas.programme_invite(
        programme=programme, actor=personas.pm, contact_ids=[agreed.pk, refused.pk]
    )
    assert [p.contact_id for p in result.invited] == [agreed.pk]
    assert result.refused[0][1] == "not opted in to betas"
    counts = betas.participation(programme=programme)
    assert counts[ParticipantStatus.INVITED] == 1
    assert counts[ParticipantStatus.WAITLISTED] == 1


def test_it_exports_invited_and_active_participants_for_the_flag(personas):
    programme = _programme(personas)
    contacts = _contacts(personas, 2)
    betas.programme_invite(programme=programme, actor=personas.pm, contact_ids=[contacts[0].pk])
    betas.waitlist_add(programme=programme, actor=personas.pm, contact=contacts[1])
    response = personas.client(personas.pm).get(
        reverse("experiments:programme_export", args=[programme.pk])
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["email"], r["flag_key"], r["status"]) for r in rows] == [
        (contacts[0].email, "bulk-edit", "invited")
    ]
    assert AuditEvent.objects.filter(action="beta_participants.export").count() == 1
    assert (
        personas.client(personas.viewer)
        .get(reverse("experiments:programme_export", args=[programme.pk]))
        .status_code
        == 403
    )


def test_it_serves_the_participant_list_to_a_flag_system_through_the_api(personas):
    programme = _programme(personas)
    (contact,) = _contacts(personas, 1)
    betas.programme_invite(programme=programme, actor=personas.pm, contact_ids=[contact.pk])
    url = f"/api/v1/experiments/betas/{programme.pk}/participants"
    response = personas.client(personas.pm).get(url)
    assert response.status_code == 200
    assert [row["email"] for row in response.json()] == [contact.email]
    assert personas.client(personas.viewer).get(url).status_code == 403
    assert personas.client(personas.outsider).get(url).status_code == 404


def test_it_shows_open_feedback_carrying_the_programme_tag(personas):
    programme = _programme(personas)
    assert programme.feedback_tag.name == "Beta: Bulk edit"
    now = timezone.now()
    common = {"workspace": personas.workspace, "source_kind": "form", "received_at": now}
    tagged = FeedbackItem.objects.create(**common, title="Undo please", text="x", source_id="1")
    closed = FeedbackItem.objects.create(
        **common, title="Old", text="y", source_id="2", status="archived"
    )
    FeedbackItem.objects.create(**common, title="Other", text="z", source_id="3")
    tagged.tags.add(programme.feedback_tag)
    closed.tags.add(programme.feedback_tag)
    assert betas.open_feedback(programme=programme) == [tagged]


def test_it_moves_stages_and_refuses_an_unknown_one(personas):
    programme = _programme(personas, stage=Stage.CONCEPT)
    betas.programme_change_stage(programme=programme, actor=personas.pm, stage=Stage.ALPHA)
    assert programme.stage == Stage.ALPHA
    with pytest.raises(ValidationError):
        betas.programme_change_stage(programme=programme, actor=personas.pm, stage="omega")
    with pytest.raises(ValidationError, match="already a programme"):
        _programme(personas, name="bulk EDIT")


def test_it_recruits_from_the_page_and_shows_the_programme(personas):
    programme = _programme(personas)
    _contacts(personas, 2)
    client = personas.client(personas.pm)
    response = client.post(
        reverse("experiments:programme_recruit", args=[programme.pk]),
        {"limit": "5", "per_account": "5"},
        follow=True,
    )
    assert "Invited 2, each logged as outreach." in response.content.decode()
    page = client.get(reverse("experiments:programme", args=[programme.pk]))
    assert page.status_code == 200
    assert page.context["usage"].problem.startswith("Name the feature")


def test_it_lets_each_role_do_what_it_may_and_hides_programmes_from_outsiders(personas):
    programme = _programme(personas)
    detail = reverse("experiments:programme", args=[programme.pk])
    for user in (personas.viewer, personas.pm, personas.ops, personas.admin):
        assert personas.client(user).get(detail).status_code == 200
        assert personas.client(user).get(reverse("experiments:programmes")).status_code == 200
    assert personas.client(personas.outsider).get(detail).status_code == 404
    viewer = personas.client(personas.viewer)
    assert viewer.get(reverse("experiments:programme_create")).status_code == 403
    recruit = reverse("experiments:programme_recruit", args=[programme.pk])
    assert viewer.post(recruit, {"limit": "1", "per_account": "1"}).status_code == 403
    outsider = personas.client(personas.outsider)
    assert outsider.post(recruit, {"limit": "1", "per_account": "1"}).status_code == 404
    assert outsider.get("/api/v1/experiments/betas").json()["items"] == []


def test_it_creates_a_programme_from_the_page(personas):
    response = personas.client(personas.pm).post(
        reverse("experiments:programme_create"),
        {"name": "Dark mode", "stage": "alpha", "flag_key": "dark-mode"},
    )
    assert response.status_code == 302
    assert betas.programme_list(workspace=personas.workspace).get().stage == "alpha"


def test_it_lists_programmes_in_a_fixed_number_of_queries(personas):
    for i in range(6):
        _programme(personas, name=f"Programme {i}")
    client = personas.client(personas.viewer)
    client.get(reverse("experiments:programmes"))
    with max_queries(12):
        assert client.get(reverse("experiments:programmes")).status_code == 200


def test_it_shows_participants_usage_from_the_events(personas, monkeypatch):
    import duckdb

    from greenroom.metrics import store

    programme = _programme(personas, usage_feature="bulk_edit")
    account = AccountFactory(workspace=personas.workspace, external_id="acc-x")
    (contact,) = _contacts(personas, 1, account=account)
    betas.programme_invite(programme=programme, actor=personas.pm, contact_ids=[contact.pk])
    connection = duckdb.connect()
    connection.execute(
        "CREATE SCHEMA raw; CREATE TABLE raw.events (event VARCHAR, user_id VARCHAR, "
        "anonymous_id VARCHAR, account_id VARCHAR, feature VARCHAR, occurred_at TIMESTAMPTZ)"
    )
    recent = timezone.now() - timedelta(days=2)
    old = timezone.now() - timedelta(days=60)
    connection.executemany(
        "INSERT INTO raw.events VALUES (?, ?, NULL, ?, ?, ?)",
        [
            ("Feature Used", "u1", "acc-x", "bulk_edit", recent),
            ("Feature Used", "u2", "acc-x", "bulk_edit", recent),
            ("Feature Used", "u2", "acc-x", "bulk_edit", recent),
            ("Feature Used", "u3", "acc-x", "bulk_edit", old),
            ("Feature Used", "u4", "acc-x", "export", recent),
            ("Feature Used", "u5", "acc-y", "bulk_edit", recent),
        ],
    )

    class Reader:
        def __init__(self, _):
            pass

        def __enter__(self):
            return connection

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(store, "reader", Reader)
    found = betas.participant_usage(programme=programme)
    assert (found.using, found.accounts) == (1, 1)
    assert found.rows[0]["usage"] == betas.usage.AccountUsage(events=3, users=2)
