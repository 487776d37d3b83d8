"""What the shell shows of the registry to one member: the entries their role allows, the
sidebar, and a section's cards with their content."""

from collections.abc import Iterable
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured

from greenroom import registry
from greenroom.accounts.permissions import can
from greenroom.accounts.requests import MemberRequest
from greenroom.registry import NavEntry, OverviewCard, Section

E = TypeVar("E", NavEntry, OverviewCard, registry.Measure, registry.SearchProvider)


def visible(request: MemberRequest, entries: Iterable[E]) -> list[E]:
    """The entries whose ability this member has."""
    return [entry for entry in entries if can(request, entry.ability)]


def _unknown(key: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"No app registered the section {key!r}.")


def section_get(key: str) -> Section:
    """A registered section (entries naming an unknown one are a configuration error)."""
    section = next((s for s in registry.entries(Section) if s.key == key), None)
    if section is None:
        raise _unknown(key)
    return section


def navigation_for(request: MemberRequest) -> list[dict]:
    """The sidebar sections this member may see, with the current page marked."""
    links: dict[str, list[dict]] = {s.key: [] for s in registry.entries(Section)}
    for entry in visible(request, registry.entries(NavEntry)):
        url = entry.url()
        link = {"label": entry.label, "url": url, "current": request.path == url}
        if entry.section not in links:
            raise _unknown(entry.section)
        links[entry.section].append(link)
    return [
        {"title": section.title, "links": links[section.key]}
        for section in registry.entries(Section)
        if links[section.key]
    ]


def cards_for(request: MemberRequest, section: str) -> list[dict]:
    """A section's cards this member may see, each with the content its app computed."""
    cards = [card for card in registry.entries(OverviewCard) if card.section == section]
    return [
        {"card": card, "context": card.context(request) if card.context else {}}
        for card in visible(request, cards)
    ]
