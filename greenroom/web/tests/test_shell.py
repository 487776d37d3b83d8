"""The shell pages draw everything from the registry: what each app contributes, gated by
role, with bounded queries; ``web`` itself imports no other domain app."""

import ast
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from greenroom import registry
from greenroom.accounts.services import audit_record
from greenroom.registry import Measure, NavEntry, OverviewCard, Ratio
from greenroom.testing.factories import ProductFactory, TeamFactory
from greenroom.testing.queries import max_queries

pytestmark = pytest.mark.django_db

WEB = Path(__file__).resolve().parents[1]
# The shell may use the registry, accounts (who may see what) and the helpers in lib.
ALLOWED = ("greenroom.registry", "greenroom.accounts", "greenroom.lib", "greenroom.web")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [
        f"{node.module}.{alias.name}" if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]


def test_it_imports_no_other_domain_app_from_the_shell():
    # The serve command starts the job worker and closes analytics stores: it runs the
    # process, it is not the shell, and its imports are for the dependency contracts to place.
    modules = [
        path
        for path in WEB.rglob("*.py")
        if not {"tests", "management"} & set(path.relative_to(WEB).parts)
    ]
    forbidden = {
        f"{path.relative_to(WEB)}: {name}"
        for path in modules
        for name in _imports(path)
        if name and name.startswith("greenroom") and not name.startswith(ALLOWED)
    }
    assert not forbidden


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("data_overview", ["Product lines", "Data sources", "No data sources yet"]),
        ("customers_overview", ["Segments", "Customer database", "Find participants"]),
        ("strategy_overview", ["Teams", "People", "Are we on track?"]),
    ],
)
def test_it_fills_each_overview_with_the_cards_apps_registered(personas, url_name, expected):
    page = personas.client(personas.viewer).get(reverse(url_name)).content.decode()
    assert all(text in page for text in expected)


def test_it_draws_the_research_card_where_its_stand_in_was(personas):
    customers = personas.client(personas.viewer).get(reverse("customers_overview")).text

    assert "Research repository" in customers and "Has this been answered?" in customers
    assert "waits for the research repository" not in customers


def test_it_says_what_a_measure_not_measurable_yet_waits_for(personas):
    # Every app's stand-in measure has been replaced; a toy one keeps the behaviour tested.
    with registry.scratch():
        registry.register(
            Measure("toy-waiting", "Toys on the shelf", "A stand-in.", weight=999, waits_for="toys")
        )
        response = personas.client(personas.viewer).get(reverse("scorecard"))
    waiting = {m.name for m in response.context["measures"] if m.measure.waits_for}

    assert waiting == {"Toys on the shelf"}
    assert "Not measurable yet: waits for toys." in response.text


def test_it_keeps_the_scorecards_order_and_shows_the_first_five_on_home(personas):
    scorecard = personas.client(personas.viewer).get(reverse("scorecard"))
    home = personas.client(personas.viewer).get(reverse("home"))
    names = [m.name for m in scorecard.context["measures"]]

    assert names[:7] == [
        "Products with an owning team",
        "Product areas with an owning team",
        "Teams staffed to plan",
        "Members active in the last 30 days",
        "Background jobs succeeding (7 days)",
        "Time to decision",
        "Data freshness",
    ]
    assert all(name in home.text for name in names[:5])
    assert names[5] not in home.text


def test_it_shows_recent_activity_only_to_roles_that_may_read_the_audit_log(personas):
    audit_record(actor=personas.admin, workspace=personas.workspace, action="toy.poke")

    admin_home = personas.client(personas.admin).get(reverse("home")).text
    ops_home = personas.client(personas.ops).get(reverse("home")).text

    assert "Recent activity" in admin_home and "Toy poked" in admin_home
    assert "Recent activity" not in ops_home and "Toy poked" not in ops_home


def test_it_counts_the_glance_from_the_members_workspace_only(personas):
    team = TeamFactory(workspace=personas.workspace)
    ProductFactory(workspace=personas.workspace, owner_team=team)
    ProductFactory()

    response = personas.client(personas.viewer).get(reverse("home"))
    glance = next(c for c in response.context["cards"] if c["card"].key == "glance")
    tiles = {tile["label"]: tile["count"] for tile in glance["context"]["tiles"]}

    assert tiles["Products"] == 1 and tiles["Teams"] == 1


@pytest.mark.parametrize(
    ("url_name", "limit"),
    [
        # The team pulse card reads the member's answer; the decisions card also the
        # decider's outcome reviews due.
        ("home", 17),
        ("data_overview", 9),
        # The feedback card reads its four figures in one query, the research card its three.
        ("customers_overview", 8),
        # The goals card and the experiments card read one query each.
        ("strategy_overview", 7),
        # One query per measure: cadences' two decision measures and feedback's three
        # brought it from 10; experiments' four, health's dashboard readers, research's
        # turnaround, baselines and history (one each), the onboarding and pulse measures (four)
        # and strategy's roadmap adherence (three: the template, the teams, their items) to 30;
        # decisions with a reviewed outcome one more.
        ("scorecard", 35),
    ],
)
def test_it_reads_the_shell_pages_in_a_bounded_number_of_queries(personas, url_name, limit):
    for n in range(5):
        team = TeamFactory(workspace=personas.workspace, headcount_plan=n)
        ProductFactory(workspace=personas.workspace, owner_team=team)
    client = personas.client(personas.admin)

    with max_queries(limit):
        assert client.get(reverse(url_name)).status_code == 200


def test_it_reports_contributions_that_name_what_does_not_exist():
    with registry.scratch():
        registry.register(
            NavEntry("nowhere", "Lost", "no-such-page", weight=1, ability="fly"),
            OverviewCard("toy", "home", "Toy", weight=1, template="toy/missing.html"),
            Measure("toy", "Toy", "A toy.", weight=1, compute=lambda **_: Ratio(0, 0)),
        )
        ids = sorted(problem.id for problem in run_checks())

    assert [i for i in ids if i.startswith("greenroom.E02")] == [
        "greenroom.E020",
        "greenroom.E021",
        "greenroom.E022",
        "greenroom.E023",
    ]


def test_it_finds_nothing_wrong_with_what_the_apps_registered():
    assert not [p for p in run_checks() if p.id.startswith("greenroom.E02")]
