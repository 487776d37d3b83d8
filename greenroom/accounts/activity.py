"""Audit events as sentences people read ("Ana Lopez — Decision recorded: Pricing EU"), for
the home page's recent activity.

Each app names its audit actions in its own ``choices.AuditAction`` (TextChoices, labelled
where the app wrote labels). ``accounts`` may import no app, so the labels are found the way
Django finds admin modules: by looking for a ``choices`` module in every installed app. An
action whose app gave no label reads from its code: ``account.change_rules`` → "Account rules
changed". The object links where its model says where it lives (``get_absolute_url``).
"""

import importlib
import importlib.util
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models

from greenroom.accounts.models import AuditEvent

_IRREGULAR = {"reset": "reset", "set": "set", "send": "sent", "run": "run", "undo": "undone"}


@cache
def action_labels() -> dict[str, str]:
    """Every installed app's audit action code → its label."""
    labels: dict[str, str] = {}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.choices"
        if importlib.util.find_spec(module_name) is None:
            continue
        choices = getattr(importlib.import_module(module_name), "AuditAction", None)
        if choices is None or not issubclass(choices, models.TextChoices):
            continue
        for member in choices:
            automatic = member.name.replace("_", " ").title()
            labels[member.value] = (
                label_from_code(member.value) if member.label == automatic else str(member.label)
            )
    return labels


def _past(verb: str) -> str:
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ied"
    if verb in ("stop", "plan", "drop", "tag"):
        return verb + verb[-1] + "ed"
    return verb + "ed"


def label_from_code(code: str) -> str:
    """``entity.verb_rest`` → "Entity rest verbed" (``user.change_role`` → "User role
    changed"); a code without a dot is returned as it is."""
    entity, dot, action = code.partition(".")
    if not dot:
        return code
    verb, _, rest = action.partition("_")
    words = [entity.replace("_", " "), rest.replace("_", " "), _past(verb)]
    return " ".join(w for w in words if w).capitalize()


@dataclass(frozen=True)
class Activity:
    """One audit event as people read it."""

    event: AuditEvent
    actor: str
    label: str
    object_label: str
    url: str


def _actor(event: AuditEvent) -> str:
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor.username
    # The label is kept as "Name <email>" when the actor is deleted.
    return event.actor_label.split(" <", 1)[0] or "Someone"


def _url(event: AuditEvent) -> str:
    if not event.object_type or not event.object_id:
        return ""
    try:
        model = apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return ""
    if not hasattr(model, "get_absolute_url"):
        return ""
    found = model._default_manager.filter(pk=event.object_id, workspace=event.workspace_id).first()
    return found.get_absolute_url() if found is not None else ""


def describe(events: list[AuditEvent]) -> list[Activity]:
    """The events as sentences, each with a link to its object where that still exists."""
    labels = action_labels()
    return [
        Activity(
            event=event,
            actor=_actor(event),
            label=labels.get(event.action) or label_from_code(event.action),
            object_label=event.object_label,
            url=_url(event),
        )
        for event in events
    ]
