"""The sandbox's planted changes are found after its refresh, and little else is raised.

One small sandbox build (billing, usage, costs, headcount, CRM) through the real importers
and refresh; the feed runs on the ``refreshed`` signal as in production.
"""

import json

import pytest

from greenroom.customers.selectors import accounts_by_keys
from greenroom.health.models import Finding
from greenroom.health.scoring import score
from greenroom.sandbox.services import sandbox_build


@pytest.mark.django_db
def test_it_finds_the_planted_changes_and_raises_almost_nothing_else(tmp_path, capsys):
    workspace = sandbox_build(data_dir=tmp_path, scale="small", seed=7)
    planted = json.loads((tmp_path / "sandbox/business/planted-changes.json").read_text())
    names = accounts_by_keys(
        workspace=workspace, keys=[p["subject"] for p in planted if p["kind"] == "account_usage"]
    )
    wanted = [
        (p["kind"], names[p["subject"]].name if p["kind"] == "account_usage" else p["subject"])
        for p in planted
    ]
    raised = list(Finding.objects.for_workspace(workspace).values_list("kind", "subject"))
    result = score(wanted, raised)
    with capsys.disabled():
        print(f"\n{result.line()}; false positives: {result.false_positives}")
    assert result.recall >= 0.8, result
    assert len(result.false_positives) <= 2, result
