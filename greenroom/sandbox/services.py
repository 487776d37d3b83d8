"""Build the sandbox company: generate its files and load them through the importers."""

import json
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from greenroom.accounts import services as account_services
from greenroom.accounts.models import Workspace
from greenroom.organisation.services import organisation_import
from greenroom.sandbox import company, generator
from greenroom.sandbox.cadences import sandbox_cadences, sandbox_decision_changes
from greenroom.sandbox.crm import sandbox_customers
from greenroom.sandbox.customdash import sandbox_team_dashboards
from greenroom.sandbox.data_engine import sandbox_business_data
from greenroom.sandbox.feedback import sandbox_feedback
from greenroom.sandbox.launches import sandbox_launches
from greenroom.sandbox.onboarding import sandbox_onboarding
from greenroom.sandbox.research import sandbox_research
from greenroom.sandbox.roadmaps import sandbox_roadmaps
from greenroom.sandbox.strategy import sandbox_strategy

Progress = Callable[[str], None]


def sandbox_build(
    *, data_dir: Path, scale: str, seed: int, progress: Progress = lambda _: None
) -> Workspace:
    """Generate the sandbox files under ``data_dir/sandbox`` and import them."""
    progress(f"Generating the {scale} sandbox company (seed {seed})")
    files = generator.generate(out_dir=data_dir / "sandbox", scale=scale, seed=seed)
    with transaction.atomic():
        workspace = account_services.workspace_create(
            name=company.COMPANY,
            slug=slugify(company.COMPANY),
            reporting_currency=company.REPORTING_CURRENCY,
        )
        progress("Adding the demo sign-ins")
        for user in json.loads(files.users.read_text())["users"]:
            account_services.user_create(
                actor=None, workspace=workspace, password=company.DEMO_PASSWORD, **user
            )
        progress(f"Importing the organisation from {files.organisation}")
        report = organisation_import(
            actor=None,
            workspace=workspace,
            document=json.loads(files.organisation.read_text()),
            source=str(files.organisation),
        )
        progress(f"  {report.summary()}")
        crm = sandbox_customers(
            workspace=workspace,
            out_dir=data_dir / "sandbox",
            scale=scale,
            seed=seed,
            organisation=files.organisation,
            progress=progress,
        )
        progress("Adding a year of reviews, decisions, the playbook and the tool stack")
        progress(f"  {sandbox_cadences(workspace=workspace, seed=seed)}")
        progress(f"  {sandbox_onboarding(workspace=workspace, seed=seed)}")
    progress("Loading billing, usage, costs and headcount through the connectors")
    sandbox_business_data(
        workspace=workspace,
        out_dir=data_dir / "sandbox",
        scale=scale,
        seed=seed,
        crm=crm,
        progress=progress,
    )
    sandbox_feedback(
        workspace=workspace,
        out_dir=data_dir / "sandbox",
        scale=scale,
        seed=seed,
        crm=crm,
        progress=progress,
    )
    sandbox_research(
        workspace=workspace, out_dir=data_dir / "sandbox", seed=seed, progress=progress
    )
    progress("Adding goals: intents, initiatives, objectives and key results")
    sandbox_strategy(workspace=workspace, seed=seed, progress=progress)
    progress(f"Adding betas and launches: {sandbox_launches(workspace=workspace)}")
    sandbox_roadmaps(workspace=workspace, seed=seed, progress=progress)
    progress(f"  {sandbox_decision_changes(workspace=workspace)} roadmap moves linked to decisions")
    progress(f"  {sandbox_team_dashboards(workspace=workspace)}")
    return workspace
