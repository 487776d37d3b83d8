"""PM onboarding: programmes of steps (readings, tasks, shadowing, a first roadmap in the
standard template) assigned to new product managers, their completion, and the two scorecard
measures drawn from them. Reads first, then writes (each write takes the actor, runs in a
transaction and records its audit event), as in ``selectors.py`` and ``services.py``; kept in
a module of its own because those two are near the size where a module becomes a package.

The first-roadmap step completes by itself once an app registers the ``first-roadmap``
``registry.Milestone`` (strategy's roadmaps, built in parallel): ``milestones_sync`` asks it
when the member first saved a roadmap in the standard template. Until then the member, or
product ops, ticks it by hand with a link to the roadmap.
"""

import re
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from greenroom import registry
from greenroom.accounts.choices import Role
from greenroom.accounts.models import Membership, User, Workspace
from greenroom.accounts.permissions import ABILITIES
from greenroom.accounts.services import audit_record
from greenroom.cadences.choices import AuditAction, CompletedVia, StepKind
from greenroom.cadences.models import (
    OnboardingAssignment,
    OnboardingProgramme,
    OnboardingStep,
    StepCompletion,
)
from greenroom.registry import Quantity, Ratio

# The Milestone key the first-roadmap step waits for.
FIRST_ROADMAP = "first-roadmap"
# The scorecard's onboarding measures look at assignments and roadmaps of this window, and
# compare with the window before.
WINDOW_DAYS = 365
# Who can be onboarded: the roles that write roadmaps and raise decisions.
ONBOARDED_ROLES = (Role.PRODUCT_MANAGER, Role.PRODUCT_OPS, Role.ADMIN)
MAX_DUE_DAYS = 365


# ---------------------------------------------------------------------------- reads


def programme_list(*, workspace: Workspace) -> QuerySet[OnboardingProgramme]:
    """The workspace's programmes with how many steps and assignments each has."""
    return OnboardingProgramme.objects.for_workspace(workspace).annotate(
        step_count=Count("steps", distinct=True),
        assignment_count=Count("assignments", distinct=True),
    )


def programme_get(*, workspace: Workspace, pk: int) -> OnboardingProgramme | None:
    """One programme with its steps."""
    return (
        OnboardingProgramme.objects.for_workspace(workspace)
        .prefetch_related("steps")
        .filter(pk=pk)
        .first()
    )


