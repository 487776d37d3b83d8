"""The metrics hand-worked fixtures in the store, as the dashboards tests load them."""

import io

import pytest
from django.core.management import call_command

from greenroom.metrics import store
from greenroom.metrics.tests import fixtures, test_usage
from greenroom.metrics.tests.raw import RawLoader
from greenroom.metrics.tests.test_access import _organisation


@pytest.fixture
def loaded(personas):
    """The metrics' hand-worked revenue and usage fixtures in the store, refreshed as of
    2026-05-31 (month-end MRR: Jan 505, Feb 770, Mar 740, Apr 750, May 830)."""
    _organisation(personas.workspace)
    with store.writer(personas.workspace.pk) as connection:
        loader = RawLoader(connection)
        fixtures.load_revenue(loader)
        fixtures.load_costs(loader)
        loader.rows("events", test_usage.EVENTS, source="segment")
    call_command(
        "refresh",
        "--as-of",
        fixtures.AS_OF.isoformat(),
        "--workspace",
        personas.workspace.slug,
        stdout=io.StringIO(),
    )
    return personas
