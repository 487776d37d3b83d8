"""Audit actions come from one enum per app and follow one scheme, `<entity>.<verb>`."""

import importlib
import re

import pytest
from django.apps import apps

from greenroom.accounts.models import AuditEvent
from greenroom.accounts.services import audit_record
from greenroom.organisation.choices import AuditAction as OrganisationAction

renaming = importlib.import_module("greenroom.accounts.migrations.0002_audit_action_names")

SCHEME = re.compile(r"[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*")


def _enums() -> dict[str, type]:
    found = {}
    for config in apps.get_app_configs():
        if config.name.startswith("greenroom."):
            try:
                choices = importlib.import_module(f"{config.name}.choices")
            except ModuleNotFoundError:
                continue
            if hasattr(choices, "AuditAction"):
                found[config.label] = choices.AuditAction
    return found


def _values() -> list[str]:
    return [value for enum in _enums().values() for value in enum.values]


def test_it_names_every_action_entity_dot_verb():
    assert {"accounts", "organisation", "sources", "customers"} <= set(_enums())
    assert [value for value in _values() if not SCHEME.fullmatch(value)] == []


def test_it_gives_each_action_to_one_app():
    values = _values()
    assert sorted({v for v in values if values.count(v) > 1}) == []


def test_it_renames_only_to_actions_that_exist():
    values = set(_values())
    assert set(renaming.RENAMED.values()) <= values
    assert set(renaming.RENAMED) & values == set()


@pytest.mark.django_db
def test_it_renames_stored_actions_and_back(personas):
    event = audit_record(
        actor=None, workspace=personas.workspace, action=OrganisationAction.TEAM_CREATE
    )
    AuditEvent.objects.filter(pk=event.pk).update(action="customers.reserve")
    renaming.forwards(apps, None)
    assert AuditEvent.objects.get(pk=event.pk).action == "contact.reserve"
    renaming.backwards(apps, None)
    assert AuditEvent.objects.get(pk=event.pk).action == "customers.reserve"


@pytest.mark.django_db
def test_it_stores_the_enum_value(personas):
    event = audit_record(
        actor=None, workspace=personas.workspace, action=OrganisationAction.TEAM_CREATE
    )
    event.refresh_from_db()
    assert event.action == "team.create"
