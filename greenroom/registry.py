"""What each app contributes to the pages it does not own: sidebar links, overview cards,
scorecard measures, panels on other apps' pages and search providers.

Apps register from their ``AppConfig.ready()`` (a ``contributions.py`` imported there) and the
shell iterates what was registered, so a new app plugs in without editing ``web``, and ``web``
never imports the apps whose content it shows.

This module imports nothing from Greenroom: every app, ``accounts`` included, may register
here without a cycle. Entries name the ability they need as a string; whoever renders them
checks it (``accounts.permissions.can``), and ``web``'s system checks reject unknown names.

An entry whose ``waits_for`` names a capability not built yet stands in for it (the page says
what it waits for). The app that brings the capability deletes the stand-in and registers its
own entry under the same key: two different entries under one key are refused.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.urls import get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class Section:
    """A part of the shell: a heading in the sidebar and, with an intro, an overview page."""

    key: str
    title: str
    weight: int
    intro: str = ""


@dataclass(frozen=True)
class NavEntry:
    """A link in the sidebar under a section."""

    section: str
    label: str
    url_name: str
    weight: int
    kwargs: tuple[tuple[str, str], ...] = ()
    ability: str = "view"

    @property
    def key(self) -> tuple[str, str]:
        return (self.section, self.label)

    def url(self) -> str:
        return _reversed(self.url_name, self.kwargs, get_script_prefix(), get_urlconf())


@dataclass(frozen=True)
class OverviewCard:
    """A card on a section's overview page (section ``home``: the home page).

    ``context(request)`` gives the variables ``template`` renders as ``card``. A card with no
    title is drawn bare (a row of figures); a wide one spans the page.
    """

    key: str
    section: str
    title: str
    weight: int
    template: str = ""
    # Called with the request as views see it (accounts.requests.MemberRequest), which the
    # registry cannot name: it imports no app.
    context: Callable[[Any], dict] | None = None
    description: str = ""
    ability: str = "view"
    wide: bool = False
    waits_for: str = ""

    def __post_init__(self) -> None:
        if bool(self.template) == bool(self.waits_for):
            raise ImproperlyConfigured(
                f"Overview card {self.key!r} needs a template or a waits_for, not both."
            )


@dataclass(frozen=True)
class Ratio:
    """A measure's value: how many of how many."""

    numerator: int
    denominator: int


@dataclass(frozen=True)
class Quantity:
    """A measure's value that is an amount, not a share: a median of days, with its trend
    (the same figure over the period before; None when there was nothing to measure)."""

    value: float | None
    unit: str
    count: int = 0
    previous: float | None = None
    lower_is_better: bool = True


@dataclass(frozen=True)
class Measure:
    """A line of the product ops scorecard, computed from one workspace's data by
    ``compute(workspace=...)``."""

    key: str
    title: str
    explanation: str
    weight: int
    compute: Callable[..., Ratio | Quantity] | None = None
    waits_for: str = ""
    ability: str = "view"

    def __post_init__(self) -> None:
        if (self.compute is None) == (not self.waits_for):
            raise ImproperlyConfigured(
                f"Scorecard measure {self.key!r} needs a compute function or a waits_for, not both."
            )


@dataclass(frozen=True)
class Score:
    """A scorecard line as pages show it: the measure and its value (None when it waits for a
    capability), read as a percent with a tone for a share, and a trend for an amount."""

    measure: Measure
    value: Ratio | Quantity | None

    @property
    def name(self) -> str:
        return self.measure.title

    @property
    def ratio(self) -> Ratio | None:
        return self.value if isinstance(self.value, Ratio) else None

    @property
    def quantity(self) -> Quantity | None:
        """An amount (a median of days) rather than a share; shown with its unit and trend."""
        return self.value if isinstance(self.value, Quantity) else None

    @property
    def numerator(self) -> int | None:
        return self.ratio.numerator if self.ratio else None

    @property
    def denominator(self) -> int | None:
        return self.ratio.denominator if self.ratio else None

    @property
    def percent(self) -> int | None:
        if not self.denominator or self.numerator is None:
            return None
        return round(100 * self.numerator / self.denominator)

    @property
    def tone(self) -> str:
        percent = self.percent
        if percent is None:
            return "muted"
        return "ok" if percent >= 80 else "warn" if percent >= 50 else "bad"

    @property
    def trend(self) -> str:
        """``better``, ``worse`` or ``same`` against the period before; blank without one."""
        quantity = self.quantity
        if quantity is None or quantity.value is None or quantity.previous is None:
            return ""
        if quantity.value == quantity.previous:
            return "same"
        lower = quantity.value < quantity.previous
        return "better" if lower == quantity.lower_is_better else "worse"


