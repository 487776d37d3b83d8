"""Exposures from an uploaded assignment file, and revenue per account from billing, each
against a computation worked by hand."""

import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from greenroom.accounts import services as account_services
from greenroom.experiments import assignments, selectors, services
from greenroom.experiments.choices import MetricKind, MetricRole
from greenroom.experiments.exposures import MissingData, OutcomeMetric, variant_sums
from greenroom.experiments.models import AssignmentUpload, VariantSummary
from greenroom.experiments.stats.analysis import MetricInput, analyse
from greenroom.experiments.stats.summaries import adjusted_summary, mean_summary
from greenroom.metrics import store

FLAG = '{{"$feature_flag": "f", "$feature_flag_response": "{}"}}'


def _at(day: int) -> datetime:
    return datetime(2026, 1, day, 12, tzinfo=UTC)


# (user, variant, day of exposure, account on the exposure event)
EXPOSURES = [
    ("u1", "control", 2, "A"),
    ("u2", "control", 5, "A"),  # A's first exposure is still 2 January
    ("u3", "treatment", 3, "B"),
    ("u4", "control", 4, "C"),
    ("u5", "treatment", 4, "C"),  # C has users in both variants: left out, counted
    ("u6", "treatment", 10, None),  # no account on the event: the identity's, D
    ("u7", "control", 1, "cus_E"),  # a Stripe customer id: the account keys make it E
    ("u8", "control", 6, "F"),
    ("u8", "treatment", 7, "F"),  # u8 saw both: left out, and F with them
    ("u9", "control", 8, "G"),  # G is never billed: revenue 0
]
# (day, account, amount): invoices, and a credit note as a negative amount
BILLINGS = [
    (date(2026, 1, 1), "A", 100.0),  # before A's first exposure
    (date(2026, 1, 15), "A", 50.0),
    (date(2026, 1, 20), "A", -10.0),
    (date(2026, 2, 1), "A", 30.0),
    (date(2026, 1, 3), "B", 200.0),  # the day of exposure counts
    (date(2026, 1, 20), "C", 500.0),
    (date(2026, 1, 9), "D", 40.0),
    (date(2026, 1, 11), "D", 60.0),
    (date(2026, 1, 20), "E", 25.0),
    (date(2026, 3, 1), "E", 1000.0),  # after the experiment ended
    (date(2026, 1, 20), "F", 90.0),
]
# By hand: control A 100-… → 50 - 10 + 30 = 70, E 25, G 0; treatment B 200, D 60.
CONTROL = (3, 95.0, 70.0**2 + 25.0**2)
TREATMENT = (2, 260.0, 200.0**2 + 60.0**2)


def _fill(connection: duckdb.DuckDBPyConnection, exposures=EXPOSURES, outcomes=()) -> None:
    connection.execute(
        "CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS model;"
        "CREATE TABLE raw.events (event_id VARCHAR, event VARCHAR, user_id VARCHAR, "
        "occurred_at TIMESTAMPTZ, properties JSON, account_id VARCHAR);"
        "CREATE TABLE raw.identities (user_id VARCHAR, account_id VARCHAR, seen_at TIMESTAMPTZ);"
        "CREATE TABLE model.account_keys (key VARCHAR, account_id VARCHAR);"
        "CREATE TABLE model.billings (day DATE, account_id VARCHAR, kind VARCHAR, amount DOUBLE)"
    )
    rows = [
        (f"x{i}", "$feature_flag_called", user, _at(day), FLAG.format(variant), account)
        for i, (user, variant, day, account) in enumerate(exposures)
    ]
    rows += [(f"o{i}", event, user, at, "{}", None) for i, (user, event, at) in enumerate(outcomes)]
    connection.executemany("INSERT INTO raw.events VALUES (?, ?, ?, ?, ?, ?)", rows)
    connection.executemany(
        "INSERT INTO raw.identities VALUES (?, ?, ?)",
        [("u6", "Z", _at(1)), ("u6", "D", _at(2))],  # the latest identity counts
    )
    connection.executemany(
        "INSERT INTO model.account_keys VALUES (?, ?)",
        [(k, k) for k in "ABCDEFG"] + [("cus_E", "E")],
    )
    connection.executemany(
        "INSERT INTO model.billings VALUES (?, ?, ?, ?)",
        [(day, account, "invoice", amount) for day, account, amount in BILLINGS],
    )


