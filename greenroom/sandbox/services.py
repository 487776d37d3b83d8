"""Build the sandbox company: generate its files and load them through the importers.

The files are written by a worker process (``generation.py``) while the database is prepared
and the organisation and customers are imported. The feedback, which needs nothing from the
business data, is imported and triaged in a thread once the billing is synced, while the
usage is synced and refreshed (DuckDB's work, which leaves Python's lock free); so is any
other ``beside`` work (the demo's static files). Inside a transaction (the sandbox's tests)
everything runs in turn on this thread: another thread could not see what the transaction
has not committed."""

import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from django.db import connections, transaction
from django.utils.text import slugify

from greenroom.accounts import services as account_services
from greenroom.accounts.models import Workspace
from greenroom.organisation.services import organisation_import
from greenroom.sandbox import company
from greenroom.sandbox.cadences import sandbox_cadences, sandbox_decision_changes
from greenroom.sandbox.crm import crm_load
from greenroom.sandbox.customdash import sandbox_team_dashboards
from greenroom.sandbox.data_engine import (
    sandbox_billing_sync,
    sandbox_business_refresh,
    sandbox_usage_sync,
)
from greenroom.sandbox.feedback import sandbox_feedback
from greenroom.sandbox.generation import SandboxFiles
from greenroom.sandbox.launches import sandbox_launches
from greenroom.sandbox.onboarding import sandbox_onboarding
from greenroom.sandbox.research import sandbox_research
from greenroom.sandbox.roadmaps import sandbox_roadmaps
from greenroom.sandbox.steps import BuildSteps
from greenroom.sandbox.strategy import sandbox_strategy

Progress = Callable[[str], None]


def sandbox_build(
    *,
    data_dir: Path,
    scale: str,
    seed: int,
    progress: Progress = lambda _: None,
    steps: BuildSteps | None = None,
    files: SandboxFiles | None = None,
    beside: Sequence[tuple[str, Callable[[], object]]] = (),
) -> Workspace:
    """Generate the sandbox files under ``data_dir/sandbox`` (or take ``files``, already being
    written) and import them. ``steps`` times each step; ``progress`` hears the details (what
    each import did); ``beside`` is named work that needs nothing from the build, done in
    the thread beside the usage sync and the refresh."""
    steps = steps or BuildSteps()
    out_dir = data_dir / "sandbox"
    files = files or SandboxFiles(out_dir=out_dir, scale=scale, seed=seed, report=steps.add)
    side = _SideLine(inline=transaction.get_connection().in_atomic_block)
    try:
        workspace = _company_and_customers(files, seed=seed, steps=steps, progress=progress)
        crm = files.crm_files()

        def feedback() -> None:
            with steps.step("Feedback from five tools, triaged, with themes"):
                sandbox_feedback(
                    workspace=workspace,
                    out_dir=out_dir,
                    scale=scale,
                    seed=seed,
                    crm=crm,
                    progress=progress,
                    files=files.feedback_files(),
                )

        progress("Loading billing, usage, costs and headcount through the connectors")
        as_of = sandbox_billing_sync(
            workspace=workspace, exports=files, progress=progress, steps=steps
        )
        # Once the billing is in: beside Stripe's many small statements it held them up on
        # Python's lock; from here the main line waits for the usage files, then loads them
        # and refreshes in DuckDB (Python's lock free).
        feedback_done = side.run(feedback)
        others_done = [side.run(_timed(steps, name, work)) for name, work in beside]
        sandbox_usage_sync(workspace=workspace, exports=files, progress=progress, steps=steps)
        sandbox_business_refresh(workspace=workspace, as_of=as_of, steps=steps)
        feedback_done.result()  # research reads the feedback
        with steps.step("Research studies, transcripts and insights"):
            sandbox_research(workspace=workspace, out_dir=out_dir, seed=seed, progress=progress)
        with steps.step("Goals: intents, initiatives, objectives, key results"):
            sandbox_strategy(workspace=workspace, seed=seed, progress=progress)
        with steps.step("Betas and launches"):
            progress(f"  {sandbox_launches(workspace=workspace)}")
        with steps.step("Roadmaps, decisions' roadmap moves, a team dashboard"):
            sandbox_roadmaps(workspace=workspace, seed=seed, progress=progress)
            moves = sandbox_decision_changes(workspace=workspace)
            progress(f"  {moves} roadmap moves linked to decisions")
            progress(f"  {sandbox_team_dashboards(workspace=workspace)}")
        for done in others_done:
            done.result()
    finally:
        side.close()
        files.close()
    return workspace


def _company_and_customers(
    files: SandboxFiles, *, seed: int, steps: BuildSteps, progress: Progress
) -> Workspace:
    """The workspace, its sign-ins, organisation and customers, a year of reviews and the
    onboarding: one transaction, so a failed build leaves no half-made workspace behind."""
    with transaction.atomic():
        with steps.step("Organisation and demo sign-ins"):
            organisation = files.organisation_files()
            workspace = account_services.workspace_create(
                name=company.COMPANY,
                slug=slugify(company.COMPANY),
                reporting_currency=company.REPORTING_CURRENCY,
            )
            progress("Adding the demo sign-ins")
            for user in json.loads(organisation.users.read_text())["users"]:
                account_services.user_create(
                    actor=None, workspace=workspace, password=company.DEMO_PASSWORD, **user
                )
            progress(f"Importing the organisation from {organisation.organisation}")
            report = organisation_import(
                actor=None,
                workspace=workspace,
                document=json.loads(organisation.organisation.read_text()),
                source=str(organisation.organisation),
            )
            progress(f"  {report.summary()}")
        crm = files.crm_files()
        with steps.step("Customers from Salesforce and HubSpot exports"):
            progress("Importing the customers from Salesforce and HubSpot exports")
            crm_load(workspace=workspace, files=crm, progress=progress)
        with steps.step("Reviews, decisions, playbook and tool stack"):
            progress(f"  {sandbox_cadences(workspace=workspace, seed=seed)}")
        with steps.step("Onboarding, pulse and scorecard history"):
            progress(f"  {sandbox_onboarding(workspace=workspace, seed=seed)}")
    return workspace


class _SideLine:
    """A thread for work beside the main line, or, ``inline``, none: the work is done at once
    (its exception raised at once)."""

    def __init__(self, *, inline: bool) -> None:
        self._pool = None if inline else ThreadPoolExecutor(1, thread_name_prefix="beside")

    def run(self, work: Callable[[], object]) -> Future:
        if self._pool is not None:
            return self._pool.submit(_closing_connections, work)
        done: Future = Future()
        done.set_result(work())
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _closing_connections(work: Callable[[], object]) -> object:
    # A thread's database connections are its own: closed when its work is done.
    try:
        return work()
    finally:
        connections.close_all()


def _timed(steps: BuildSteps, name: str, work: Callable[[], object]) -> Callable[[], None]:
    def timed() -> None:
        with steps.step(name):
            work()

    return timed
