"""System checks on what the apps registered (greenroom.E020-E023): a mistyped ability,
section, URL name or template would otherwise show up as a 500 on every page."""

from django.core.checks import Error, register
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch

from greenroom import registry
from greenroom.accounts.permissions import ABILITIES
from greenroom.registry import NavEntry, Section


def _problem(entry: registry.Entry, message: str, hint: str, code: str) -> Error:
    name = type(entry).__name__
    return Error(f"{name} {entry.key!r} {message}", hint=hint, id=f"greenroom.{code}")


def _problems_of(entry: registry.Entry, sections: set[str]) -> list[Error]:
    problems = []
    ability = getattr(entry, "ability", None)
    if ability is not None and ability not in ABILITIES:
        hint = f"Use one of {', '.join(ABILITIES)} (accounts/permissions.py)."
        problems.append(_problem(entry, f"needs the unknown ability {ability!r}.", hint, "E020"))
    section = getattr(entry, "section", None)
    if section is not None and section not in sections:
        hint = f"Use one of {', '.join(sorted(sections))}, or register the section."
        problems.append(_problem(entry, f"is in the unknown section {section!r}.", hint, "E021"))
    if isinstance(entry, NavEntry):
        try:
            entry.url()
        except NoReverseMatch:
            message = f"links to {entry.url_name!r}, which is no URL name."
            problems.append(_problem(entry, message, "Check the app's urls.py.", "E022"))
    template = getattr(entry, "template", "")
    if template:
        try:
            get_template(template)
        except TemplateDoesNotExist:
            message = f"renders the template {template!r}, which does not exist."
            problems.append(_problem(entry, message, "Check its path.", "E023"))
    return problems


@register()
def registry_references(app_configs, **kwargs) -> list[Error]:
    """Every registered entry names an ability, section, URL and template that exist."""
    sections = {section.key for section in registry.entries(Section)}
    return [
        problem
        for kind in registry.KINDS
        for entry in registry.entries(kind)
        for problem in _problems_of(entry, sections)
    ]
