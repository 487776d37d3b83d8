import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from greenroom import registry
from greenroom.registry import Measure, NavEntry, OverviewCard, Ratio


def _ratio(*, workspace) -> Ratio:
    return Ratio(1, 2)


def test_it_orders_entries_by_weight_then_key():
    with registry.scratch():
        registry.register(
            NavEntry("toys", "Zebra", "home", weight=5),
            NavEntry("toys", "Apple", "home", weight=5),
            NavEntry("toys", "First", "home", weight=-1),
        )
        labels = [e.label for e in registry.entries(NavEntry) if e.section == "toys"]

    assert labels == ["First", "Apple", "Zebra"]


def test_it_accepts_the_same_entry_twice_as_ready_may_run_twice():
    entry = Measure("toy", "Toy", "A toy measure.", weight=1, compute=_ratio)
    with registry.scratch():
        registry.register(entry)
        registry.register(Measure("toy", "Toy", "A toy measure.", weight=1, compute=_ratio))

        assert [m for m in registry.entries(Measure) if m.key == "toy"] == [entry]


def test_it_refuses_a_different_entry_under_a_key_already_taken():
    with registry.scratch():
        registry.register(Measure("toy", "Toy", "Computed.", weight=1, compute=_ratio))
        with pytest.raises(ImproperlyConfigured, match="'toy' is registered twice"):
            registry.register(Measure("toy", "Toy", "A stand-in.", weight=1, waits_for="toys"))


def test_it_makes_the_capability_that_lands_delete_its_stand_in():
    stand_in = Measure("decide", "Time to decision", "Days.", weight=1, waits_for="decisions")
    measured = Measure("decide", "Time to decision", "Days.", weight=1, compute=_ratio)
    with registry.scratch():
        registry.register(stand_in)
        with pytest.raises(ImproperlyConfigured, match="stand-in"):
            registry.register(measured)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Measure("m", "M", "Neither.", weight=1),
        lambda: Measure("m", "M", "Both.", weight=1, compute=_ratio, waits_for="x"),
        lambda: OverviewCard("c", "home", "C", weight=1),
        lambda: OverviewCard("c", "home", "C", weight=1, template="t.html", waits_for="x"),
    ],
    ids=["measure-neither", "measure-both", "card-neither", "card-both"],
)
def test_it_refuses_an_entry_that_neither_computes_nor_waits(make):
    with pytest.raises(ImproperlyConfigured, match="not both"):
        make()


def test_it_refuses_what_is_not_an_entry():
    with pytest.raises(TypeError, match="not a kind of entry"):
        registry.register(Ratio(1, 2))


def test_it_forgets_what_was_registered_in_scratch():
    with registry.scratch():
        registry.register(NavEntry("toys", "Temporary", "home", weight=1))
        assert [e.label for e in registry.entries(NavEntry) if e.section == "toys"]

    assert not [e for e in registry.entries(NavEntry) if e.section == "toys"]


def test_it_orders_anew_after_each_registration():
    with registry.scratch():
        before = registry.entries(NavEntry)
        registry.register(NavEntry("toys", "Late", "home", weight=-5))

        assert registry.entries(NavEntry) == [NavEntry("toys", "Late", "home", -5), *before]


def test_it_imports_nothing_from_greenroom_so_every_app_may_register():
    tree = ast.parse(Path(registry.__file__).read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]

    assert not [name for name in imported if name and name.startswith("greenroom")]
