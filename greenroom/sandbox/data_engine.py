"""The sandbox company's business data: billing, usage, costs, headcount and FX rates,
generated as the files those systems export, synced through the connectors users use, then
refreshed into metrics."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from greenroom.accounts.models import Workspace
from greenroom.jobs.registry import run_now
from greenroom.metrics.tasks import refresh
from greenroom.sandbox import business, planted_changes
from greenroom.sandbox import experiments as sandbox_experiments
from greenroom.sandbox.crm import CrmFiles
from greenroom.sandbox.steps import BuildSteps
from greenroom.sources import services as source_services
from greenroom.sources.choices import SourceKind

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BillingExports:
    """The billing files as the connectors load them, and the day they run to."""

    fx_rates: Path
    stripe: Path  # every stripe-*.jsonl of the folder
    end: date


@dataclass(frozen=True)
class UsageExports:
    """The usage, cost and headcount files as the connectors load them."""

    events: Path  # PostHog's export of product usage
    costs: Path
    headcount: Path
    experiments: Path  # PostHog's export of the experiments' exposures and outcomes


class BusinessExports(Protocol):
    """Where the business files come from: the billing first, the rest after it."""

    def billing_exports(self) -> BillingExports: ...

    def usage_exports(self) -> UsageExports: ...


class BusinessExportsWriter:
    """Writes the billing, usage, cost, headcount and FX files running to ``end`` (included),
    with the notable changes planted in them, for the accounts of the ``crm`` exports.

    In two parts, so the billing can be synced while the rest is written: the usage files
    are drawn on from where the billing left the random draw (the same files as one
    ``business.generate``)."""

    def __init__(self, *, out_dir: Path, scale: str, seed: int, crm: CrmFiles, end: date) -> None:
        self._folder = out_dir / "business"
        self._scale, self._seed, self._crm, self._end = scale, seed, crm, end
        self._billing: tuple[business.BillingDraw, planted_changes.Planting] | None = None

    def billing_exports(self) -> BillingExports:
        draw, _ = self._drawn_billing()
        return BillingExports(
            fx_rates=draw.files.fx_rates, stripe=self._folder / "stripe-*.jsonl", end=self._end
        )

    def usage_exports(self) -> UsageExports:
        draw, planting = self._drawn_billing()
        files = business.generate_usage(draw, segment_export=False)  # loaded as PostHog's
        planting.ledger(files)
        if files.drawn_events is None:
            raise RuntimeError("business.generate_usage returned no drawn events")
        events = posthog_export(
            planting.events(files.drawn_events), self._folder / "posthog-events.parquet"
        )
        exposures = sandbox_experiments.exposure_file(
            events, self._folder / "posthog-experiments.parquet", seed=self._seed
        )
        return UsageExports(
            events=events, costs=files.costs, headcount=files.headcount, experiments=exposures
        )

    def _drawn_billing(self) -> tuple[business.BillingDraw, planted_changes.Planting]:
        if self._billing is None:
            draw = business.generate_billing(
                out_dir=self._folder,
                scale=self._scale,
                seed=self._seed,
                end=self._end,
                crm_accounts=business.accounts_from_crm(
                    self._crm.salesforce_accounts, self._crm.hubspot_companies
                ),
            )
            # Notable changes for the health feed to find.
            planting = planted_changes.plant(draw.files, end=self._end, seed=self._seed)
            self._billing = (draw, planting)
        return self._billing


def data_end() -> date:
    """The last day of the generated business data: yesterday (UTC). The refresh reads the
    business as of that day too, or today's renewals, which the files do not hold, would read
    as churn."""
    return datetime.now(UTC).date() - timedelta(days=1)


def sandbox_business_data(
    *,
    workspace: Workspace,
    out_dir: Path,
    scale: str,
    seed: int,
    crm: CrmFiles,
    progress: Progress = lambda _: None,
    steps: BuildSteps | None = None,
) -> None:
    """Write, sync and refresh the sandbox's business data."""
    steps = steps or BuildSteps()
    exports = BusinessExportsWriter(
        out_dir=out_dir, scale=scale, seed=seed, crm=crm, end=data_end()
    )
    as_of = sandbox_billing_sync(
        workspace=workspace, exports=exports, progress=progress, steps=steps
    )
    sandbox_usage_sync(workspace=workspace, exports=exports, progress=progress, steps=steps)
    sandbox_business_refresh(workspace=workspace, as_of=as_of, steps=steps)


