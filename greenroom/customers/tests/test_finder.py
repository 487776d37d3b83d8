from datetime import timedelta

import pytest
from django.utils import timezone

from greenroom.customers.finder import Criteria, participants_find
from greenroom.customers.models import Outreach, QuietPeriod
from greenroom.customers.tests.factories import (
    FINDER_CRITERIA,
    make_org,
    placed_account,
    reachable_contact,
)


@pytest.fixture
def org(personas):
    return make_org(personas.workspace)


@pytest.mark.django_db
def test_it_finds_eligible_contacts_least_recently_contacted_first(personas, org):
    account = placed_account(personas, org)
    other = placed_account(personas, org)
    never = reachable_contact(account)
    old = reachable_contact(other, days_ago=200)
    older = reachable_contact(other, days_ago=300)
    recent = reachable_contact(account, days_ago=10)
    criteria = Criteria(segment_ids=[org.mid.pk], region_ids=[org.emea.pk], **FINDER_CRITERIA)
    found = participants_find(workspace=personas.workspace, criteria=criteria, explain=True)
    assert [row["pk"] for row in found.eligible] == [never.pk, older.pk, old.pk]
    reasons = {row["pk"]: row["reason"] for row in found.excluded}
    assert reasons[recent.pk].startswith("contacted in the last 60 days")


@pytest.mark.django_db
def test_it_takes_at_most_k_per_account_and_filters_by_who(personas, org):
    big = placed_account(personas, org)
    contacts = [reachable_contact(big, days_ago=100 + i) for i in range(5)]
    us = placed_account(personas, org, market=org.us, region=org.na)
    reachable_contact(us)
    reachable_contact(big, title="Finance lead", role="finance")
    criteria = Criteria(region_ids=[org.emea.pk], per_account=2, **FINDER_CRITERIA)
    found = participants_find(workspace=personas.workspace, criteria=criteria, explain=True)
    assert [row["pk"] for row in found.eligible] == [contacts[4].pk, contacts[3].pk]
    assert found.excluded_counts == {"2 already chosen from this account": 3}


@pytest.mark.django_db
def test_it_explains_each_exclusion(personas, org):
    account = placed_account(personas, org)
    quiet_account = placed_account(personas, org)
    dnc = reachable_contact(account, do_not_contact=True, do_not_contact_reason="Asked us to stop")
    no_consent = reachable_contact(account, consent_prototype_test=False)
    capped = reachable_contact(account, max_per_30_days=1, max_per_90_days=3)
    quiet = reachable_contact(quiet_account)
    today = timezone.localdate()
    QuietPeriod.objects.create(
        workspace=personas.workspace,
        account=quiet_account,
        starts_on=today,
        ends_on=today + timedelta(days=5),
        reason="Renewal",
    )
    # An outreach 40 days ago does not break the 60-day rule when asking for 30 days...
    Outreach.objects.create(
        workspace=personas.workspace,
        contact=capped,
        account=account,
        by_label="x",
        kind="survey",
        outcome="completed",
        at=timezone.now() - timedelta(days=20),
    )
    criteria = Criteria(opted_in=["prototype_test"], role="admin", per_account=5)
    found = participants_find(workspace=personas.workspace, criteria=criteria, explain=True)
    reasons = {row["pk"]: row["reason"] for row in found.excluded}
    assert reasons[dnc.pk] == "do not contact (Asked us to stop)"
    assert reasons[no_consent.pk] == "not opted in to prototype tests"
    assert reasons[capped.pk] == "reached their limit of 1 per 30 days"
    assert reasons[quiet.pk] == "in a quiet period"
    assert found.eligible == []
