"""Names for the ids in job arguments, so the jobs list says "source stripe-billing" rather
than "source_id=7".

Jobs sits below the apps whose ids its runs carry, so each app says how to name its own
(from its ``contributions.py``); the actor and the workspace are named here. Lookups are
scoped to the reader's workspace, one query per kind of id per page.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from greenroom.accounts.models import User, Workspace
from greenroom.jobs.models import JobRun

# (workspace, ids) → {id: name}; ids the workspace does not hold are left out.
Namer = Callable[[Workspace, set[int]], dict[int, str]]


@dataclass(frozen=True)
class ArgumentLabel:
    """How one id argument is shown: ``label`` and the name ``namer`` finds for it."""

    label: str
    namer: Namer


# (job name, argument) → its label; job name "*" for an argument named alike in every job.
_LABELS: dict[tuple[str, str], ArgumentLabel] = {}


def argument_label_register(*, job: str, argument: str, label: str, namer: Namer) -> None:
    """Name ``argument`` of ``job`` (``"*"``: of every job) on the jobs list."""
    _LABELS[(job, argument)] = ArgumentLabel(label, namer)


def _actors(workspace: Workspace, ids: set[int]) -> dict[int, str]:
    users = User.objects.filter(pk__in=ids, memberships__workspace=workspace)
    return {user.pk: user.get_full_name() or user.email for user in users}


def _workspaces(workspace: Workspace, ids: set[int]) -> dict[int, str]:
    return dict(Workspace.objects.filter(pk__in=ids).values_list("pk", "name"))


argument_label_register(job="*", argument="actor_id", label="started by", namer=_actors)
argument_label_register(job="*", argument="workspace_id", label="workspace", namer=_workspaces)


def arguments_shown(
    *, runs: Iterable[JobRun], workspace: Workspace
) -> dict[int, list[tuple[str, str]]]:
    """Each run's arguments as (label, text) pairs, ids replaced by names: run id → pairs.

    The reader's own workspace is not repeated on each of its runs.
    """
    runs = list(runs)
    wanted: dict[tuple[str, str], set[int]] = {}
    for run in runs:
        for argument, value in run.arguments.items():
            key = _label_key(run.name, argument)
            if key is not None and isinstance(value, int):
                wanted.setdefault(key, set()).add(value)
    names = {key: _LABELS[key].namer(workspace, ids) for key, ids in wanted.items()}
    return {run.pk: _pairs(run, workspace, names) for run in runs}


def _label_key(job: str, argument: str) -> tuple[str, str] | None:
    for key in ((job, argument), ("*", argument)):
        if key in _LABELS:
            return key
    return None


def _pairs(
    run: JobRun, workspace: Workspace, names: dict[tuple[str, str], dict[int, str]]
) -> list[tuple[str, str]]:
    pairs = []
    for argument, value in run.arguments.items():
        if argument == "workspace_id" and value == workspace.pk:
            continue
        key = _label_key(run.name, argument)
        if key is None or not isinstance(value, int):
            pairs.append((argument.replace("_", " "), str(value)))
            continue
        # An id no longer found (a removed source) says so rather than showing a bare number.
        shown = names[key].get(value, f"#{value} (removed)")
        pairs.append((_LABELS[key].label, shown))
    return pairs
