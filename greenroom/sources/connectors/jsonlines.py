"""Shared machinery for connectors that read JSON lines files (events, Stripe objects)."""

from abc import abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from greenroom.lib.imports.report import Problem
from greenroom.sources.connectors.base import Batch, BatchInvalid, Check, Connector, Stage
from greenroom.sources.connectors.files import advance, file_cursor, read_lines, scan
from greenroom.sources.connectors.readers import jsonl_prepare, sniff_format

NOT_AN_OBJECT = Check("(line)", "NOT _valid", "'not valid JSON, or not a JSON object'")


class JsonLinesConnector(Connector):
    """Reads each file from its cursor; subclasses give the fields and the stages."""

    # field → DuckDB type for json_transform; VARCHAR for scalars so bad values are reported
    # by checks rather than silently nulled.
    spec: dict[str, Any] = {}
    # Events are many and narrow once parsed: their raw lines are not kept in the batch.
    keep_record: bool = True
    # Named in the message for a CSV file given to this connector.
    label: str = ""
    csv_hint: str = "a connector that reads CSV, or export the data as JSON lines"

    @abstractmethod
    def stages(self) -> list[Stage]:
        """The stages every batch of this connector fills."""

    def input_checks(self) -> list[Check]:
        return [NOT_AN_OBJECT]

    def batches(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        for path in self.files:
            batch = self.file_batch(path, cursor)
            if batch is not None:
                yield batch

    def file_batch(self, path: Path, cursor: dict[str, Any]) -> Batch | None:
        """The batch for what is new in ``path`` since ``cursor``, or None if nothing is."""
        refused = self.csv_refused(path)
        if refused is not None:
            return refused
        start, first_line = file_cursor(cursor, path)
        found = scan(path, start, has_header=False, first_line=first_line)
        if found.end <= start and not found.errors:
            return None
        quarantine = bool(self.settings.get("quarantine"))
        drop = found.bad_lines if quarantine else set()
        return Batch(
            label=path.name,
            prepare=lambda conn: jsonl_prepare(
                conn, found, self.spec, drop=drop, keep_record=self.keep_record
            ),
            read_records=None if self.keep_record else lambda rows: read_lines(found, rows),
            stages=self.stages(),
            input_checks=self.input_checks(),
            advance_cursor=lambda current: advance(
                current, path, offset=found.end, next_line=first_line + found.lines
            ),
            errors=found.errors,
            notices=found.notices,
            bad_rows=found.bad_lines,
        )

    def csv_refused(self, path: Path) -> Batch | None:
        """A batch rejecting a CSV file whole, with ONE message saying which connector reads
        it, instead of "not valid JSON" on each of its rows; None for a JSON file."""
        if sniff_format(path) != "csv":
            return None
        problem = Problem(
            path.name,
            None,
            "(file)",
            f"this looks like CSV; the {self.label or self.kind} connector reads JSON lines — "
            f"use {self.csv_hint}",
        )

        def refuse(_conn) -> int:
            raise BatchInvalid([problem])

        return Batch(label=path.name, prepare=refuse, stages=[], advance_cursor=lambda c: c)