def test_revenue_per_account_is_billing_from_each_accounts_first_exposure():
    connection = duckdb.connect()
    _fill(connection)
    result = variant_sums(
        connection,
        flag_key="f",
        metrics=[OutcomeMetric("Revenue", MetricKind.REVENUE_PER_ACCOUNT)],
        revenue_until=date(2026, 2, 28),
    )
    assert result.sums["Revenue"] == {"control": CONTROL, "treatment": TREATMENT}
    assert result.excluded == 1 and result.excluded_accounts == 1
    assert result.users == {"control": 5, "treatment": 3}


def test_revenue_per_account_without_billing_says_so():
    connection = duckdb.connect()
    _fill(connection)
    connection.execute("DROP TABLE model.billings")
    with pytest.raises(MissingData, match="billing"):
        variant_sums(
            connection,
            flag_key="f",
            metrics=[OutcomeMetric("Revenue", MetricKind.REVENUE_PER_ACCOUNT)],
        )


def _experiment(personas, *, flag_key=""):
    return services.experiment_create(
        workspace=personas.workspace,
        actor=personas.pm,
        name="Pricing page",
        hypothesis="Annual plans up front lift revenue.",
        flag_key=flag_key,
        variants=[
            services.VariantIn(name="Control", key="control", split=Decimal(50)),
            services.VariantIn(name="Annual first", key="treatment", split=Decimal(50)),
        ],
        metrics=[
            services.MetricIn(name="Bought", kind=MetricKind.CONVERSION, event_name="buy"),
            services.MetricIn(
                name="Revenue", kind=MetricKind.REVENUE_PER_ACCOUNT, role=MetricRole.SECONDARY
            ),
        ],
    )


CSV = (
    "User ID,Variant,Assigned at,Account\r\n"
    "u1,control,2026-01-02T12:00:00Z,A\r\n"
    "u2,Control,2026-01-05T12:00:00Z,A\r\n"  # the variant's name works too
    "u3,treatment,2026-01-03T12:00:00Z,B\r\n"
    "u8,control,2026-01-06T12:00:00Z,F\r\n"
    "u8,Annual first,2026-01-07T12:00:00Z,F\r\n"
    "u9,control,,G\r\n"  # no timestamp: counts from the experiment's start
)


@pytest.mark.django_db
def test_an_assignment_file_is_checked_counted_and_kept_once(personas):
    experiment = _experiment(personas)
    upload = assignments.assignment_upload(
        experiment=experiment, actor=personas.pm, file_name="assign.csv", data=CSV.encode()
    )
    assert upload.rows == 6 and upload.two_variants == 1
    assert upload.users == {"control": 3, "treatment": 1}
    table = pq.read_table(assignments.path_of(upload)).to_pylist()
    assert table[0] == {
        "user_id": "u1",
        "variant": "control",
        "assigned_at": _at(2),
        "account_id": "A",
    }
    again = assignments.assignment_upload(
        experiment=experiment, actor=personas.pm, file_name="assign.csv", data=CSV.encode()
    )
    assert again.pk == upload.pk and AssignmentUpload.objects.count() == 1