def sandbox_billing_sync(
    *, workspace: Workspace, exports: BusinessExports, progress: Progress, steps: BuildSteps
) -> date:
    """Sync the billing ``exports`` (the usage files may still be being written); returns the
    day the business data runs to."""
    with steps.step("Billing synced (FX rates, Stripe)"):
        billing = exports.billing_exports()
        _sync(workspace, _billing_sources(billing), progress)
    return billing.end


def sandbox_usage_sync(
    *, workspace: Workspace, exports: BusinessExports, progress: Progress, steps: BuildSteps
) -> None:
    """Sync the usage, cost and headcount ``exports`` once written."""
    with steps.step("Usage, cost and headcount synced"):
        _sync(workspace, _usage_sources(exports.usage_exports()), progress)


def sandbox_business_refresh(*, workspace: Workspace, as_of: date, steps: BuildSteps) -> None:
    """The full metrics refresh as of the data's last day, then the experiments' analyses."""
    with steps.step("Metrics refreshed (full)"):
        run_now(refresh, workspace_id=workspace.pk, full=True, as_of=as_of.isoformat())
    with steps.step("Experiments registered and analysed"):
        sandbox_experiments.register(workspace=workspace)


def _sync(workspace: Workspace, sources: list[tuple[str, str, Path]], progress: Progress) -> None:
    for name, kind, path in sources:
        started = time.monotonic()
        source = source_services.source_create(
            actor=None,
            workspace=workspace,
            name=name,
            kind=kind,
            trusted=True,
            settings={"path": str(path)},
            schedule="",
        )
        run = source_services.source_sync(source=source)
        progress(f"  synced {name}: {run.rows_loaded:,} rows ({_since(started)})")


def posthog_export(events: business.DrawnEvents, out: Path) -> Path:
    """The generated product events as PostHog's Parquet batch export writes them: one row
    per event with uuid, event, distinct_id, timestamp, created_at and a JSON properties
    column holding the product, the feature and the account (``$groups``)."""
    user = events.user_ids()
    export = pa.table(
        {
            "uuid": pc.binary_join_element_wise(
                pa.scalar("msg"), pa.array(events.number).cast(pa.string()), "-"
            ),
            "event": pc.if_else(
                pa.array(events.page_view), pa.scalar("Page Viewed"), pa.scalar("Feature Used")
            ),
            "distinct_id": pc.if_else(
                pa.array(events.anonymous), pc.binary_join_element_wise("anon", user, "-"), user
            ),
            "timestamp": business.instants(events.sent),
            "created_at": business.instants(events.received),
            "properties": _properties(events),
        }
    )
    business.write_parquet(export, out, dictionary=("event", "distinct_id", "properties"))
    return out


def _properties(events: business.DrawnEvents) -> pa.Array:
    """Each event's properties as JSON: its product, its feature (null for a page view) and
    its account. Written once per (product or feature, account) and picked by code, as
    joining millions of strings piece by piece took seconds."""
    products = [(str(product), None) for product in events.product_names]
    features = [
        (str(product), str(feature))
        for product in events.product_names
        for feature in business.FEATURES[str(product)]
    ]
    texts = [
        f'{{"product":"{product}","feature":{_json_text(feature)},"$groups":{{"company":"{account}"}}}}'
        for product, feature in products + features
        for account in events.account_names
    ]
    pair = np.where(events.page_view, events.product, len(products) + events.feature)
    codes = pair * len(events.account_names) + events.account
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(texts)).cast(
        pa.string()
    )


def _json_text(text: str | None) -> str:
    return "null" if text is None else f'"{text}"'


def _billing_sources(exports: BillingExports) -> list[tuple[str, str, Path]]:
    return [
        ("fx-rates", SourceKind.FX_RATES, exports.fx_rates),
        ("stripe-billing", SourceKind.STRIPE_FILES, exports.stripe),
    ]


def _usage_sources(exports: UsageExports) -> list[tuple[str, str, Path]]:
    return [
        ("posthog-events", SourceKind.POSTHOG, exports.events),
        ("general-ledger", SourceKind.COSTS, exports.costs),
        ("hr-headcount", SourceKind.HEADCOUNT, exports.headcount),
        ("posthog-experiments", SourceKind.POSTHOG, exports.experiments),
    ]


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"
