import pytest
from django.urls import reverse

from greenroom.accounts.models import AuditEvent
from greenroom.organisation.kinds import KINDS
from greenroom.organisation.models import Team
from greenroom.testing.factories import ProductFactory, TeamFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", [kind.slug for kind in KINDS])
def test_it_lists_every_kind_for_a_viewer(personas, kind):
    response = personas.client(personas.viewer).get(reverse("organisation:list", args=[kind]))
    assert response.status_code == 200
    assert "No " in response.content.decode()  # the empty state


def test_it_lets_product_ops_add_a_team(personas):
    client = personas.client(personas.ops)
    response = client.post(
        reverse("organisation:create", args=["teams"]),
        {"name": "Payments", "description": "", "headcount_plan": "5"},
    )
    assert response.status_code == 302
    team = Team.objects.get(workspace=personas.workspace, name="Payments")
    assert AuditEvent.objects.filter(action="team.create", object_id=str(team.pk)).exists()


def test_it_explains_a_duplicate_name(personas):
    TeamFactory(workspace=personas.workspace, name="Payments")
    response = personas.client(personas.ops).post(
        reverse("organisation:create", args=["teams"]), {"name": "Payments"}
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


@pytest.mark.parametrize("role", ["viewer", "pm"])
def test_it_does_not_let_viewers_or_pms_change_the_organisation(personas, role):
    client = personas.client(getattr(personas, role))
    response = client.post(reverse("organisation:create", args=["teams"]), {"name": "X"})
    assert response.status_code == 403
    assert not Team.objects.exists()


def test_it_offers_only_this_workspaces_rows_as_choices(personas):
    TeamFactory(workspace=personas.workspace, name="Ours")
    TeamFactory(workspace=personas.outsider.memberships.get().workspace, name="Theirs")
    page = personas.client(personas.ops).get(reverse("organisation:create", args=["products"]))
    assert "Ours" in page.content.decode()
    assert "Theirs" not in page.content.decode()


def test_it_hides_rows_of_another_workspace_from_an_outsider(personas):
    team = TeamFactory(workspace=personas.workspace, name="Secret team")
    client = personas.client(personas.outsider)
    listing = client.get(reverse("organisation:list", args=["teams"]))
    assert "Secret team" not in listing.content.decode()
    assert client.get(reverse("organisation:edit", args=["teams", team.pk])).status_code == 404
    response = client.post(reverse("organisation:delete", args=["teams", team.pk]))
    assert response.status_code == 404
    assert Team.objects.filter(pk=team.pk).exists()


def test_it_refuses_to_delete_a_product_line_that_still_has_products(personas):
    product = ProductFactory(workspace=personas.workspace)
    response = personas.client(personas.ops).post(
        reverse("organisation:delete", args=["product-lines", product.product_line.pk]),
        follow=True,
    )
    assert "still used by" in response.content.decode()


def test_it_filters_a_list_with_htmx_returning_only_the_rows(personas):
    TeamFactory(workspace=personas.workspace, name="Payments")
    TeamFactory(workspace=personas.workspace, name="Growth")
    response = personas.client(personas.viewer).get(
        reverse("organisation:list", args=["teams"]), {"q": "pay"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "Payments" in body and "Growth" not in body
    assert "<html" not in body


def test_it_lists_products_in_a_constant_number_of_queries(personas):
    for _ in range(20):
        ProductFactory(workspace=personas.workspace)
    client = personas.client(personas.viewer)
    with max_queries(12):
        client.get(reverse("organisation:list", args=["products"]))


def test_it_shows_the_portfolio_tree(personas):
    product = ProductFactory(workspace=personas.workspace, name="Ledger")
    response = personas.client(personas.viewer).get(reverse("organisation:portfolio"))
    assert "Ledger" in response.content.decode()
    assert product.product_line.name in response.content.decode()


def test_it_keeps_the_search_in_the_page_links_and_tolerates_a_bad_page(personas):
    for number in range(55):
        TeamFactory(workspace=personas.workspace, name=f"Payments {number:02d}")
    client = personas.client(personas.viewer)
    url = reverse("organisation:list", args=["teams"])
    first = client.get(url, {"q": "pay"}).content.decode()
    assert f'href="{url}?q=pay&amp;page=2"' in first
    assert client.get(url, {"q": "pay", "page": "not-a-number"}).status_code == 200
