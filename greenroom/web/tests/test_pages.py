import pytest
from django.test import Client
from django.urls import reverse

from greenroom import registry
from greenroom.accounts.permissions import ABILITIES
from greenroom.testing.factories import ProductFactory, TeamFactory

pytestmark = pytest.mark.django_db

PAGES = registry.entries(registry.NavEntry)


@pytest.mark.parametrize("item", PAGES, ids=lambda item: item.label)
def test_it_sends_anonymous_visitors_to_sign_in(item):
    response = Client().get(item.url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("item", PAGES, ids=lambda item: item.label)
@pytest.mark.parametrize("role", ["admin", "ops", "pm", "viewer"])
def test_it_serves_each_page_to_the_roles_allowed_and_refuses_the_rest(personas, item, role):
    user = getattr(personas, role)
    allowed = user.memberships.get().has_role(ABILITIES[item.ability])
    response = personas.client(user).get(item.url())
    assert response.status_code == (200 if allowed else 403)


def test_it_shows_only_the_links_a_role_may_use(personas):
    viewer_page = personas.client(personas.viewer).get(reverse("home")).content.decode()
    admin_page = personas.client(personas.admin).get(reverse("home")).content.decode()
    assert "Users &amp; roles" not in viewer_page
    assert "Users &amp; roles" in admin_page


def test_it_shows_an_outsider_their_own_workspace_only(personas):
    ProductFactory(workspace=personas.workspace, name="Our secret product")
    page = personas.client(personas.outsider).get(reverse("home")).content.decode()
    assert "Our secret product" not in page
    assert personas.workspace.name not in page


def test_it_explains_what_to_do_on_an_empty_home_page(personas):
    page = personas.client(personas.ops).get(reverse("home")).content.decode()
    assert "No products yet" in page


def test_it_computes_the_scorecard_from_the_workspace(personas):
    team = TeamFactory(workspace=personas.workspace)
    ProductFactory(workspace=personas.workspace, owner_team=team)
    ProductFactory(workspace=personas.workspace)
    response = personas.client(personas.viewer).get(reverse("scorecard"))
    owned = next(m for m in response.context["measures"] if m.name.startswith("Products with"))
    assert (owned.numerator, owned.denominator, owned.percent) == (1, 2, 50)


def test_it_sends_security_headers(personas):
    response = personas.client(personas.viewer).get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_it_answers_an_unknown_page_with_a_friendly_404(personas):
    response = personas.client(personas.viewer).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_it_measures_data_freshness_from_the_sources(personas):
    from datetime import timedelta

    from django.utils import timezone

    from greenroom.sources.models import Source

    now = timezone.now()
    for name, synced in [("a", now), ("b", now - timedelta(days=3)), ("c", None)]:
        Source.objects.create(
            workspace=personas.workspace, name=name, kind="costs", last_synced_at=synced
        )
    Source.objects.create(workspace=personas.workspace, name="off", kind="costs", enabled=False)
    response = personas.client(personas.viewer).get(reverse("scorecard"))
    fresh = next(m for m in response.context["measures"] if m.name == "Data freshness")
    assert (fresh.numerator, fresh.denominator) == (1, 3)
