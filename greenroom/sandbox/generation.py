"""Every file of the sandbox written in a process of its own, while this one prepares the
database and loads what is ready.

Writing the files touches no database, and neither waits for the other: the generators are
Python and numpy on one core, migrations and imports Python on another. The worker is forked
(it starts with everything imported and costs no start-up), writes the groups of files in the
order they are loaded (organisation, CRM exports, feedback, billing, usage) and hands back
each group's paths and its own wall and CPU seconds.
"""

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from greenroom.sandbox import crm, data_engine, feedback, generator
from greenroom.sandbox.steps import WORKER, StepTime


@dataclass(frozen=True)
class Anchors:
    """When the sandbox is built: the outreach and feedback run to ``now`` (today at midnight,
    UTC), the business data to ``end`` (yesterday). Fixed once, so a build that crosses
    midnight still writes files that agree with each other."""

    now: datetime
    end: date

    @classmethod
    def today(cls) -> "Anchors":
        return cls(
            now=datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0),
            end=data_engine.data_end(),
        )


def _timed(name: str, write: Callable[[], Any]) -> tuple[Any, StepTime]:
    wall, cpu = time.perf_counter(), time.process_time()
    written = write()
    taken = StepTime(name, time.perf_counter() - wall, time.process_time() - cpu, WORKER)
    return written, taken


def _organisation(out_dir: Path, scale: str, seed: int) -> tuple[Any, StepTime]:
    return _timed(
        "Files: organisation",
        lambda: generator.generate(out_dir=out_dir, scale=scale, seed=seed),
    )


def _crm(out_dir: Path, scale: str, seed: int, now: datetime) -> tuple[Any, StepTime]:
    organisation = out_dir / "organisation.json"  # written by _organisation, just before
    return _timed(
        "Files: Salesforce and HubSpot exports",
        lambda: crm.crm_generate(
            out_dir=out_dir, scale=scale, seed=seed, organisation=organisation, now=now
        ),
    )


# The usage files are drawn on from where the billing left the random draw: the one worker
# writes both groups, billing first, and keeps their writer between them (never sent here).
_WRITERS: dict[Path, data_engine.BusinessExportsWriter] = {}


def _billing(
    out_dir: Path, scale: str, seed: int, files: crm.CrmFiles, end: date
) -> tuple[Any, StepTime]:
    writer = data_engine.BusinessExportsWriter(
        out_dir=out_dir, scale=scale, seed=seed, crm=files, end=end
    )
    _WRITERS[out_dir] = writer
    return _timed("Files: billing (FX rates, Stripe)", writer.billing_exports)


def _usage(out_dir: Path) -> tuple[Any, StepTime]:
    return _timed("Files: usage, cost and headcount", _WRITERS.pop(out_dir).usage_exports)


def _feedback(
    out_dir: Path, scale: str, seed: int, files: crm.CrmFiles, now: datetime
) -> tuple[Any, StepTime]:
    return _timed(
        "Files: feedback exports",
        lambda: feedback.feedback_generate(
            out_dir=out_dir, scale=scale, seed=seed, crm=files, now=now
        ),
    )


def _arrow_keeps_its_memory() -> None:
    # Arrow's default allocator (mimalloc) hands freed pages back to the system, and each of
    # the events' next million-row arrays takes them back page by page: the PostHog export
    # took 5.3 s the first time and 2 s the second. jemalloc keeps them (3.2 s, first time).
    pa.set_memory_pool(pa.jemalloc_memory_pool())


class SandboxFiles:
    """The sandbox's files being written; each method waits for its group and says where its
    files are. ``report`` hears each group's time as it is collected."""

    def __init__(
        self,
        *,
        out_dir: Path,
        scale: str,
        seed: int,
        anchors: Anchors | None = None,
        report: Callable[[StepTime], None] = lambda _: None,
    ) -> None:
        if scale not in generator.SCALES:
            raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(generator.SCALES)}")
        out_dir.mkdir(parents=True, exist_ok=True)
        self.anchors = anchors or Anchors.today()
        self._report = report
        self._collected: dict[str, Any] = {}
        # Forked before this process opens the store or starts a thread (Greenroom runs on
        # Unix: gunicorn does). One worker writes the groups in this order, each after the
        # files it reads.
        self._executor = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("fork"), initializer=_arrow_keeps_its_memory
        )
        now, end = self.anchors.now, self.anchors.end
        crm_files = crm.crm_files(out_dir)
        self._futures: dict[str, Future] = {
            "organisation": self._executor.submit(_organisation, out_dir, scale, seed),
            "crm": self._executor.submit(_crm, out_dir, scale, seed, now),
            "feedback": self._executor.submit(_feedback, out_dir, scale, seed, crm_files, now),
            "billing": self._executor.submit(_billing, out_dir, scale, seed, crm_files, end),
            "usage": self._executor.submit(_usage, out_dir),
        }

    def _wait(self, group: str) -> Any:
        if group not in self._collected:
            written, taken = self._futures[group].result()
            self._collected[group] = written
            self._report(taken)
        return self._collected[group]

    def organisation_files(self) -> generator.SandboxFiles:
        return self._wait("organisation")

    def crm_files(self) -> crm.CrmFiles:
        return self._wait("crm")

    def billing_exports(self) -> data_engine.BillingExports:
        return self._wait("billing")

    def usage_exports(self) -> data_engine.UsageExports:
        return self._wait("usage")

    def feedback_files(self) -> feedback.FeedbackFiles:
        return self._wait("feedback")

    def close(self) -> None:
        """Wait for the worker to end (a failed build cancels the groups not started)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