def assignment_get(*, workspace: Workspace, pk: int) -> OnboardingAssignment | None:
    """One assignment with its programme's steps and what is done."""
    return (
        OnboardingAssignment.objects.for_workspace(workspace)
        .select_related("programme", "user", "assigned_by")
        .prefetch_related("programme__steps", "completions")
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class StepState:
    """A step as one new PM sees it: done (when, how) or due (overdue or not)."""

    step: OnboardingStep
    due: date
    completion: StepCompletion | None
    today: date

    @property
    def done(self) -> bool:
        return self.completion is not None

    @property
    def overdue(self) -> bool:
        return self.completion is None and self.due < self.today


@dataclass(frozen=True)
class Progress:
    """An assignment's steps in order, and how many are done."""

    assignment: OnboardingAssignment
    steps: list[StepState]

    @property
    def done(self) -> int:
        return sum(state.done for state in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def overdue(self) -> int:
        return sum(state.overdue for state in self.steps)


def progress(*, assignment: OnboardingAssignment, today: date | None = None) -> Progress:
    """Each step of the assignment's programme with its due date and completion (reads the
    prefetched steps and completions of ``assignment_get``/``assignment_list``)."""
    today = today or timezone.localdate()
    done = {c.step_id: c for c in assignment.completions.all()}
    states = [
        StepState(
            step,
            assignment.started_on + timedelta(days=step.due_after_days),
            done.get(step.pk),
            today,
        )
        for step in assignment.programme.steps.all()
    ]
    return Progress(assignment, states)


def assignment_list(*, workspace: Workspace, user: User | None = None) -> list[Progress]:
    """Every assignment (or one member's), newest start first, with its progress."""
    rows = (
        OnboardingAssignment.objects.for_workspace(workspace)
        .select_related("programme", "user")
        .prefetch_related("programme__steps", "completions")
    )
    if user is not None:
        rows = rows.filter(user=user)
    today = timezone.localdate()
    return [progress(assignment=row, today=today) for row in rows]


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def completion_ratio(*, workspace: Workspace, now: datetime | None = None) -> Ratio:
    """Steps done of all steps, over the assignments started in the last 365 days (done by
    ``now``): how far the product team's onboarding has got."""
    now = now or timezone.now()
    rows = OnboardingAssignment.objects.for_workspace(workspace).filter(
        started_on__gt=(now - timedelta(days=WINDOW_DAYS)).date(), started_on__lte=now.date()
    )
    # One row per (assignment, step of its programme): their count is every step owed.
    total = OnboardingStep.objects.filter(programme__assignments__in=rows).count()
    done = StepCompletion.objects.filter(assignment__in=rows, completed_at__lte=now).count()
    return Ratio(done, total)


def time_to_first_roadmap(*, workspace: Workspace, now: datetime | None = None) -> Quantity:
    """Median days from an assignment's start to its first-roadmap step done, over those done
    in the last 365 days; the trend is the median of the 365 days before."""
    now = now or timezone.now()
    window = timedelta(days=WINDOW_DAYS)
    rows = (
        StepCompletion.objects.for_workspace(workspace)
        .filter(
            step__kind=StepKind.FIRST_ROADMAP,
            completed_at__gt=now - 2 * window,
            completed_at__lte=now,
        )
        .values_list("assignment__started_on", "completed_at")
    )
    recent: list[float] = []
    before: list[float] = []
    for started_on, completed_at in rows:
        days = (completed_at - _start(started_on)).total_seconds() / 86400
        (recent if completed_at > now - window else before).append(days)
    return Quantity(value=_median(recent), unit="days", count=len(recent), previous=_median(before))


# ---------------------------------------------------------------------------- writes

STEP_LINE = re.compile(r"^\s*(?P<kind>[a-z_ ]+?)\s*:\s*(?P<rest>.+)$", re.IGNORECASE)
KIND_WORDS = {
    "reading": StepKind.READING,
    "read": StepKind.READING,
    "task": StepKind.TASK,
    "shadowing": StepKind.SHADOWING,
    "shadow": StepKind.SHADOWING,
    "first roadmap": StepKind.FIRST_ROADMAP,
    "first_roadmap": StepKind.FIRST_ROADMAP,
    "roadmap": StepKind.FIRST_ROADMAP,
}


def steps_parse(text: str) -> list[dict]:
    """Steps written one a line as ``kind: title | link | due after days`` (link and days
    optional), e.g. ``reading: The product strategy | https://wiki/strategy | 7``. Refused
    with the line's number and what is wrong."""
    steps, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = STEP_LINE.match(line)
        kind = KIND_WORDS.get(match["kind"].strip().lower()) if match else None
        if match is None or kind is None:
            problems.append(
                f"Line {number}: start with reading:, task:, shadowing: or first roadmap:."
            )
            continue
        parts = [part.strip() for part in match["rest"].split("|")]
        title, link, days = parts[0], "", 14
        for extra in parts[1:]:
            if extra.isdigit():
                days = int(extra)
            elif extra.startswith(("http://", "https://")):
                link = extra
            elif extra:
                problems.append(f"Line {number}: {extra!r} is neither a link nor a number of days.")
        if not title:
            problems.append(f"Line {number}: the step needs a title.")
        elif days > MAX_DUE_DAYS:
            problems.append(f"Line {number}: due after {days} days is over a year.")
        steps.append({"kind": kind, "title": title[:300], "link": link, "due_after_days": days})
    if problems:
        raise ValidationError({"steps": problems})
    if not steps:
        raise ValidationError({"steps": "Write at least one step."})
    return steps


def steps_text(programme: OnboardingProgramme) -> str:
    """A programme's steps written back as ``steps_parse`` reads them."""
    words = {v: k for k, v in KIND_WORDS.items() if k in ("reading", "task", "shadowing")}
    words[StepKind.FIRST_ROADMAP] = "first roadmap"
    return "\n".join(
        " | ".join(
            part
            for part in (
                f"{words[step.kind]}: {step.title}",
                step.link,
                str(step.due_after_days),
            )
            if part
        )
        for step in programme.steps.all()
    )


@transaction.atomic
def programme_save(
    *,
    workspace: Workspace,
    actor: User,
    name: str,
    steps: list[dict],
    description: str = "",
    programme: OnboardingProgramme | None = None,
) -> OnboardingProgramme:
    """Create or change a programme and its steps, in order. A step someone already did is
    kept (changed in place, by position); removing one is refused."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the programme."})
    taken = OnboardingProgramme.objects.for_workspace(workspace).filter(name__iexact=name)
    if programme is not None:
        taken = taken.exclude(pk=programme.pk)
    if taken.exists():
        raise ValidationError({"name": f"There is already a programme called {name!r}."})
    if programme is None:
        programme = OnboardingProgramme.objects.create(
            workspace=workspace, name=name, description=description, created_by=actor
        )
    else:
        programme.name, programme.description = name, description
        programme.save(update_fields=["name", "description"])
    existing = list(programme.steps.order_by("position", "pk"))
    removed = existing[len(steps) :]
    if removed and StepCompletion.objects.filter(step__in=removed).exists():
        raise ValidationError(
            {"steps": "A step someone has done cannot be removed: keep as many steps."}
        )
    OnboardingStep.objects.filter(pk__in=[step.pk for step in removed]).delete()
    for position, fields in enumerate(steps, start=1):
        if position <= len(existing):
            step = existing[position - 1]
            for key, value in fields.items():
                setattr(step, key, value)
            step.save()
        else:
            OnboardingStep.objects.create(
                workspace=workspace, programme=programme, position=position, **fields
            )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.ONBOARDING_PROGRAMME_SAVE,
        target=programme,
        detail={"name": name, "steps": len(steps)},
    )
    return programme


@transaction.atomic
def assignment_create(
    *,
    workspace: Workspace,
    actor: User,
    programme: OnboardingProgramme,
    user: User | None,
    started_on: date,
) -> OnboardingAssignment:
    """Give ``programme`` to a new product manager from ``started_on``."""
    if user is None:
        raise ValidationError({"user": "Choose who is being onboarded."})
    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    if membership is None or membership.role not in ONBOARDED_ROLES:
        raise ValidationError(
            {"user": f"{user.get_full_name() or user} is not a product manager here."}
        )
    if programme.workspace_id != workspace.pk:
        raise ValidationError({"programme": "No such programme in this workspace."})
    if OnboardingAssignment.objects.filter(programme=programme, user=user).exists():
        raise ValidationError(
            {"user": f"{user.get_full_name() or user} already follows {programme.name}."}
        )
    assignment = OnboardingAssignment.objects.create(
        workspace=workspace,
        programme=programme,
        user=user,
        started_on=started_on,
        assigned_by=actor,
    )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.ONBOARDING_ASSIGNMENT_CREATE,
        target=assignment,
        detail={"programme": programme.name, "user": user.email, "started_on": str(started_on)},
    )
    return assignment


def _may_tick(workspace: Workspace, actor: User, assignment: OnboardingAssignment) -> bool:
    if actor.pk == assignment.user_id:
        return True
    membership = Membership.objects.filter(workspace=workspace, user=actor).first()
    return membership is not None and membership.has_role(ABILITIES["manage_onboarding"])


def _finish_if_done(assignment: OnboardingAssignment) -> None:
    steps = assignment.programme.steps.count()
    times = list(assignment.completions.values_list("completed_at", flat=True))
    completed_at = max(times) if steps and len(times) >= steps else None
    if assignment.completed_at != completed_at:
        assignment.completed_at = completed_at
        assignment.save(update_fields=["completed_at"])


@transaction.atomic
def step_complete(
    *,
    workspace: Workspace,
    actor: User,
    assignment: OnboardingAssignment,
    step: OnboardingStep,
    note: str = "",
    at: datetime | None = None,
    via: str = CompletedVia.MANUAL,
) -> StepCompletion:
    """Mark a step done, by the new PM or by product ops; doing it again changes nothing."""
    if not _may_tick(workspace, actor, assignment):
        raise PermissionDenied("Only the person onboarded, or product ops, ticks their steps.")
    if step.programme_id != assignment.programme_id:
        raise ValidationError("That step is not part of this programme.")
    at = at or timezone.now()
    if at.date() < assignment.started_on:
        raise ValidationError("A step cannot be done before the onboarding started.")
    completion, created = StepCompletion.objects.get_or_create(
        assignment=assignment,
        step=step,
        defaults={"workspace": workspace, "completed_at": at, "via": via, "note": note[:500]},
    )
    if created:
        _finish_if_done(assignment)
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.ONBOARDING_STEP_COMPLETE,
            target=assignment,
            detail={"step": step.title, "via": via},
        )
    return completion


@transaction.atomic
def step_reopen(
    *, workspace: Workspace, actor: User, assignment: OnboardingAssignment, step: OnboardingStep
) -> None:
    """Untick a step ticked by mistake."""
    if not _may_tick(workspace, actor, assignment):
        raise PermissionDenied("Only the person onboarded, or product ops, ticks their steps.")
    deleted, _ = StepCompletion.objects.filter(assignment=assignment, step=step).delete()
    if deleted:
        _finish_if_done(assignment)
        audit_record(
            actor=actor,
            workspace=workspace,
            action=AuditAction.ONBOARDING_STEP_REOPEN,
            target=assignment,
            detail={"step": step.title},
        )


def milestone() -> registry.Milestone | None:
    """The registered first-roadmap milestone, when an app brings one."""
    return next((m for m in registry.entries(registry.Milestone) if m.key == FIRST_ROADMAP), None)


def milestones_sync(*, workspace: Workspace) -> int:
    """Complete the first-roadmap steps of open assignments whose member has reached the
    registered milestone (at the time they reached it); how many were completed."""
    found = milestone()
    if found is None:
        return 0
    done = 0
    open_rows = (
        OnboardingAssignment.objects.for_workspace(workspace)
        .filter(completed_at__isnull=True)
        .select_related("programme", "user")
    )
    for assignment in open_rows:
        waiting = assignment.programme.steps.filter(kind=StepKind.FIRST_ROADMAP).exclude(
            pk__in=assignment.completions.values("step_id")
        )
        for step in waiting:
            reached = found.reached(workspace=workspace, user=assignment.user)
            if reached is None:
                continue
            step_complete(
                workspace=workspace,
                actor=assignment.user,
                assignment=assignment,
                step=step,
                at=max(reached, _start(assignment.started_on)),
                via=CompletedVia.MILESTONE,
                note=found.title,
            )
            done += 1
    return done
