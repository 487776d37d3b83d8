"""Build the part of the sandbox the notable changes read, and score the feed against what
the sandbox planted: greenroom/sandbox/tests/test_planted_changes.py scores the whole small
sandbox, benchmarks/insights.py this part of it at any scale and seed."""

import json
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from greenroom.accounts import services as account_services
from greenroom.accounts.models import Workspace
from greenroom.customers.selectors import accounts_by_keys
from greenroom.health.models import Finding
from greenroom.health.scoring import Recall, score
from greenroom.organisation.services import organisation_import
from greenroom.sandbox import company, generator
from greenroom.sandbox.crm import sandbox_customers
from greenroom.sandbox.data_engine import sandbox_business_data


def sandbox_business(*, data_dir: Path, scale: str, seed: int) -> Workspace:
    """The sandbox's organisation, CRM accounts and business data (synced and refreshed),
    as ``sandbox_build`` makes them, without feedback, cadences and goals."""
    files = generator.generate(out_dir=data_dir / "sandbox", scale=scale, seed=seed)
    with transaction.atomic():
        workspace = account_services.workspace_create(
            name=company.COMPANY,
            slug=slugify(company.COMPANY),
            reporting_currency=company.REPORTING_CURRENCY,
        )
        organisation_import(
            actor=None,
            workspace=workspace,
            document=json.loads(files.organisation.read_text()),
            source=str(files.organisation),
        )
        crm = sandbox_customers(
            workspace=workspace,
            out_dir=data_dir / "sandbox",
            scale=scale,
            seed=seed,
            organisation=files.organisation,
        )
    sandbox_business_data(
        workspace=workspace, out_dir=data_dir / "sandbox", scale=scale, seed=seed, crm=crm
    )
    return workspace


def planted_vs_raised(*, workspace: Workspace, data_dir: Path) -> Recall:
    """What the feed raised against what the sandbox planted (accounts by their CRM name)."""
    planted = json.loads((data_dir / "sandbox/business/planted-changes.json").read_text())
    keys = [p["subject"] for p in planted if p["kind"] == "account_usage"]
    names = accounts_by_keys(workspace=workspace, keys=keys)
    wanted = [
        (p["kind"], names[p["subject"]].name if p["subject"] in names else p["subject"])
        for p in planted
    ]
    raised = Finding.objects.for_workspace(workspace).values_list("kind", "subject")
    return score(wanted, list(raised))
