"""A toy app for tests: it contributes to every part of the shell through the registry only,
as a new domain app would, without a line of ``web`` changing."""

from django.apps import AppConfig
from django.http import HttpRequest, HttpResponse

from greenroom import registry
from greenroom.accounts.models import User, Workspace
from greenroom.registry import (
    Measure,
    NavEntry,
    OverviewCard,
    Panel,
    Ratio,
    SearchProvider,
    SearchResult,
)


def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Toy experiments")


def _card(request: HttpRequest) -> dict:
    return {"workspace_name": request.workspace.name}


def _concluded(*, workspace: Workspace) -> Ratio:
    return Ratio(3, 4)


def _panel(request: HttpRequest, account) -> dict:
    return {"account_name": account.name}


def _search(*, workspace: Workspace, actor: User, query: str, limit: int) -> list:
    if "toy" not in query.lower():
        return []
    return [SearchResult(f"Toy experiment in {workspace.name}", "/toy/", "experiment")]


ENTRIES = (
    NavEntry("strategy", "Toy experiments", "toy:index", weight=50, ability="write"),
    OverviewCard(
        key="toy-experiments",
        section="strategy",
        title="Toy experiments",
        weight=50,
        template="toy/_card.html",
        context=_card,
        ability="write",
    ),
    Measure(
        key="toy-concluded",
        title="Toy experiments concluded",
        explanation="Experiments with a written-down learning.",
        weight=450,
        compute=_concluded,
    ),
    Panel(
        page="customers.account",
        title="Toy experiments with this account",
        template="toy/_panel.html",
        context=_panel,
        weight=10,
        ability="manage_organisation",
    ),
    SearchProvider(key="toy", title="Toy experiments", search=_search, weight=900),
)


class ToyConfig(AppConfig):
    name = "greenroom.web.tests.toy"
    label = "toy"

    def ready(self) -> None:
        registry.register(*ENTRIES)
