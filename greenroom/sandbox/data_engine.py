"""The sandbox company's business data: billing, usage, costs, headcount and FX rates,
generated as the files those systems export, synced through the connectors users use, then
refreshed into metrics."""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from greenroom.accounts.models import Workspace
from greenroom.jobs.registry import run_now
from greenroom.metrics.tasks import refresh
from greenroom.sandbox import business, planted_changes
from greenroom.sandbox import experiments as sandbox_experiments
from greenroom.sandbox.crm import CrmFiles
from greenroom.sources import services as source_services
from greenroom.sources.choices import SourceKind

Progress = Callable[[str], None]


def sandbox_business_data(
    *,
    workspace: Workspace,
    out_dir: Path,
    scale: str,
    seed: int,
    crm: CrmFiles,
    progress: Progress = lambda _: None,
) -> None:
    """Generate, sync and refresh the sandbox's business data."""
    started = time.monotonic()
    # The files run to yesterday; the refresh reads the business as of that day too, or
    # today's renewals, which the files do not hold, would read as churn.
    end = datetime.now(UTC).date() - timedelta(days=1)
    files = business.generate(
        out_dir=out_dir / "business",
        scale=scale,
        seed=seed,
        end=end,
        crm_accounts=business.accounts_from_crm(crm.salesforce_accounts, crm.hubspot_companies),
    )
    planting = planted_changes.plant(files, end=end, seed=seed)  # the notable changes (health)
    events = posthog_export(
        files.events_table if files.events_table is not None else files.events,
        out_dir / "business" / "posthog-events.parquet",
        plant=planting.events,
    )
    exposures = sandbox_experiments.exposure_file(
        events, out_dir / "business" / "posthog-experiments.parquet", seed=seed
    )
    progress(f"  generated billing, usage, cost and headcount files ({_since(started)})")
    experiment_source = ("posthog-experiments", SourceKind.POSTHOG, exposures, {})
    for name, kind, paths, settings in [*_sources(files, events), experiment_source]:
        source = source_services.source_create(
            actor=None,
            workspace=workspace,
            name=name,
            kind=kind,
            trusted=True,
            settings={"path": str(paths), **settings},
            schedule="",
        )
        run = source_services.source_sync(source=source)
        progress(f"  synced {name}: {run.rows_loaded:,} rows ({_since(started)})")
    run_now(refresh, workspace_id=workspace.pk, full=True, as_of=end.isoformat())
    progress(f"  refreshed the metrics ({_since(started)})")
    sandbox_experiments.register(workspace=workspace)
    progress(f"  registered and analysed the experiments ({_since(started)})")


def posthog_export(
    tracks: Path | pa.Table, out: Path, plant: Callable[[pa.Table], pa.Table] | None = None
) -> Path:
    """The generated product events as PostHog's Parquet batch export writes them: one row
    per event with uuid, event, distinct_id, timestamp, created_at and a JSON properties
    column holding the product, the feature and the account (``$groups``). ``tracks`` is the
    Segment tracks file, or the table just written to it."""
    table = tracks if isinstance(tracks, pa.Table) else pq.read_table(tracks)
    if plant is not None:
        table = plant(table)
    feature = table["feature"]
    # Scalars broadcast: building whole columns of constant text is what made this slow.
    quoted_feature = pc.if_else(
        pc.is_null(feature), pa.scalar("null"), _join('"', pc.fill_null(feature, ""), '"')
    )
    properties = _join(
        '{"product":"', table["product"], '","feature":', quoted_feature,
        ',"$groups":{"company":"', table["group_id"], '"}}',
    )  # fmt: skip
    export = pa.table(
        {
            "uuid": table["id"],
            "event": table["event"],
            "distinct_id": pc.coalesce(table["user_id"], table["anonymous_id"]),
            "timestamp": table["timestamp"],
            "created_at": table["received_at"],
            "properties": properties,
        }
    )
    business.write_parquet(export, out, dictionary=("event",))
    return out


def _join(*parts) -> pa.ChunkedArray:
    return pc.binary_join_element_wise(
        *(pa.scalar(part) if isinstance(part, str) else part for part in parts), ""
    )


def _sources(files: business.BusinessFiles, events: Path) -> list[tuple[str, str, Path, dict]]:
    stripe_folder = files.stripe_customers.parent / "stripe-*.jsonl"
    return [
        ("fx-rates", SourceKind.FX_RATES, files.fx_rates, {}),
        ("stripe-billing", SourceKind.STRIPE_FILES, stripe_folder, {}),
        ("posthog-events", SourceKind.POSTHOG, events, {}),
        ("general-ledger", SourceKind.COSTS, files.costs, {}),
        ("hr-headcount", SourceKind.HEADCOUNT, files.headcount, {}),
    ]


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"