@pytest.mark.django_db
def test_a_bad_assignment_file_names_file_row_and_column_and_keeps_nothing(personas):
    experiment = _experiment(personas)
    bad = (
        "user_id,variant,timestamp\nu1,control,2026-01-02\nu2,purple,\n,control,\nu4,control,soon\n"
    )
    with pytest.raises(ValidationError) as refused:
        assignments.assignment_upload(
            experiment=experiment, actor=personas.pm, file_name="bad.csv", data=bad.encode()
        )
    assert refused.value.messages == [
        "bad.csv, row 3, variant: 'purple' is not a variant of this experiment "
        "(control, treatment)",
        "bad.csv, row 4, user_id: is required",
        "bad.csv, row 5, timestamp: 'soon' is not a date; use YYYY-MM-DD or ISO 8601",
    ]
    with pytest.raises(ValidationError, match=r"nocol.csv, row 1, variant: no column holds"):
        assignments.assignment_upload(
            experiment=experiment, actor=personas.pm, file_name="nocol.csv", data=b"user_id\nu1\n"
        )
    with pytest.raises(ValidationError, match=r"empty.csv: has no rows"):
        assignments.assignment_upload(
            experiment=experiment,
            actor=personas.pm,
            file_name="empty.csv",
            data=b"user_id,variant\n",
        )
    with pytest.raises(ValidationError, match=r"quoted.csv, row 3, \(row\): unreadable row"):
        assignments.assignment_upload(
            experiment=experiment,
            actor=personas.pm,
            file_name="quoted.csv",
            data=b'user_id,variant\nu1,control\nu2,"con"trol\n',
        )
    assert not AssignmentUpload.objects.exists()


def _parquet(rows: dict) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.table(rows), out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_parquet_assignment_file_is_read_with_its_row_numbers(personas):
    experiment = _experiment(personas)
    good = _parquet(
        {
            "user_id": ["u1", "u2"],
            "variant": ["control", "treatment"],
            "assigned_at": pa.array([_at(2), None], type=pa.timestamp("us", tz="UTC")),
        }
    )
    upload = assignments.assignment_upload(
        experiment=experiment, actor=personas.pm, file_name="a.parquet", data=good
    )
    assert upload.users == {"control": 1, "treatment": 1}
    bad = _parquet({"user_id": ["u1", "u2"], "variant": ["control", "blue"]})
    with pytest.raises(ValidationError, match=r"b.parquet, row 2, variant: 'blue'"):
        assignments.assignment_upload(
            experiment=experiment, actor=personas.pm, file_name="b.parquet", data=bad
        )


def _publish(workspace_id: int, outcomes) -> None:
    with store.writer(workspace_id) as connection:
        _fill(connection, outcomes=outcomes)
        store.publish(connection, workspace_id)


@pytest.mark.django_db
def test_the_analysis_reads_the_uploaded_files_users_and_their_billing(personas):
    experiment = _experiment(personas)
    outcomes = [
        ("u1", "buy", _at(1)),  # before u1's assignment: not counted
        ("u1", "buy", _at(3)),
        ("u3", "buy", _at(4)),
        ("u8", "buy", _at(9)),  # u8 is left out
        ("u9", "buy", datetime(2025, 12, 1, tzinfo=UTC)),  # u9 counts from the start
    ]
    _publish(personas.workspace.pk, outcomes)
    assignments.assignment_upload(
        experiment=experiment, actor=personas.pm, file_name="assign.csv", data=CSV.encode()
    )
    services.experiment_start(experiment=experiment, actor=personas.pm)
    experiment.started_at = _at(1)
    experiment.ended_at = datetime(2026, 2, 28, tzinfo=UTC)
    experiment.save()
    services.experiment_analyse_events(experiment=experiment, actor=personas.pm)
    sums = {
        (s.metric.name, s.variant.key): (s.users, s.total, s.sum_squares)
        for s in VariantSummary.objects.filter(experiment=experiment).select_related(
            "metric", "variant"
        )
    }
    # Bought, by hand: control u1 (yes), u2 (no), u9 (no: before the start); treatment u3.
    assert sums[("Bought", "control")] == (3, 1.0, 1.0)
    assert sums[("Bought", "treatment")] == (1, 1.0, 1.0)
    # Revenue: control A (from 2 Jan: 70) and G (0); treatment B (200); F left out with u8.
    assert sums[("Revenue", "control")] == (2, 70.0, 4900.0)
    assert sums[("Revenue", "treatment")] == (1, 200.0, 40000.0)
    experiment.refresh_from_db()
    assert experiment.excluded_users == 1 and experiment.excluded_accounts == 0


