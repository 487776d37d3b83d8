"""What every connector hands the loader: batches of staged rows, checks and a new cursor.

A connector never writes the store. It describes one batch at a time as SQL over an input
relation (so normalisation runs inside DuckDB, not row by row in Python) plus the checks a
row must pass; the loader stages, validates and commits it (see greenroom/sources/loader.py).
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb

from greenroom.lib.imports.report import MAX_PROBLEMS, Problem

# Problems listed per batch (beyond them, counted): as many as any import report keeps.
MAX_REPORTED_ERRORS = MAX_PROBLEMS


class BatchInvalid(Exception):
    """The batch cannot be read at all (e.g. a required column is missing): rejected whole."""

    def __init__(self, errors: list[Problem]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class Check:
    """A row fails when ``bad`` (SQL over the staged columns) is true; ``reason`` is SQL text."""

    field: str
    bad: str
    reason: str


@dataclass
class Stage:
    """Rows for one raw table: a SELECT over the batch input (the temp table ``_in``).

    The SELECT yields the raw table's columns plus ``_row`` (the place in the file).
    ``children_of`` names a staged column holding the ids of parents re-sent whole (a
    subscription with all its items): rows of the table with that ``parent_id`` are replaced.
    """

    table: str
    select_sql: str
    checks: list[Check] = field(default_factory=list)
    children_of: str | None = None
    # Rows matching a warning are loaded; the import report counts and lists them.
    warnings: list[Check] = field(default_factory=list)
    # A temp table the batch's prepare already filled with these rows (``select_sql``'s),
    # with the columns ``_dup_conflict`` and ``_dup_first``: it becomes the staged table by
    # a rename, where copying a million rows cost a third of a second.
    prepared: str | None = None
    # The checks already reject any two rows sharing the table's key, so the loader does not
    # group every row by key to look for repeats.
    key_checked: bool = False
    # The ``_in`` columns (or fields of one: ``j.messageId``) the table's key is, unchanged
    # (a PostHog file's ``uuid`` is the event's id), for a stage yielding one row per input
    # row: then a batch whose rows all reach this stage, its first, may be loaded directly
    # (loader.py, ``_load_direct``), its ids read on their own.
    input_key: tuple[str, ...] = ()


@dataclass
class Batch:
    """One all-or-nothing unit of work: usually one file, or one API object type."""

    label: str
    prepare: Callable[[duckdb.DuckDBPyConnection], int]
    stages: list[Stage]
    # The committed cursor → the cursor with this batch loaded (applied only on commit, so a
    # rejected batch leaves its part of the cursor where it was).
    advance_cursor: Callable[[dict[str, Any]], dict[str, Any]]
    # Checks over the input itself (``_in``), e.g. "is a JSON object"; failing rows reach
    # no stage.
    input_checks: list[Check] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # Rows whose problem the input scan already found (bad bytes): excluded in quarantine mode.
    bad_rows: set[int] = field(default_factory=set)
    # For inputs that do not keep each row's text: row number → text, for quarantined rows.
    read_records: Callable[[set[int]], dict[int, str]] | None = None


class Connector(ABC):
    """A family of sources; subclasses yield batches from the cursor onwards."""

    kind: str = ""
    tables: tuple[str, ...] = ()

    def __init__(self, *, name: str, settings: dict[str, Any], files: list) -> None:
        self.name = name
        self.settings = settings
        self.files = files

    @abstractmethod
    def batches(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        """The batches with what is new since ``cursor``, in the order to commit them."""
