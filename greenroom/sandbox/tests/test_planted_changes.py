"""The sandbox's planted changes are found by the notable-changes feed after its refresh, and
little else is raised.

The feed runs on the ``refreshed`` signal during the build, as in production, over the
business data loaded through the real importers and connectors. benchmarks/insights.py
prints the same figures for any scale and seed.
"""

import pytest

from greenroom.health.tests.planted import planted_vs_raised


@pytest.mark.django_db
def test_it_finds_the_planted_changes_and_raises_almost_nothing_else(built_sandbox, capsys):
    result = planted_vs_raised(workspace=built_sandbox.workspace, data_dir=built_sandbox.data_dir)
    with capsys.disabled():
        print(f"\n{result.line()}; missed: {result.missed}; false: {result.false_positives}")
    assert result.recall >= 0.8, result
    assert len(result.false_positives) <= 1, result
