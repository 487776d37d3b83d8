"""The sandbox's planted changes are found after its refresh, and little else is raised.

The small sandbox company's organisation, CRM and business data (billing, usage, costs,
headcount), built through the real importers, connectors and refresh; the feed runs on the
``refreshed`` signal as in production. Feedback, goals and cadences are left out: the feed
does not read them. benchmarks/insights.py prints the same figures for any scale and seed.
"""

import pytest

from greenroom.health.tests.planted import planted_vs_raised, sandbox_business


@pytest.mark.django_db
def test_it_finds_the_planted_changes_and_raises_almost_nothing_else(tmp_path, capsys):
    workspace = sandbox_business(data_dir=tmp_path, scale="small", seed=7)
    result = planted_vs_raised(workspace=workspace, data_dir=tmp_path)
    with capsys.disabled():
        print(f"\n{result.line()}; missed: {result.missed}; false: {result.false_positives}")
    assert result.recall >= 0.8, result
    assert len(result.false_positives) <= 1, result
