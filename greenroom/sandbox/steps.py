"""The steps of a sandbox build, each timed: wall and CPU seconds, one line when it ends, so
whoever waits for ``greenroom demo`` sees where the minute goes (and benchmarks/demo_build.py
can print them from ``build-steps.json``).

Some steps run beside the others: the files are written by a worker process, the feedback
and the static files in a thread while the usage is synced and refreshed. Their
lines say so, and their CPU is their own (the worker's, or the thread's); a step of the main
line counts the whole process's CPU while it ran, so it includes a thread's work beside it."""

import json
import resource
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

MAIN = ""
THREAD = "beside, in a thread"
WORKER = "beside, in the file worker"


@dataclass(frozen=True)
class StepTime:
    name: str
    wall: float
    cpu: float
    lane: str = MAIN


@dataclass
class BuildSteps:
    """Times each ``step`` and reports it through ``report`` (silent by default)."""

    report: Callable[[str], None] = lambda _: None
    times: list[StepTime] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the block as a step of the main line (or of a thread, when run in one)."""
        lane = MAIN if threading.current_thread() is threading.main_thread() else THREAD
        clock = cpu_seconds if lane == MAIN else time.thread_time
        wall, cpu = time.perf_counter(), clock()
        yield
        self.add(StepTime(name, time.perf_counter() - wall, clock() - cpu, lane))

    def add(self, taken: StepTime) -> None:
        with self._lock:
            self.times.append(taken)
            self.report(line(taken))

    def write(self, path: Path) -> None:
        path.write_text(json.dumps([asdict(t) for t in self.times], indent=1) + "\n")


def line(taken: StepTime) -> str:
    where = f", {taken.lane}" if taken.lane else ""
    return f"{taken.name:<56} {taken.wall:5.1f} s  (CPU {taken.cpu:.1f} s{where})"


def cpu_seconds() -> float:
    """CPU seconds of this process (all its threads) and of its children that have ended."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime
