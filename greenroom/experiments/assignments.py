"""Exposures from an uploaded assignment file: who was given which variant, and when.

A CSV (UTF-8, comma or semicolon) or Parquet file with a column for the user id and one for
the variant (its flag value or its name), and optionally when the user was assigned and
their account. The whole file is checked before anything is kept: every problem names the
file, the row (the CSV's line, or the Parquet row counted from 1) and the column. A user
given two variants is not a problem: they are counted and left out of the analysis, like a
user whose events show both. Uploading the same file again changes nothing.

The rows are kept as a Parquet file in the data folder, which DuckDB reads beside the
analytics store when the experiment is analysed (exposures.FileExposures).
"""

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from greenroom.accounts.models import User
from greenroom.accounts.services import audit_record
from greenroom.experiments.choices import AuditAction
from greenroom.experiments.models import AssignmentUpload, Experiment
from greenroom.lib.imports.columns import column_match
from greenroom.lib.imports.report import ImportRejected, ImportReport
from greenroom.lib.imports.tables import table_read
from greenroom.lib.imports.values import BadValue, as_datetime

PARQUET_MAGIC = b"PAR1"
# Column names recognised for each field, in order of preference.
COLUMNS = {
    "user_id": ("user_id", "user", "distinct_id", "userid"),
    "variant": ("variant", "variation", "arm", "group", "feature_flag_response"),
    "assigned_at": ("assigned_at", "timestamp", "time", "exposed_at", "date"),
    "account_id": ("account_id", "account", "group_id"),
}
REQUIRED = ("user_id", "variant")
MAX_ID = 255


def folder() -> Path:
    """Where uploaded assignments are kept."""
    return Path(settings.DATA_DIR) / "experiments" / "assignments"


def path_of(upload: AssignmentUpload) -> Path:
    """The Parquet file holding an upload's rows."""
    return (
        folder()
        / f"workspace-{upload.workspace_id}"
        / (f"experiment-{upload.experiment_id}-{upload.digest}.parquet")
    )


def current(experiment: Experiment) -> AssignmentUpload | None:
    """The assignment file in use: the latest upload."""
    return experiment.assignment_uploads.order_by("-uploaded_at", "-pk").first()


def _rows_of(
    name: str, data: bytes
) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]], list[tuple[int, str]]]:
    """The file's column names, its rows (row number, values by column) as they are read,
    and the rows that could not be read (filled while reading a CSV)."""
    if data[:4] == PARQUET_MAGIC or name.lower().endswith(".parquet"):
        try:
            table = pq.read_table(pa.BufferReader(data))
        except (pa.ArrowException, OSError) as error:
            raise ValidationError(f"{name}: not a Parquet file we can read ({error}).") from None
        batches = (row for batch in table.to_batches() for row in batch.to_pylist())
        return list(table.column_names), enumerate(batches, start=1), []
    csv = table_read(name=name, data=data)
    return csv.headers, iter(csv.rows), csv.problems


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _timestamp(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return as_datetime(str(value))


def assignment_upload(
    *, experiment: Experiment, actor: User | None, file_name: str, data: bytes
) -> AssignmentUpload:
    """Check an assignment file and keep it as the experiment's exposures; all or nothing."""
    digest = hashlib.sha256(data).hexdigest()
    latest = current(experiment)
    if latest is not None and latest.digest == digest and path_of(latest).exists():
        return latest
    headers, rows, unreadable = _rows_of(file_name, data)
    report = ImportReport(file=file_name, kind="assignments")
    columns = {field: column_match(headers, aliases) for field, aliases in COLUMNS.items()}
    for field in REQUIRED:
        if columns[field] is None:
            report.problem(1, field, f"no column holds the {field.replace('_', ' ')}")
    if report.rejected:
        raise ImportRejected(report)
    variants = {v.key: v.key for v in experiment.variants.all()}
    variants.update({v.name.lower(): v.key for v in experiment.variants.all()})
    known = ", ".join(v.key for v in experiment.variants.all())
    users, keys, times, accounts = [], [], [], []
    seen: dict[str, set[str]] = defaultdict(set)
    read = 0
    for line, values in rows:
        read += 1
        user = _text(values.get(columns["user_id"] or ""))
        raw_variant = _text(values.get(columns["variant"] or ""))
        if not user:
            report.problem(line, columns["user_id"] or "user_id", "is required")
        elif len(user) > MAX_ID:
            report.problem(line, columns["user_id"] or "", f"longer than {MAX_ID} characters")
        variant = variants.get(raw_variant) or variants.get(raw_variant.lower())
        if not raw_variant:
            report.problem(line, columns["variant"] or "variant", "is required")
        elif variant is None:
            report.problem(
                line,
                columns["variant"] or "variant",
                f"'{raw_variant}' is not a variant of this experiment ({known})",
            )
        at = None
        if columns["assigned_at"] is not None:
            try:
                at = _timestamp(values.get(columns["assigned_at"]))
            except BadValue as error:
                report.problem(line, columns["assigned_at"], str(error))
        account = _text(values.get(columns["account_id"])) if columns["account_id"] else ""
        if report.rejected:
            continue
        users.append(user)
        keys.append(variant)
        times.append(at)
        accounts.append(account or None)
        seen[user].add(variant or "")
    for line, message in unreadable:
        report.problem(line, "(row)", message)
    if not read and not unreadable:
        report.problem(None, "", "has no rows: one row per user and variant")
    if report.rejected:
        raise ImportRejected(report)
    per_variant: dict[str, int] = defaultdict(int)
    two_variants = 0
    for given in seen.values():
        if len(given) > 1:
            two_variants += 1
        else:
            per_variant[next(iter(given))] += 1
    table = pa.table(
        {
            "user_id": pa.array(users, type=pa.string()),
            "variant": pa.array(keys, type=pa.string()),
            "assigned_at": pa.array(times, type=pa.timestamp("us", tz="UTC")),
            "account_id": pa.array(accounts, type=pa.string()),
        }
    )
    with transaction.atomic():
        upload = AssignmentUpload.objects.create(
            workspace=experiment.workspace,
            experiment=experiment,
            file_name=file_name[:255],
            digest=digest,
            rows=len(users),
            users=dict(per_variant),
            two_variants=two_variants,
            uploaded_by=actor,
        )
        target = path_of(upload)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        pq.write_table(table, partial)
        os.replace(partial, target)
        audit_record(
            actor=actor,
            workspace=experiment.workspace,
            action=AuditAction.ASSIGNMENT_UPLOAD,
            target=experiment,
            detail={"file": file_name, "rows": len(users), "two_variants": two_variants},
        )
    return upload