@dataclass(frozen=True)
class Panel:
    """A titled section of another app's page about one object (``page`` names which, e.g.
    ``customers.account``), rendered from ``template`` with ``context(request, obj)`` as
    ``panel``."""

    page: str
    title: str
    template: str
    context: Callable[[Any, Any], dict]
    weight: int
    ability: str = "view"

    @property
    def key(self) -> tuple[str, str]:
        return (self.page, self.title)


@dataclass(frozen=True)
class SearchResult:
    """One thing found by the search box."""

    title: str
    url: str
    kind: str
    detail: str = ""


@dataclass(frozen=True)
class SearchProvider:
    """One kind of thing the search box finds: ``search(workspace=, actor=, query=, limit=)``
    returns at most ``limit`` results of that workspace. ``actor`` is who searched, for the
    audit trail of any personal data shown."""

    key: str
    title: str
    search: Callable[..., list[SearchResult]]
    weight: int
    ability: str = "view"


@dataclass(frozen=True)
class PackSection:
    """A section of a review's pre-read pack (cadences): ``context(workspace=, since=,
    until=)`` gives what ``template`` renders as ``section`` for the period since the last
    review. One with ``waits_for`` stands in for a capability not built yet: the pack says
    it is not available yet."""

    key: str
    title: str
    weight: int
    template: str = ""
    context: Callable[..., dict] | None = None
    waits_for: str = ""
    ability: str = "view"

    def __post_init__(self) -> None:
        if bool(self.template) == bool(self.waits_for) or bool(self.context) != bool(self.template):
            raise ImproperlyConfigured(
                f"Pack section {self.key!r} needs a template and context, or a waits_for."
            )


@dataclass(frozen=True)
class EvidenceKind:
    """A kind of thing a decision's evidence may point at (an insight, an experiment...):
    ``resolve(workspace=, reference=)`` returns ``(label, url)`` for a reference of that
    workspace, or None when there is no such thing. One with ``waits_for`` is not resolvable
    yet: evidence of that kind is kept as a URL and a note."""

    key: str
    title: str
    weight: int
    resolve: Callable[..., tuple[str, str] | None] | None = None
    waits_for: str = ""
    ability: str = "view"

    def __post_init__(self) -> None:
        if (self.resolve is None) == (not self.waits_for):
            raise ImproperlyConfigured(
                f"Evidence kind {self.key!r} needs a resolve function or a waits_for, not both."
            )


@dataclass(frozen=True)
class Milestone:
    """Something a member does in an app that an onboarding step waits for (their first
    roadmap in the standard template): ``reached(workspace=, user=)`` returns when they first
    did it, or None. Cadences completes the onboarding step of the same key by itself."""

    key: str
    title: str
    weight: int
    reached: Callable[..., Any]
    ability: str = "view"


@dataclass(frozen=True)
class Notable:
    """One notable change an insight feed found in the data (a segment's churn out of its
    usual range...): what it says, and where its evidence is."""

    title: str
    detail: str = ""
    url: str = ""
    found_on: date | None = None


@dataclass(frozen=True)
class InsightFeed:
    """Notable changes found in a workspace's data, nobody having asked (proactive insights):
    ``recent(workspace=, since=, until=, limit=)`` returns the newest ``Notable`` first. The
    board pack and the weekly digest read every registered feed; with none, they say that no
    insights are available yet."""

    key: str
    title: str
    weight: int
    recent: Callable[..., list[Notable]]
    ability: str = "view"


