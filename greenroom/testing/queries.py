"""A guard that fails a test when a page or endpoint's query count grows with its rows."""

from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextmanager
def max_queries(limit: int):
    """Fail if the block runs more than ``limit`` SQL queries."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    count = len(captured.captured_queries)
    if count > limit:
        statements = "\n".join(q["sql"][:200] for q in captured.captured_queries)
        raise AssertionError(f"{count} queries, more than {limit}:\n{statements}")
