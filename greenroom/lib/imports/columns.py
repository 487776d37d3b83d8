"""Which column of a file holds which field, and reading one row's fields by name.

Column names are compared by ``column_key``: case, spaces and punctuation ignored, so
``Billing Country``, ``BillingCountry`` and ``billing_country`` are one name.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from greenroom.lib.imports.report import ImportRejected, ImportReport
from greenroom.lib.imports.values import BadValue


def column_key(name: str) -> str:
    """A column name as compared: lower-case letters and digits only."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def column_match(headers: Iterable[str], aliases: Iterable[str]) -> str | None:
    """The first header that one of ``aliases`` names (aliases in order of preference)."""
    by_key = {column_key(header): header for header in headers}
    for alias in aliases:
        found = by_key.get(column_key(alias))
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class TargetField:
    """A field an importer fills: its name, a label people recognise, whether it must be
    there."""

    name: str
    label: str
    required: bool = False


def mapping_check(
    *,
    fields: Sequence[TargetField],
    what: str,
    mapping: dict[str, str],
    headers: list[str],
    report: ImportReport,
) -> None:
    """Raise ImportRejected when a mapping (field → column) names unknown fields or
    columns, or leaves a required field without a column; ``what`` names the fields' kind."""
    known = {target.name for target in fields}
    for name, column in mapping.items():
        if name not in known:
            report.problem(1, column, f"'{name}' is not a field of {what}")
        elif column not in headers:
            report.problem(1, column, "no such column in the file")
    for target in fields:
        if target.required and target.name not in mapping:
            report.problem(1, target.label, f"no column holds the {target.label.lower()}")
    if report.rejected:
        raise ImportRejected(report)


class RowReader:
    """One row's values by field name, collecting problems (at the row and the field's
    column) instead of stopping at the first."""

    def __init__(
        self, line: int, values: dict[str, str], mapping: dict[str, str], report: ImportReport
    ):
        self.line, self.values, self.mapping, self.report = line, values, mapping, report
        self.ok = True

    def has(self, name: str) -> bool:
        return name in self.mapping

    def text(self, name: str, limit: int = 255) -> str:
        value = self.values.get(self.mapping.get(name, ""), "")
        if len(value) > limit:
            self.fail(name, f"longer than {limit} characters")
        return value

    def parse(self, name: str, parser: Callable[[str], Any], default: Any = None) -> Any:
        try:
            return parser(self.text(name, 10_000))
        except BadValue as error:
            self.fail(name, str(error))
            return default

    def fail(self, name: str, message: str) -> None:
        self.ok = False
        self.report.problem(self.line, self.mapping.get(name, name), message)

    def unmapped(self) -> dict[str, str]:
        """The row's non-empty values in columns no field is mapped to."""
        used = set(self.mapping.values())
        return {
            column: value for column, value in self.values.items() if column not in used and value
        }
