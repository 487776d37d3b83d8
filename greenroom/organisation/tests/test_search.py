"""Teams and products in the search box, for every role, in the member's workspace only."""

import pytest
from django.urls import reverse

from greenroom.testing.factories import ProductFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _search(personas, user, query: str) -> str:
    return personas.client(user).get(reverse("search"), {"q": query}).text


@pytest.mark.parametrize("role", ["admin", "ops", "pm", "viewer"])
def test_it_finds_teams_and_products_by_name_for_every_role(personas, role):
    team = TeamFactory(workspace=personas.workspace, name="Billing Guild")
    ProductFactory(workspace=personas.workspace, name="Billing Hub", owner_team=team)

    page = _search(personas, getattr(personas, role), "billing")

    assert 'href="/organisation/teams/?q=Billing+Guild">Billing Guild</a>' in page
    assert 'href="/organisation/products/?q=Billing+Hub">Billing Hub</a>' in page


def test_it_leads_from_a_result_to_the_list_showing_it(personas):
    TeamFactory(workspace=personas.workspace, name="Billing Guild")
    TeamFactory(workspace=personas.workspace, name="Growth")

    page = personas.client(personas.viewer).get("/organisation/teams/?q=Billing+Guild").text

    assert "Billing Guild" in page and "Growth" not in page


def test_it_shows_an_outsider_nothing_of_another_workspace(personas):
    TeamFactory(workspace=personas.workspace, name="Billing Guild")
    ProductFactory(workspace=personas.workspace, name="Billing Hub")

    page = _search(personas, personas.outsider, "billing")

    assert "Billing Guild" not in page and "Billing Hub" not in page
    assert "Nothing found" in page