@dataclass(frozen=True)
class StartingDocument:
    """The text a new document starts from (a study's plan, an experiment's brief...): the
    Markdown ``body`` and the headings it must keep, which the object's page reminds of."""

    body: str
    required_sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class StartingText:
    """Where new documents of a kind (``research_plan``, ``experiment_brief``...) start from:
    ``text(workspace=, kind=)`` returns a ``StartingDocument``, or None when it has none for
    that kind. The playbook (cadences) registers it; the apps creating the documents read it
    through ``starting_text`` without importing cadences."""

    key: str
    text: Callable[..., StartingDocument | None]
    weight: int = 100


@dataclass(frozen=True)
class EmailKind:
    """A kind of email an app sends members (review reminders...), which each member may
    switch off on their email preferences page (accounts); on until they do. The sending app
    asks ``accounts.selectors.email_opted_out`` before sending."""

    key: str
    title: str
    description: str
    weight: int = 100


Entry = (
    Section
    | NavEntry
    | OverviewCard
    | Measure
    | Panel
    | SearchProvider
    | PackSection
    | EvidenceKind
    | Milestone
    | InsightFeed
    | StartingText
    | EmailKind
)
E = TypeVar(
    "E",
    Section,
    NavEntry,
    OverviewCard,
    Measure,
    Panel,
    SearchProvider,
    PackSection,
    EvidenceKind,
    Milestone,
    InsightFeed,
    StartingText,
    EmailKind,
)

KINDS: tuple[type, ...] = (
    Section,
    NavEntry,
    OverviewCard,
    Measure,
    Panel,
    SearchProvider,
    PackSection,
    EvidenceKind,
    Milestone,
    InsightFeed,
    StartingText,
    EmailKind,
)


_entries: dict[type, dict[Any, Any]] = {kind: {} for kind in KINDS}
# Every page draws the sidebar: sort each kind once, not on every request.
_ordered: dict[type, list[Any]] = {}


def register(*entries: Entry) -> None:
    """Add entries; registering the same entry again changes nothing (``ready()`` may run
    twice), a different entry under a key already taken is refused."""
    for entry in entries:
        if type(entry) not in _entries:
            raise TypeError(f"{entry!r} is not a kind of entry the registry holds.")
        taken = _entries[type(entry)].setdefault(entry.key, entry)
        if taken != entry:
            raise ImproperlyConfigured(
                f"{type(entry).__name__} {entry.key!r} is registered twice: {taken!r} and "
                f"{entry!r}. Keys are unique; a stand-in that waits for a capability is "
                "deleted when the capability registers its own."
            )
        _ordered.pop(type(entry), None)


def entries(kind: type[E]) -> list[E]:
    """Every entry of one kind, by weight, then key (so equal weights keep a stable order)."""
    if kind not in _ordered:
        _ordered[kind] = sorted(_entries[kind].values(), key=lambda e: (e.weight, str(e.key)))
    return list(_ordered[kind])


def panels(page: str) -> list[Panel]:
    """The panels registered for one kind of page, in order."""
    return [panel for panel in entries(Panel) if panel.page == page]


def starting_text(*, workspace: Any, kind: str) -> StartingDocument | None:
    """What a new document of ``kind`` starts from in ``workspace`` (the first registered
    entry that has one), or None: the form then starts empty."""
    for entry in entries(StartingText):
        document = entry.text(workspace=workspace, kind=kind)
        if document is not None:
            return document
    return None


@contextmanager
def scratch(*, empty: tuple[type, ...] = ()) -> Iterator[None]:
    """Registrations made inside are forgotten afterwards: for tests that install a toy app.
    The kinds in ``empty`` start empty inside (a toy entry under a key a real app holds)."""
    saved = {kind: dict(store) for kind, store in _entries.items()}
    for kind in empty:
        _entries[kind].clear()
    _ordered.clear()
    try:
        yield
    finally:
        for kind, store in saved.items():
            _entries[kind].clear()
            _entries[kind].update(store)
        _ordered.clear()


@lru_cache(maxsize=512)
def _reversed(url_name: str, kwargs: tuple, prefix: str, urlconf: str | None) -> str:
    # The sidebar reverses every link on every page; a link changes only with the URL
    # configuration and the prefix the site is served under, which are in the key.
    return reverse(url_name, kwargs=dict(kwargs), urlconf=urlconf)
