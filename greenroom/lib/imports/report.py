"""What an import did, or every reason it did not: one report type for every importer.

A problem always names its place: the file, the row (a line number in a CSV or XLSX file,
a place such as ``products[3]`` in a JSON document, or None for the file as a whole) and the
field (a column, or a bracketed word such as ``(file)`` when no single column is at fault).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

# Problems kept word for word; beyond them a report only counts (a file wrong on every one
# of a million rows would otherwise fill the memory with messages).
MAX_PROBLEMS = 1000
# Lines in the ValidationError an ImportRejected raises: enough to fix a file by.
MAX_REJECTED_LINES = 200
OUTCOMES = ("created", "updated", "unchanged")


@dataclass(frozen=True)
class Problem:
    """One problem with one import: where it is (file, row, field) and what is wrong."""

    file: str
    row: int | str | None
    field: str
    message: str

    def __str__(self) -> str:
        if isinstance(self.row, str):
            # A place in a document: ``org.json: products[0].product_line: ...``
            place = f"{self.row}.{self.field}" if self.field else self.row
            return f"{self.file}: {place}: {self.message}"
        where = self.file if self.row is None else f"{self.file}, row {self.row}"
        if not self.field:
            return f"{where}: {self.message}"
        return f"{where}, {self.field}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "field": self.field, "message": self.message}

    def sort_key(self) -> tuple[int, int]:
        # The whole file first, then rows in file order; places in a document keep theirs.
        if self.row is None:
            return (0, 0)
        return (1, self.row) if isinstance(self.row, int) else (1, 0)


@dataclass
class ImportReport:
    """What one import did (rows created, updated, unchanged, skipped), or every problem
    that stopped it.

    ``kind`` is what a file of one kind holds (accounts, contacts...); a document of several
    kinds (the organisation) has none, and counts each kind on its own (``by_kind``).
    """

    file: str
    kind: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    skipped: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    # Rows imported as they are but worth a look (a negative invoice line): never a reason
    # to reject, listed like problems (the first MAX_PROBLEMS) and counted.
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0

    def warn(self, problems: Iterable[Problem], total: int) -> None:
        """Record warnings (``total`` counts those beyond the ones listed)."""
        room = MAX_PROBLEMS - len(self.warnings)
        self.warnings.extend(list(problems)[: max(room, 0)])
        self.warning_count += total

    def problem(self, row: int | str | None, field: str, message: str) -> None:
        """Record a problem of this report's file."""
        self.add(Problem(self.file, row, field, message))

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def extend(self, problems: Iterable[Problem], total: int | None = None) -> None:
        """Add problems found elsewhere; ``total`` also counts those its finder left out."""
        listed = 0
        for problem in problems:
            self.add(problem)
            listed += 1
        if total is not None and total > listed:
            self.problem_count += total - listed

    def skip(self, row: int | str | None, message: str) -> None:
        """A row left out on purpose (not a problem: the import goes on)."""
        self.skipped.append(Problem(self.file, row, "", message))

    def count(self, outcome: str, number: int = 1, kind: str | None = None) -> None:
        """Count rows ``created``, ``updated`` or ``unchanged``; in a document of several
        kinds, under their ``kind`` too."""
        setattr(self, outcome, getattr(self, outcome) + number)
        if kind is not None:
            self.by_kind.setdefault(kind, Counter())[outcome] += number

    def counts(self, outcome: str) -> dict[str, int]:
        """Kind → rows with ``outcome``, for the kinds that had any."""
        return {kind: found[outcome] for kind, found in self.by_kind.items() if found[outcome]}

    def merge(self, other: "ImportReport") -> None:
        """Add another report's counts (a chunk's tally, once its transaction committed)."""
        for outcome in OUTCOMES:
            setattr(self, outcome, getattr(self, outcome) + getattr(other, outcome))
        for kind, found in other.by_kind.items():
            self.by_kind.setdefault(kind, Counter()).update(found)

    def forget_counts(self) -> None:
        """Nothing was kept after all (a failed save was undone)."""
        self.created = self.updated = self.unchanged = 0
        self.by_kind.clear()

    @property
    def rejected(self) -> bool:
        return self.problem_count > 0

    def as_dict(self) -> dict[str, Any]:
        """The report of a file of one kind as JSON (what the customer imports API returns
        and an import run keeps): totals, and each problem's row, column and message."""
        return {
            "file": self.file,
            "kind": self.kind,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [{"row": p.row, "message": p.message} for p in self.skipped],
            "errors": [
                {"row": p.row, "column": p.field, "message": p.message} for p in self.problems
            ],
            "problems": self.problem_count,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        """One line: what was imported, or how many problems stopped it."""
        if self.problem_count:
            return f"{self.file}: {self.problem_count} problems, nothing imported"
        if self.kind:
            skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
            return f"{self.file}: {_counted(self.created, self.updated, self.unchanged)}{skipped}"
        # A document: kind by kind, in the order they were first counted.
        parts = [
            f"{kind}: {_counted(*(found[outcome] for outcome in OUTCOMES))}"
            for kind, found in self.by_kind.items()
            if any(found.values())
        ]
        return "; ".join(parts) or "nothing to import"


def _counted(created: int, updated: int, unchanged: int) -> str:
    return f"{created} new, {updated} updated, {unchanged} unchanged"


class ImportRejected(ValidationError):
    """An import stopped by problems, nothing saved; ``report`` lists them all, and the
    messages are the problems, each with its file, row and field."""

    def __init__(self, report: ImportReport):
        self.report = report
        report.problems.sort(key=Problem.sort_key)
        super().__init__([str(problem) for problem in report.problems[:MAX_REJECTED_LINES]])
