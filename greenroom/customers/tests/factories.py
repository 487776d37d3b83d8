"""Factories and a small organisation for the customer database's tests."""

from dataclasses import dataclass
from datetime import timedelta

import factory
from django.utils import timezone

from greenroom.accounts.models import Workspace
from greenroom.customers.models import Account, Contact
from greenroom.organisation.models import Market, Person, Plan, Region, Segment
from greenroom.testing.factories import WorkspaceFactory


@dataclass
class Org:
    emea: Region
    na: Region
    dach: Market
    uk: Market
    us: Market
    smb: Segment
    mid: Segment
    ent: Segment
    team_plan: Plan
    business: Plan
    rep: Person
    csm: Person


def make_org(workspace: Workspace) -> Org:
    """Two regions, three markets, three segments, two plans, a sales rep and a CSM."""
    ws = {"workspace": workspace}
    emea = Region.objects.create(**ws, name="EMEA", code="EMEA")
    na = Region.objects.create(**ws, name="North America", code="NA")
    return Org(
        emea=emea,
        na=na,
        dach=Market.objects.create(**ws, name="DACH", region=emea, countries="DE,AT,CH"),
        uk=Market.objects.create(**ws, name="UK & Ireland", region=emea, countries="GB,IE"),
        us=Market.objects.create(**ws, name="United States", region=na, countries="US"),
        smb=Segment.objects.create(**ws, name="SMB", min_employees=1, max_employees=99),
        mid=Segment.objects.create(
            **ws, name="Mid-market", min_employees=100, max_employees=999, rank=1
        ),
        ent=Segment.objects.create(**ws, name="Enterprise", min_employees=1000, rank=2),
        team_plan=Plan.objects.create(**ws, name="Team", code="team"),
        business=Plan.objects.create(**ws, name="Business", code="business"),
        rep=Person.objects.create(**ws, name="Sam Seller", email="sam@acme.example"),
        csm=Person.objects.create(**ws, name="Cora Success", email="cora@acme.example"),
    )


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    external_id = factory.Sequence(lambda n: f"acc-{n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    workspace = factory.SelfAttribute("account.workspace")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@customer.example")
    phone = "+44 20 7946 0000"
    title = "Administrator"
    role = "admin"
    external_id = factory.Sequence(lambda n: f"con-{n}")


# The participant finder's and reservation's tests: accounts placed in the organisation, and
# contacts opted in to prototype tests, last contacted `days_ago` (never, by default).
FINDER_CRITERIA = {"opted_in": ["prototype_test"], "not_contacted_days": 60, "role": "admin"}


def placed_account(personas, org: Org, **kwargs) -> Account:
    defaults = {"segment": org.mid, "market": org.dach, "region": org.emea}
    return AccountFactory(workspace=personas.workspace, **(defaults | kwargs))


def reachable_contact(account: Account, days_ago: int | None = None, **kwargs) -> Contact:
    last = timezone.now() - timedelta(days=days_ago) if days_ago is not None else None
    return ContactFactory(
        account=account, last_contacted_at=last, **({"consent_prototype_test": True} | kwargs)
    )
