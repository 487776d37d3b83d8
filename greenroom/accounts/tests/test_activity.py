"""Recent activity on the home page reads as sentences from each app's AuditAction labels,
with a link to the object where its model has a page; never a raw audit code."""

import pytest

from greenroom.accounts.activity import action_labels, label_from_code
from greenroom.accounts.services import audit_record
from greenroom.cadences.choices import AuditAction as CadenceAction
from greenroom.dashboards import services as dashboards

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("user.change_role", "User role changed"),
        ("account.merge", "Account merged"),
        ("source.sync", "Source synced"),
        ("experiment.stop", "Experiment stopped"),
        ("calendar_token.reset", "Calendar token reset"),
        ("toy.poke", "Toy poked"),
        ("nodot", "nodot"),
    ],
)
def test_it_reads_an_unlabelled_code_as_what_happened(code, label):
    assert label_from_code(code) == label


def test_it_uses_each_apps_own_labels_where_it_wrote_them():
    labels = action_labels()
    assert labels["decision.decide"] == "Decision recorded"
    assert labels["tile.add"] == "Tile added to a dashboard"
    assert labels["user.create"] == "User created"  # accounts writes no labels


def test_it_shows_sentences_with_links_on_the_home_page(personas):
    board = dashboards.custom_dashboard_create(
        actor=personas.ops, workspace=personas.workspace, name="Growth board"
    )
    audit_record(
        actor=personas.admin, workspace=personas.workspace, action=CadenceAction.DECISION_DECIDE
    )
    html = personas.client(personas.admin).get("/").content.decode()
    assert f"{personas.ops.get_full_name()}</strong>: Dashboard created" in html
    assert f'<a href="/dashboards/custom/{board.pk}/">Growth board</a>' in html
    assert "Decision recorded" in html
    assert "custom_dashboard.create" not in html and "decision.decide" not in html
