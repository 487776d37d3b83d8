"""The sandbox's experiments: exposure and outcome events in a PostHog export of their own,
then three experiments registered and analysed through the experiments app's services.

One has a real effect (onboarding checklist: 12 % -> 16 % of users create a project), one
none (pricing page copy), and one a planted sample-ratio mismatch (new editor: a quarter of
the treatment's exposures are lost, as when a client-side flag call fails to log). A few
users of the first see both variants, to show them left out and counted.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db.models import F

from greenroom.accounts.models import User, Workspace
from greenroom.experiments import services
from greenroom.experiments.choices import MetricKind
from greenroom.experiments.models import Experiment
from greenroom.organisation.models import Team
from greenroom.sandbox.company import DEMO_USERS

# Days from registering each sandbox experiment to starting it.
IDEA_DAYS = (9, 16, 23)

FLAG_EVENT = "$feature_flag_called"
DAY = 86_400 * 1_000_000  # microseconds


@dataclass(frozen=True)
class Planted:
    name: str
    flag: str
    hypothesis: str
    outcome: str
    kind: str
    rates: tuple[float, float]  # conversion rate, or events per user, per arm
    lost: float = 0.0  # share of the treatment's exposures that never reach the events
    both: int = 0  # users exposed to both arms


PLANTED = [
    Planted("Onboarding checklist", "onboarding-checklist",
            "A checklist on the first screen gets more new users to create a project.",
            "experiment_project_created", MetricKind.CONVERSION, (0.12, 0.16), both=25),
    Planted("Pricing page copy", "pricing-copy",
            "Plainer copy on the pricing page gets more upgrade clicks.",
            "experiment_upgrade_clicked", MetricKind.CONVERSION, (0.05, 0.05)),
    Planted("New editor", "new-editor",
            "The new editor gets users saving documents more often.",
            "experiment_document_saved", MetricKind.EVENTS_PER_USER, (2.0, 2.1), lost=0.25),
]  # fmt: skip


def exposure_file(events: Path, out: Path, *, seed: int) -> Path:
    """Write exposures and outcomes for the planted experiments as PostHog's export does."""
    rng = np.random.default_rng(seed + 15)
    # The last row group only (the export is in time order): recently active users, and
    # reading 5M ids to pick 6,000 is what made this slow at medium scale.
    exported = pq.ParquetFile(events)
    source = exported.read_row_group(
        exported.num_row_groups - 1, columns=["distinct_id", "timestamp"]
    )
    users = pc.unique(source["distinct_id"]).drop_null().to_numpy(zero_copy_only=False)
    end = pc.max(source["timestamp"]).value
    parts = [_experiment(rng, p, users, end) for p in PLANTED]
    table = pa.concat_tables(parts)
    pq.write_table(table.cast(pq.read_schema(events)), out)
    return out


def _experiment(rng: np.random.Generator, p: Planted, users: np.ndarray, end: int) -> pa.Table:
    chosen = rng.choice(users, size=min(len(users), 6000), replace=False)
    arm = rng.integers(0, 2, chosen.size)
    keep = ~((arm == 1) & (rng.random(chosen.size) < p.lost))
    chosen, arm = chosen[keep], arm[keep]
    seen = end - rng.integers(2 * DAY, 21 * DAY, chosen.size)
    names, ids, when, props = [], [], [], []
    keys = np.array(["control", "treatment"])
    exposure = np.array([_flag(p.flag, k) for k in keys])
    names.append(np.full(chosen.size, FLAG_EVENT))
    ids.append(chosen)
    when.append(seen)
    props.append(exposure[arm])
    if p.both:
        twice = chosen[: p.both]
        names.append(np.full(twice.size, FLAG_EVENT))
        ids.append(twice)
        when.append(seen[: p.both] + 3_600_000_000)
        props.append(exposure[1 - arm[: p.both]])
    rate = np.array(p.rates)[arm]
    if p.kind == MetricKind.CONVERSION:
        count = (rng.random(chosen.size) < rate).astype(int)
    else:
        count = rng.poisson(rate)
    who = np.repeat(np.arange(chosen.size), count)
    names.append(np.full(who.size, p.outcome))
    ids.append(chosen[who])
    when.append(seen[who] + rng.integers(60_000_000, DAY, who.size))
    props.append(np.full(who.size, '{"product":"workspace"}'))
    n = sum(len(x) for x in ids)
    return pa.table(
        {
            "uuid": [f"exp-{p.flag}-{i}" for i in range(n)],
            "event": np.concatenate(names),
            "distinct_id": np.concatenate(ids),
            "timestamp": pa.array(np.concatenate(when), pa.timestamp("us", tz="UTC")),
            "created_at": pa.array(np.concatenate(when), pa.timestamp("us", tz="UTC")),
            "properties": np.concatenate(props),
        }
    )


def _flag(flag: str, key: str) -> str:
    return f'{{"$feature_flag":"{flag}","$feature_flag_response":"{key}","product":"workspace"}}'


def register(*, workspace: Workspace) -> list:
    """Register, start and analyse the planted experiments through the app's services."""
    pm_email = next(email for email, *_, role in DEMO_USERS if role == "product_manager")
    actor = User.objects.filter(email=pm_email).first()
    team = Team.objects.for_workspace(workspace).order_by("name").first()
    registered = []
    for p in PLANTED:
        experiment = services.experiment_create(
            workspace=workspace,
            actor=actor,
            name=p.name,
            hypothesis=p.hypothesis,
            team=team,
            flag_key=p.flag,
            variants=[
                services.VariantIn("Control", "control", Decimal(50)),
                services.VariantIn("Treatment", "treatment", Decimal(50)),
            ],
            metrics=[
                services.MetricIn(
                    name=p.outcome.removeprefix("experiment_").replace("_", " ").capitalize(),
                    kind=p.kind,
                    event_name=p.outcome,
                )
            ],
            plan={"alpha": 0.05, "correction": "holm"},
        )
        services.experiment_start(experiment=experiment, actor=actor)
        # Registered a few weeks before it started, as ideas are (the scorecard's idea to
        # running measure read 0.0 days when both happened in the same second).
        Experiment.objects.filter(pk=experiment.pk).update(
            created_at=F("started_at") - timedelta(days=IDEA_DAYS[len(registered) % 3])
        )
        services.experiment_analyse_events(experiment=experiment, actor=actor)
        registered.append(experiment)
    return registered
