"""The sandbox's planted experiments, read back through the experiments app."""

import pytest

from greenroom.experiments import selectors
from greenroom.experiments.models import Experiment


@pytest.mark.django_db
def test_it_plants_an_effect_a_null_and_a_sample_ratio_mismatch(built_sandbox):
    workspace = built_sandbox.workspace
    experiments = {e.name: e for e in Experiment.objects.for_workspace(workspace)}
    assert set(experiments) == {"Onboarding checklist", "Pricing page copy", "New editor"}
    read = {name: selectors.experiment_analysis(experiment=e) for name, e in experiments.items()}
    effect = read["Onboarding checklist"].analysis
    assert effect is not None and not effect.sample_ratio_mismatch
    assert effect.comparisons[0].significant
    assert experiments["Onboarding checklist"].excluded_users == 25
    null = read["Pricing page copy"].analysis
    assert null is not None and not null.sample_ratio_mismatch
    assert not null.comparisons[0].significant
    srm = read["New editor"].analysis
    assert srm is not None and srm.sample_ratio_mismatch
    _betas_and_launches(workspace)


def _betas_and_launches(workspace):
    """Two betas recruited from consenting contacts, launches at several readiness levels."""
    from greenroom.customers.models import Outreach
    from greenroom.experiments import betas, launches

    programmes = list(betas.programme_list(workspace=workspace).order_by("name"))
    assert [p.name for p in programmes] == ["Scheduled reports", "Workflow builder v2"]
    for programme in programmes:
        rows = list(betas.participants(programme=programme))
        assert rows and all(p.contact.consent_beta for p in rows)
        logged = Outreach.objects.filter(study=f"Beta: {programme.name}")
        assert logged.count() == len(rows)
    rows = list(launches.launch_list(workspace=workspace))
    ready = launches.readiness_by_launch(launches=rows)
    levels = {launch.name: ready[launch.pk].percent for launch in rows}
    assert levels["SSO on every plan"] == 100 and levels["Scheduled reports"] == 0
    assert len(set(levels.values())) >= 4
    shipped = {launch.name: launch.on_time() for launch in rows if launch.launched_on}
    assert shipped == {"SSO on every plan": True, "Dashboards refresh": False}
