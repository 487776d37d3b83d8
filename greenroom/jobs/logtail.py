"""Keep the last lines a job logs, to store with its run."""

import logging
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

TAIL_LINES = 50
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class TailHandler(logging.Handler):
    """A handler that remembers the last ``lines`` lines logged by one thread."""

    def __init__(self, lines: int = TAIL_LINES) -> None:
        super().__init__()
        self.lines: deque[str] = deque(maxlen=lines)
        # Only this thread: the embedded worker shares its process with web requests and
        # other job threads, whose records reach the same root logger.
        self.thread_id = threading.get_ident()
        self.setFormatter(logging.Formatter(FORMAT))

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.thread_id

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.extend(self.format(record).splitlines())
        except Exception:
            self.handleError(record)

    def text(self) -> str:
        """The captured lines, oldest first."""
        return "\n".join(self.lines)


@contextmanager
def capture_log(lines: int = TAIL_LINES) -> Iterator[TailHandler]:
    """Capture what the current thread logs (through the root logger) while the block runs."""
    handler = TailHandler(lines)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
