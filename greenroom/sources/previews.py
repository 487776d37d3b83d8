"""The first rows of a source's newest CSV or Parquet file, to map its columns by eye."""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from greenroom.sources.choices import SourceKind
from greenroom.sources.connectors.base import BatchInvalid
from greenroom.sources.connectors.billing import (
    PACKED_SUFFIXES,
    BillingConnector,
    readable_table,
)
from greenroom.sources.connectors.events import PostHogConnector
from greenroom.sources.connectors.readers import map_columns
from greenroom.sources.connectors.registry import BILLING_KINDS, TABULAR_KINDS, connector_for
from greenroom.sources.connectors.tabular import TabularConnector
from greenroom.sources.models import Source
from greenroom.sources.paths import OutsideFolders
from greenroom.sources.selectors import source_file_list

PREVIEW_ROWS = 5


@dataclass
class Preview:
    """A file's columns and first rows, and how the source's fields map onto them."""

    file: str
    columns: list[str]
    rows: list[list[str]]
    fields: list[str]
    required: set[str]
    matched: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def column_preview(source: Source) -> Preview | None:
    """The preview of the source's newest table file, or None (no such file, not tabular).

    A file that cannot be read, or one now outside the allowed folders, gives a preview with
    only the problem: the source page must open to show it.
    """
    if source.kind not in TABULAR_KINDS:
        return None
    fields, required = _fields(source.kind)
    try:
        files = source_file_list(source)
    except OutsideFolders as outside:
        return Preview(outside.name, [], [], list(fields), required, problems=[str(outside)])
    # Billing sources also read spreadsheets and packed files: previewed once unpacked.
    suffixes = {".csv", ".parquet"} | (PACKED_SUFFIXES if source.kind in BILLING_KINDS else set())
    tables = [p for p in files if p.suffix.lower() in suffixes]
    existing = [p for p in tables if p.is_file()]
    if not existing:
        return None
    path = max(existing, key=lambda p: p.stat().st_mtime)
    try:
        with readable_table(path) as readable:
            columns, rows = _read_head(readable)
    except BatchInvalid as invalid:
        problems = [problem.message for problem in invalid.errors]
        return Preview(path.name, [], [], list(fields), required, problems=problems)
    # pyarrow's errors for a damaged file are ValueErrors (ArrowInvalid).
    except (OSError, ValueError, csv.Error):
        problem = f"{path.name} cannot be read as {path.suffix[1:].upper()}: damaged or cut short."
        return Preview(path.name, [], [], list(fields), required, problems=[problem])
    overrides = source.settings.get("columns") or {}
    matched, errors = map_columns(path.name, columns, fields, required, overrides)
    return Preview(
        file=path.name,
        columns=columns,
        rows=rows,
        fields=list(fields),
        required=required,
        matched=matched,
        problems=[error.message for error in errors],
    )


def _fields(kind: str) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    if kind == SourceKind.POSTHOG:
        return PostHogConnector.csv_fields, {"uuid", "event", "distinct_id", "timestamp"}
    connector = connector_for(kind)
    assert issubclass(connector, TabularConnector | BillingConnector), (
        f"{kind} sources have no column preview"
    )
    return connector.fields, connector.required


def _read_head(path: Path) -> tuple[list[str], list[list[str]]]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        table = pq.ParquetFile(path).read_row_group(0).slice(0, PREVIEW_ROWS)
        return table.column_names, [[str(v) for v in row.values()] for row in table.to_pylist()]
    with open(path, "rb") as handle:
        head = handle.read(256 * 1024).decode("utf-8-sig", errors="replace")
    lines = head.splitlines()[: PREVIEW_ROWS + 1]
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO("\n".join(lines)), dialect))
    return (rows[0] if rows else []), rows[1:]
