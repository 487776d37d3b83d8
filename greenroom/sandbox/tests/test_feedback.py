import csv

import pytest

from greenroom.feedback.models import FeedbackItem, Opportunity
from greenroom.feedback.selectors import demand
from greenroom.sandbox import generator
from greenroom.sandbox.crm import crm_generate
from greenroom.sandbox.feedback import SOURCES, feedback_generate


def test_it_writes_each_source_in_its_own_export_shape_deterministically(tmp_path):
    org = generator.generate(out_dir=tmp_path, scale="small", seed=3).organisation
    crm = crm_generate(out_dir=tmp_path, scale="small", seed=3, organisation=org)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = feedback_generate(out_dir=tmp_path / "a", scale="small", seed=3, crm=crm)
    second = feedback_generate(out_dir=tmp_path / "b", scale="small", seed=3, crm=crm)
    rows = 0
    for kind, _, _ in SOURCES:
        assert first.paths[kind].read_bytes() == second.paths[kind].read_bytes()
        with first.paths[kind].open(newline="") as handle:
            rows += sum(1 for _ in csv.reader(handle)) - 1
    assert rows == 6000
    assert first.paths["zendesk"].read_text().startswith("Id,Requester,Requester email")


@pytest.mark.django_db
def test_the_demo_loads_feedback_through_the_importers_with_demand(built_sandbox):
    workspace = built_sandbox.workspace
    items = FeedbackItem.objects.for_workspace(workspace)
    assert items.count() == 6000
    assert set(items.values_list("source_kind", flat=True).distinct()) == {
        kind for kind, _, _ in SOURCES
    }
    # Reviews match no customer; the tools' items all match through the CRM's contacts.
    assert not items.filter(source_kind="app_review", account__isnull=False).exists()
    assert items.filter(source_kind="zendesk", account__isnull=True).count() == 0
    sso = Opportunity.objects.for_workspace(workspace).get(title="SAML single sign-on")
    found = demand(workspace=workspace, opportunities=[sso])[sso.pk]
    assert found.accounts > 10 and found.arr > 0
    assert found.by_segment[0]["name"] == "Enterprise"
