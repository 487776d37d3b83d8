import csv
import io
from datetime import UTC, datetime

import pytest

from greenroom.customers.finder import Criteria, participants_find
from greenroom.customers.models import Account, Contact, Outreach
from greenroom.organisation.models import Region, Segment
from greenroom.sandbox import crm, generator

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _files(tmp_path, name: str, seed: int = 7, scale: str = "small"):
    org = generator.generate(out_dir=tmp_path / name, scale=scale, seed=seed).organisation
    return crm.crm_generate(
        out_dir=tmp_path / name, scale=scale, seed=seed, organisation=org, now=NOW
    )


def test_it_writes_the_same_exports_from_the_same_seed(tmp_path):
    first, second, other = _files(tmp_path, "a"), _files(tmp_path, "b"), _files(tmp_path, "c", 8)
    assert first.salesforce_contacts.read_bytes() == second.salesforce_contacts.read_bytes()
    assert first.outreach.read_bytes() == second.outreach.read_bytes()
    assert first.salesforce_contacts.read_bytes() != other.salesforce_contacts.read_bytes()


def test_it_writes_each_crm_in_its_own_column_names(tmp_path):
    files = _files(tmp_path, "a")
    header = files.salesforce_accounts.read_bytes().split(b"\r\n")[0].decode()
    assert header.startswith("Account ID,Account Name,Website,Billing Country")
    companies = list(csv.DictReader(io.StringIO(files.hubspot_companies.read_text())))
    assert "Record ID" in companies[0] and companies[0]["Country/Region"][0].isupper()
    assert len(companies[0]["Country/Region"]) > 2


def test_it_refuses_an_unknown_scale(tmp_path):
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        crm.crm_generate(out_dir=tmp_path, scale="huge", seed=1, organisation=tmp_path / "x")


@pytest.mark.django_db
def test_it_loads_the_medium_company_through_the_importers(tmp_path):
    # The CRM part alone: the business data of a medium build is measured by the benchmark.
    import json

    from greenroom.organisation.services import organisation_import
    from greenroom.sandbox import generator
    from greenroom.sandbox.crm import sandbox_customers
    from greenroom.testing.factories import WorkspaceFactory

    workspace = WorkspaceFactory()
    files = generator.generate(out_dir=tmp_path, scale="medium", seed=7)
    document = json.loads(files.organisation.read_text())
    organisation_import(actor=None, workspace=workspace, document=document)
    sandbox_customers(
        workspace=workspace,
        out_dir=tmp_path,
        scale="medium",
        seed=7,
        organisation=files.organisation,
    )
    assert Account.objects.filter(workspace=workspace).count() >= 3000
    contacts = Contact.objects.filter(workspace=workspace)
    assert contacts.count() >= 15000
    assert not Account.objects.filter(workspace=workspace, owner__isnull=True).exists()
    assert not Account.objects.filter(workspace=workspace, market__isnull=True).exists()
    opted = contacts.filter(consent_prototype_test=True).count() / contacts.count()
    assert 0.2 < opted < 0.35
    outreach = Outreach.objects.filter(workspace=workspace)
    span = outreach.order_by("at").first().at, outreach.order_by("-at").first().at
    assert (span[1] - span[0]).days > 330


@pytest.mark.django_db
def test_the_small_company_has_twenty_mid_market_european_admins_to_find(built_sandbox):
    workspace = built_sandbox.workspace
    criteria = Criteria(
        segment_ids=[Segment.objects.get(workspace=workspace, name="Mid-market").pk],
        region_ids=[Region.objects.get(workspace=workspace, code="EMEA").pk],
        role="admin",
        opted_in=["prototype_test"],
        not_contacted_days=60,
    )
    found = participants_find(workspace=workspace, criteria=criteria)
    assert len(found.eligible) == 20
