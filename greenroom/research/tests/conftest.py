from decimal import Decimal

import pytest

from greenroom.customers.models import Account, Contact
from greenroom.research import services


@pytest.fixture
def acme(personas):
    return Account.objects.create(
        workspace=personas.workspace, name="Acme", domain="acme.com", crm_arr=Decimal("120000")
    )


@pytest.fixture
def study(personas):
    return services.study_create(
        actor=personas.pm,
        workspace=personas.workspace,
        title="Invoice exports",
        question="How do finance teams get invoices out?",
    )


def make_contact(account, first, **extra) -> Contact:
    return Contact.objects.create(
        workspace=account.workspace,
        account=account,
        first_name=first,
        last_name="Doe",
        email=f"{first.lower()}@{account.domain}",
        **extra,
    )
