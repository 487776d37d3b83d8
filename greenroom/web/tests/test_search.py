"""The search box in the shell: on every page for members, results as the member types
(htmx) or on the search page, and clear answers to queries too short or too long."""

import pytest
from django.test import Client
from django.urls import reverse

from greenroom.customers.tests.factories import AccountFactory, ContactFactory
from greenroom.testing.factories import ProductFactory, TeamFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db

URL = reverse("search")
HTMX = {"HX-Request": "true"}


def test_it_sends_anonymous_visitors_to_sign_in():
    response = Client().get(URL, {"q": "acme"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_puts_the_search_box_on_members_pages(personas):
    page = personas.client(personas.viewer).get(reverse("scorecard")).text

    assert 'role="search"' in page and 'aria-label="Find anything"' in page
    assert f'hx-get="{URL}"' in page


def test_it_answers_the_box_with_results_only_capped_per_kind(personas):
    for n in range(8):
        AccountFactory(workspace=personas.workspace, name=f"Initech {n}")

    response = personas.client(personas.viewer).get(URL, {"q": "initech"}, headers=HTMX)

    assert "<html" not in response.text
    assert response.text.count(">Initech ") == 5
    assert "All results for “initech”" in response.text


def test_it_lists_more_results_on_the_search_page(personas):
    for n in range(8):
        AccountFactory(workspace=personas.workspace, name=f"Initech {n}")

    response = personas.client(personas.viewer).get(URL, {"q": "initech"})

    assert "<html" in response.text and response.text.count(">Initech ") == 8


def test_it_asks_for_more_than_one_character(personas):
    AccountFactory(workspace=personas.workspace, name="Acme Corp")

    page = personas.client(personas.viewer).get(URL, {"q": "a"}).text
    box = personas.client(personas.viewer).get(URL, {"q": "a"}, headers=HTMX).text

    assert "Type at least 2 characters" in page and "Acme Corp" not in page
    assert box.strip() == ""


def test_it_refuses_a_query_longer_than_a_search_with_a_clear_error(personas):
    response = personas.client(personas.viewer).get(URL, {"q": "x" * 101})

    assert response.status_code == 400
    assert "Ensure this value has at most 100 characters (it has 101)." in response.text


def test_it_says_when_nothing_was_found(personas):
    page = personas.client(personas.viewer).get(URL, {"q": "zzz-nothing"}).text
    assert "Nothing found for “zzz-nothing”." in page


def test_it_searches_in_a_bounded_number_of_queries(personas):
    team = TeamFactory(workspace=personas.workspace, name="Omega team")
    for n in range(10):
        ProductFactory(workspace=personas.workspace, name=f"Omega {n}", owner_team=team)
        account = AccountFactory(workspace=personas.workspace, name=f"Omega {n}")
        ContactFactory(account=account, email=f"omega{n}@example.com")
    client = personas.client(personas.pm)

    # One or two queries per provider: feedback adds two (opportunities, items), strategy two
    # (key results, roadmap items), research two (the ranking window's edge, then notes and
    # insights) besides its studies.
    with max_queries(17):
        response = client.get(URL, {"q": "omega"})

    assert response.status_code == 200
