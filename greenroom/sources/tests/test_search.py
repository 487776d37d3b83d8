"""Data sources in the search box, for every role, in the member's workspace only."""

import pytest
from django.urls import reverse

from greenroom.sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["admin", "ops", "pm", "viewer"])
def test_it_finds_sources_by_name_for_every_role(personas, role):
    source = SourceFactory(workspace=personas.workspace, name="ledger-costs")

    page = personas.client(getattr(personas, role)).get(reverse("search"), {"q": "ledger"}).text

    assert f'href="{reverse("sources:detail", args=[source.pk])}">ledger-costs</a>' in page


def test_it_shows_an_outsider_nothing_of_another_workspace(personas):
    SourceFactory(workspace=personas.workspace, name="ledger-costs")

    page = personas.client(personas.outsider).get(reverse("search"), {"q": "ledger"}).text

    assert "ledger-costs" not in page
