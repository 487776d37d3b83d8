"""Each member chooses which kinds of email they get: every registered kind is on until they
switch it off; switching is theirs alone and audited."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from greenroom.accounts import selectors, services
from greenroom.accounts.models import AuditEvent, EmailOptOut

pytestmark = pytest.mark.django_db

URL = reverse("accounts:email_preferences")


def _keys() -> set[str]:
    return {kind.key for kind in selectors.email_kinds()}


def test_it_lists_every_registered_kind_ticked_by_default(personas):
    page = personas.client(personas.viewer).get(URL).content.decode()
    assert _keys() >= {"review-reminder", "overdue-action", "onboarding-reminder"}
    for kind in selectors.email_kinds():
        assert kind.title in page
    assert page.count("checked") == len(_keys())
    assert selectors.email_wanted(workspace=personas.workspace, user=personas.viewer) == _keys()


def test_it_switches_a_kind_off_for_that_member_only_and_audits_it(personas):
    wanted = _keys() - {"pulse-invitation"}
    response = personas.client(personas.pm).post(URL, dict.fromkeys(wanted, "on"))
    assert response.status_code == 302
    assert selectors.email_wanted(workspace=personas.workspace, user=personas.pm) == wanted
    assert selectors.email_wanted(workspace=personas.workspace, user=personas.ops) == _keys()
    assert selectors.email_opted_out(kind="pulse-invitation") == {
        (personas.workspace.pk, personas.pm.pk)
    }
    event = AuditEvent.objects.get(action="email_preferences.save")
    assert event.actor == personas.pm and event.detail == {"off": ["pulse-invitation"]}
    # Back on: the opt-out row goes.
    personas.client(personas.pm).post(URL, dict.fromkeys(_keys(), "on"))
    assert not EmailOptOut.objects.exists()


def test_it_refuses_an_unknown_kind_and_asks_anonymous_visitors_to_sign_in(personas):
    with pytest.raises(ValidationError, match="Unknown kind of email: spam"):
        services.email_preferences_save(
            workspace=personas.workspace, user=personas.pm, wanted={"spam"}
        )
    assert personas.client(None).get(URL).status_code == 302
