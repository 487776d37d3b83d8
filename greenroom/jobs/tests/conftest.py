import uuid

import pytest
from huey import MemoryHuey


@pytest.fixture
def immediate_huey() -> MemoryHuey:
    """A huey that runs each job in the caller as it is enqueued, as GREENROOM_JOBS_IMMEDIATE."""
    return MemoryHuey(f"test-{uuid.uuid4().hex[:8]}", immediate=True)


@pytest.fixture
def queue_huey() -> MemoryHuey:
    """An in-memory queue the test works by hand: dequeue, execute, read the schedule."""
    return MemoryHuey(f"test-{uuid.uuid4().hex[:8]}")