@pytest.mark.django_db
def test_the_api_and_the_page_take_an_assignment_file(personas, client):
    experiment = _experiment(personas)
    viewer, pm = (
        {"HTTP_AUTHORIZATION": f"Bearer {account_services.token_create(user=u, name='t')[1]}"}
        for u in (personas.viewer, personas.pm)
    )
    url = f"/api/v1/experiments/experiments/{experiment.pk}/assignments"

    def upload(data: bytes, auth: dict, name: str = "assign.csv"):
        return client.post(url, {"file": _named(data, name)}, **auth)

    assert upload(CSV.encode(), viewer).status_code == 403
    created = upload(CSV.encode(), pm)
    assert created.status_code == 201, created.content
    assert created.json()["two_variants"] == 1 and created.json()["rows"] == 6
    refused = upload(b"user_id,variant\nu1,green\n", pm, "bad.csv")
    assert refused.status_code == 422
    assert "bad.csv, row 2, variant: 'green'" in json.dumps(refused.json())
    assert upload(b"\xff\xfe\x00garbage", pm, "x.parquet").status_code == 422
    page = personas.client(personas.pm).post(
        reverse("experiments:assignments", args=[experiment.pk]),
        {"file": _named(b"user_id,variant\nu1,control\nu2,treatment\n", "page.csv")},
        follow=True,
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "page.csv: 2 rows" in body and 'data-testid="assignment"' in body


def _named(data: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream


@pytest.mark.django_db
def test_cuped_reads_the_pre_period_from_the_events_like_per_user_arrays(personas):
    rng = np.random.default_rng(4)
    experiment = services.experiment_create(
        workspace=personas.workspace,
        actor=personas.pm,
        name="Editor",
        hypothesis="Saving is easier.",
        flag_key="f",
        variants=[
            services.VariantIn(name="Control", key="control", split=Decimal(50)),
            services.VariantIn(name="New", key="treatment", split=Decimal(50)),
        ],
        metrics=[
            services.MetricIn(name="Saves", kind=MetricKind.EVENTS_PER_USER, event_name="save")
        ],
        plan={"cuped_days": 14},
    )
    exposures, outcomes, per_user = [], [], {"control": ([], []), "treatment": ([], [])}
    for u in range(120):
        arm = "control" if u % 2 else "treatment"
        habit = rng.poisson(3)
        pre, post = rng.poisson(habit), rng.poisson(habit + (1 if arm == "treatment" else 0))
        exposures.append((f"u{u}", arm, 15, None))
        outcomes += [(f"u{u}", "save", _at(15) - timedelta(days=1 + i % 13)) for i in range(pre)]
        outcomes += [(f"u{u}", "save", _at(15) + timedelta(hours=i)) for i in range(post)]
        outcomes.append((f"u{u}", "save", _at(15) - timedelta(days=20)))  # too early for CUPED
        per_user[arm][0].append(post)
        per_user[arm][1].append(pre)
    with store.writer(personas.workspace.pk) as connection:
        _fill(connection, exposures=exposures, outcomes=outcomes)
        store.publish(connection, personas.workspace.pk)
    services.experiment_analyse_events(experiment=experiment, actor=personas.pm)
    got = selectors.experiment_analysis(experiment=experiment).analysis
    expected = analyse(
        variants=["Control", "New"],
        users=[60, 60],
        weights=[0.5, 0.5],
        metrics={
            "Saves": MetricInput([adjusted_summary(*per_user[a]) for a in ("control", "treatment")])
        },
        settings=selectors.settings_for(experiment),
    )
    assert got is not None
    (ours,), (theirs,) = got.comparisons, expected.comparisons
    assert ours.frequentist == theirs.frequentist and ours.bayesian == theirs.bayesian
    plain = analyse(
        variants=["Control", "New"],
        users=[60, 60],
        weights=[0.5, 0.5],
        metrics={
            "Saves": MetricInput([mean_summary(per_user[a][0]) for a in ("control", "treatment")])
        },
    )
    # The pre-period explains much of the spread: CUPED's interval is narrower.
    width = ours.frequentist.ci_high - ours.frequentist.ci_low
    (unadjusted,) = plain.comparisons
    assert width < unadjusted.frequentist.ci_high - unadjusted.frequentist.ci_low
