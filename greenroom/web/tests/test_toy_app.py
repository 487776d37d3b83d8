"""A toy app installed for the test plugs a sidebar link, an overview card, a scorecard
measure, an account panel and a search provider into the shell, without editing ``web``."""

import pytest
from django.urls import reverse

from greenroom import registry
from greenroom.customers.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

TOY = "greenroom.web.tests.toy"


@pytest.fixture
def toy_app(settings):
    with registry.scratch():
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, TOY]
        settings.ROOT_URLCONF = f"{TOY}.urls"
        yield


def _page(personas, user, url_name: str) -> str:
    return personas.client(user).get(reverse(url_name)).content.decode()


def test_it_adds_the_toy_apps_link_card_and_measure_to_the_pages(personas, toy_app):
    home = _page(personas, personas.pm, "home")
    strategy = _page(personas, personas.pm, "strategy_overview")
    scorecard = personas.client(personas.pm).get(reverse("scorecard"))

    assert 'href="/toy/">Toy experiments</a>' in home
    assert "Experiments running in Acme." in strategy
    toy = next(m for m in scorecard.context["measures"] if m.name == "Toy experiments concluded")
    assert (toy.numerator, toy.denominator, toy.percent) == (3, 4, 75)
    assert personas.client(personas.pm).get("/toy/").content == b"Toy experiments"


def test_it_keeps_the_toy_apps_link_and_card_from_roles_without_their_ability(personas, toy_app):
    home = _page(personas, personas.viewer, "home")
    strategy = _page(personas, personas.viewer, "strategy_overview")
    scorecard = _page(personas, personas.viewer, "scorecard")

    assert "Toy experiments</a>" not in home
    assert "Experiments running in" not in strategy
    assert "Toy experiments concluded" in scorecard


def test_it_shows_the_toy_apps_account_panel_to_the_roles_it_names(personas, toy_app):
    account = AccountFactory(workspace=personas.workspace, name="Globex")
    url = reverse("customers:account", args=[account.pk])

    ops_page = personas.client(personas.ops).get(url).content.decode()
    pm_page = personas.client(personas.pm).get(url).content.decode()

    assert "No experiment has involved Globex yet." in ops_page
    assert "Toy experiments with this account" not in pm_page


def test_it_finds_through_the_toy_apps_search_provider_in_the_members_workspace(personas, toy_app):
    ours = personas.client(personas.viewer).get(reverse("search"), {"q": "toy"})
    theirs = personas.client(personas.outsider).get(reverse("search"), {"q": "toy"})

    assert "Toy experiment in Acme" in ours.content.decode()
    assert "Toy experiment in Acme" not in theirs.content.decode()


def test_it_forgets_the_toy_app_once_it_is_uninstalled(personas, settings):
    with registry.scratch():
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, TOY]
        assert any(m.key == "toy-concluded" for m in registry.entries(registry.Measure))

    assert not any(m.key == "toy-concluded" for m in registry.entries(registry.Measure))
