"""Launch readiness: checklist templates product ops keeps, launches with their checklist
(owners, due dates, required evidence), readiness and the go/no-go call, reminders for items
coming due, and adoption against the target once launched.

Readiness is the share of a launch's checklist items that are done; an item that requires
evidence (an experiment result, beta feedback, a signed-off document) cannot be ticked
without it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.experiments import usage
from greenroom.experiments.choices import (
    AuditAction,
    Evidence,
    GoDecision,
    LaunchStatus,
    Status,
)
from greenroom.experiments.models import (
    BetaProgramme,
    ChecklistItem,
    ChecklistTemplate,
    Experiment,
    Launch,
)
from greenroom.metrics import store

DEFAULT_TEMPLATE = "Standard launch"
# (area, title, evidence, days before the launch date it is due)
DEFAULT_ITEMS = [
    ("Support", "Support trained", Evidence.DOCUMENT, 7),
    ("Docs", "Help docs published", Evidence.DOCUMENT, 3),
    ("Sales", "Sales enablement done", Evidence.DOCUMENT, 7),
    ("Pricing", "Pricing and packaging agreed", Evidence.DOCUMENT, 14),
    ("Legal", "Legal review passed", Evidence.DOCUMENT, 10),
    ("Marketing", "Announcement ready", Evidence.NONE, 2),
    ("Security", "Security review passed", Evidence.DOCUMENT, 10),
    ("Product", "Experiment or beta shows it works", Evidence.BETA_FEEDBACK, 14),
]
REMIND_DAYS = 2


# Templates -----------------------------------------------------------------------------


def template_list(*, workspace: Workspace) -> QuerySet[ChecklistTemplate]:
    """The workspace's checklist templates."""
    return ChecklistTemplate.objects.for_workspace(workspace)


def default_items() -> list[dict]:
    """The checklist a workspace starts with."""
    return [
        {"area": area, "title": title, "evidence": str(evidence), "days_before": days}
        for area, title, evidence, days in DEFAULT_ITEMS
    ]


def parse_items(text: str) -> list[dict]:
    """Template items from lines ``Area | Title | evidence | days before``; the evidence is
    one of experiment, beta_feedback, document or blank. Errors name the line."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 4 or not parts[1]:
            raise ValidationError(
                {"items": f"Line {number}: write 'Area | Title | evidence | days before'."}
            )
        area, title, evidence, days = parts
        if evidence not in Evidence.values:
            allowed = ", ".join(v for v in Evidence.values if v)
            raise ValidationError(
                {"items": f"Line {number}: evidence {evidence!r} is not one of {allowed} or blank."}
            )
        if not days.isdigit() or int(days) > 365:
            raise ValidationError(
                {"items": f"Line {number}: days before must be a whole number from 0 to 365."}
            )
        items.append({"area": area, "title": title, "evidence": evidence, "days_before": int(days)})
    if not items:
        raise ValidationError({"items": "A checklist needs at least one item."})
    return items


def format_items(items: list[dict]) -> str:
    """The lines ``parse_items`` reads back."""
    return "\n".join(
        f"{i['area']} | {i['title']} | {i['evidence']} | {i['days_before']}" for i in items
    )


@transaction.atomic
def template_save(
    *,
    workspace: Workspace,
    actor: User | None,
    name: str,
    items: list[dict],
    template: ChecklistTemplate | None = None,
) -> ChecklistTemplate:
    """Create or change a checklist template (launches already made keep their items)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the template a name."})
    taken = template_list(workspace=workspace).filter(name__iexact=name)
    if template is not None:
        taken = taken.exclude(pk=template.pk)
    if taken.exists():
        raise ValidationError({"name": f"There is already a template called {name!r}."})
    template = template or ChecklistTemplate(workspace=workspace)
    template.name, template.items = name, items
    template.save()
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.CHECKLIST_TEMPLATE_SAVE,
        target=template,
        detail={"items": len(items)},
    )
    return template


def template_default(*, workspace: Workspace, actor: User | None) -> ChecklistTemplate:
    """The workspace's first template, made from the standard checklist if it has none."""
    found = template_list(workspace=workspace).first()
    if found is not None:
        return found
    return template_save(
        workspace=workspace, actor=actor, name=DEFAULT_TEMPLATE, items=default_items()
    )


# Launches ------------------------------------------------------------------------------


def launch_list(*, workspace: Workspace) -> QuerySet[Launch]:
    """The workspace's launches, soonest first."""
    return Launch.objects.for_workspace(workspace).select_related("owner", "programme")


def launch_get(*, workspace: Workspace, pk: int) -> Launch:
    """One launch of the workspace (Launch.DoesNotExist otherwise)."""
    return launch_list(workspace=workspace).select_related("experiment", "go_decided_by").get(pk=pk)


def launch_items(*, launch: Launch) -> list[ChecklistItem]:
    """The launch's checklist with owners and evidence."""
    return list(
        ChecklistItem.objects.for_workspace(launch.workspace)
        .filter(launch=launch)
        .select_related("owner", "done_by", "evidence_experiment", "evidence_programme")
    )


@transaction.atomic
def launch_create(
    *,
    workspace: Workspace,
    actor: User | None,
    name: str,
    planned_on: date,
    template: ChecklistTemplate | None = None,
    owner: User | None = None,
    description: str = "",
    programme: BetaProgramme | None = None,
    experiment: Experiment | None = None,
    adoption_feature: str = "",
    adoption_target: Decimal | None = None,
    adoption_days: int = 30,
) -> Launch:
    """Plan a launch with the template's checklist, each item due its days before the date
    and owned by the launch's owner until someone else takes it."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the launch a name."})
    if launch_list(workspace=workspace).filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a launch called {name!r}."})
    if adoption_target is not None and not 0 < adoption_target <= 100:
        raise ValidationError({"adoption_target": "The target is a percent of accounts, 0-100."})
    for other in (programme, experiment, template):
        if other is not None and other.workspace_id != workspace.pk:
            raise ValidationError("That belongs to another workspace.")
    template = template or template_default(workspace=workspace, actor=actor)
    launch = Launch.objects.create(
        workspace=workspace,
        name=name,
        description=description,
        owner=owner or actor,
        planned_on=planned_on,
        programme=programme,
        experiment=experiment,
        adoption_feature=adoption_feature.strip(),
        adoption_target=adoption_target,
        adoption_days=adoption_days,
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            workspace=workspace,
            launch=launch,
            title=item["title"],
            area=item["area"],
            evidence=item["evidence"],
            owner=launch.owner,
            due_on=planned_on - timedelta(days=int(item["days_before"])),
            position=position,
        )
        for position, item in enumerate(template.items)
    )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.LAUNCH_CREATE,
        target=launch,
        detail={"template": template.name},
    )
    return launch


def _check_evidence(
    item: ChecklistItem,
    experiment: Experiment | None,
    programme: BetaProgramme | None,
    url: str,
) -> None:
    ours = item.workspace_id
    if experiment is not None and experiment.workspace_id != ours:
        raise ValidationError({"evidence": "No such experiment."})
    if programme is not None and programme.workspace_id != ours:
        raise ValidationError({"evidence": "No such beta programme."})
    if item.evidence == Evidence.EXPERIMENT and experiment is None:
        raise ValidationError({"evidence": f"'{item.title}' needs an experiment result."})
    if item.evidence == Evidence.BETA_FEEDBACK and programme is None and experiment is None:
        raise ValidationError(
            {"evidence": f"'{item.title}' needs a beta programme (or a decided experiment)."}
        )
    needs_result = item.evidence in (Evidence.EXPERIMENT, Evidence.BETA_FEEDBACK)
    if needs_result and experiment is not None and experiment.status != Status.DECIDED:
        raise ValidationError(
            {"evidence": f"'{experiment.name}' has no decision yet: its result is not in."}
        )
    if item.evidence == Evidence.DOCUMENT and not url.strip():
        raise ValidationError({"evidence": f"'{item.title}' needs the signed-off document's link."})


@transaction.atomic
def item_complete(
    *,
    item: ChecklistItem,
    actor: User,
    experiment: Experiment | None = None,
    programme: BetaProgramme | None = None,
    url: str = "",
    note: str = "",
) -> ChecklistItem:
    """Tick an item, with the evidence it requires."""
    _check_evidence(item, experiment, programme, url)
    item.evidence_experiment = experiment
    item.evidence_programme = programme
    item.evidence_url = url.strip()
    item.evidence_note = note.strip()[:500]
    item.done_at, item.done_by = timezone.now(), actor
    item.save()
    audit_record(
        actor=actor,
        workspace=item.workspace,
        action=AuditAction.CHECKLIST_ITEM_COMPLETE,
        target=item,
        detail={"launch": item.launch_id},
    )
    return item


@transaction.atomic
def item_reopen(*, item: ChecklistItem, actor: User) -> ChecklistItem:
    """Untick an item (its evidence stays for the record)."""
    item.done_at, item.done_by = None, None
    item.save(update_fields=["done_at", "done_by"])
    audit_record(
        actor=actor,
        workspace=item.workspace,
        action=AuditAction.CHECKLIST_ITEM_REOPEN,
        target=item,
        detail={"launch": item.launch_id},
    )
    return item


@dataclass
class Readiness:
    """How ready a launch is: items done of all, the percent, and what stands in the way."""

    done: int
    total: int
    open_items: list[ChecklistItem] = field(default_factory=list)
    overdue: list[ChecklistItem] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        """Whole percent of items done, rounded down (None for an empty checklist), so 99.6 %
        never shows as a ready 100 %."""
        if not self.total:
            return None
        return self.done * 100 // self.total

    @property
    def ready(self) -> bool:
        """Every item is done."""
        return self.total > 0 and self.done == self.total


def readiness(items: list[ChecklistItem], *, today: date | None = None) -> Readiness:
    """Readiness of a checklist as of ``today``."""
    today = today or timezone.localdate()
    open_items = [i for i in items if i.done_at is None]
    overdue = [i for i in open_items if i.due_on is not None and i.due_on < today]
    return Readiness(len(items) - len(open_items), len(items), open_items, overdue)


def readiness_by_launch(*, launches: list[Launch]) -> dict[int, Readiness]:
    """Readiness of several launches from one read of their items."""
    items: dict[int, list[ChecklistItem]] = {launch.pk: [] for launch in launches}
    rows = ChecklistItem.objects.filter(launch_id__in=list(items)).only(
        "pk", "launch_id", "done_at", "due_on", "title"
    )
    for item in rows:
        items[item.launch_id].append(item)
    return {pk: readiness(rows) for pk, rows in items.items()}


@transaction.atomic
def launch_decide_go(*, launch: Launch, actor: User, decision: str, note: str = "") -> Launch:
    """Record the go/no-go call; "go" with items still open needs a note saying why."""
    if decision not in GoDecision.values:
        raise ValidationError({"decision": "Choose go or no go."})
    state = readiness(launch_items(launch=launch))
    if decision == GoDecision.GO and not state.ready and not note.strip():
        raise ValidationError(
            {
                "note": f"{len(state.open_items)} checklist items are still open: say why "
                "it goes anyway, or finish them first."
            }
        )
    launch.go_decision, launch.go_note = decision, note.strip()
    launch.go_decided_at, launch.go_decided_by = timezone.now(), actor
    launch.save(update_fields=["go_decision", "go_note", "go_decided_at", "go_decided_by"])
    audit_record(
        actor=actor,
        workspace=launch.workspace,
        action=AuditAction.LAUNCH_DECIDE_GO,
        target=launch,
        detail={"decision": decision, "readiness": state.percent},
    )
    return launch


@transaction.atomic
def launch_mark_launched(*, launch: Launch, actor: User, on: date | None = None) -> Launch:
    """Record that it shipped (today unless ``on``); a launch needs its go first."""
    if launch.go_decision != GoDecision.GO:
        raise ValidationError("Record the go decision before marking it launched.")
    launch.status, launch.launched_on = LaunchStatus.LAUNCHED, on or timezone.localdate()
    launch.save(update_fields=["status", "launched_on"])
    audit_record(
        actor=actor,
        workspace=launch.workspace,
        action=AuditAction.LAUNCH_MARK_LAUNCHED,
        target=launch,
        detail={"on": launch.launched_on.isoformat(), "on_time": launch.on_time()},
    )
    return launch


@dataclass
class AdoptionResult:
    """Adoption against the target, or why it cannot be read yet."""

    adoption: usage.Adoption | None = None
    target: Decimal | None = None
    problem: str = ""

    @property
    def met(self) -> bool | None:
        """Whether the share reached the target (None without both)."""
        share = self.adoption.share if self.adoption else None
        if share is None or self.target is None:
            return None
        return share >= float(self.target)


def launch_adoption(*, launch: Launch) -> AdoptionResult:
    """The feature's adoption by active accounts in the launch's window, from the usage
    events of the metrics layer's store."""
    if launch.launched_on is None:
        return AdoptionResult(problem="Adoption is measured once it has launched.")
    if not launch.adoption_feature:
        return AdoptionResult(problem="Name the feature's event or key to measure adoption.")
    try:
        with store.reader(launch.workspace_id) as connection:
            found = usage.adoption(
                connection,
                feature=launch.adoption_feature,
                start=launch.launched_on,
                days=launch.adoption_days,
            )
    except store.StoreNotPublished:
        return AdoptionResult(problem="No usage data yet: connect and sync a usage source.")
    if not found.active_accounts:
        return AdoptionResult(
            problem="No account was active since the launch in the usage data yet.",
            target=launch.adoption_target,
        )
    return AdoptionResult(adoption=found, target=launch.adoption_target)


# Reminders -----------------------------------------------------------------------------


def reminders_send(*, now: datetime) -> int:
    """Email each owner of an open item due within two days (or overdue) once, and note it;
    mail goes after commit, so a rolled-back run sends nothing."""
    today = timezone.localdate(now)
    due = (
        ChecklistItem.objects.filter(
            done_at__isnull=True,
            reminded_at__isnull=True,
            due_on__lte=today + timedelta(days=REMIND_DAYS),
            launch__status=LaunchStatus.PLANNED,
            owner__isnull=False,
        )
        .exclude(owner__email="")
        .select_related("owner", "launch")
    )
    sent = 0
    with transaction.atomic():
        for item in due.select_for_update(of=("self",)):
            assert item.owner is not None  # filtered above
            when = "was due" if item.due_on and item.due_on < today else "is due"
            body = (
                f"'{item.title}' for the launch '{item.launch.name}' (planned "
                f"{item.launch.planned_on:%d %b %Y}) {when} on {item.due_on:%d %b %Y}."
            )
            subject = f"Launch checklist: {item.title} ({item.launch.name})"
            transaction.on_commit(
                partial(send_mail, subject, body, None, [item.owner.email], fail_silently=True)
            )
            item.reminded_at = now
            item.save(update_fields=["reminded_at"])
            sent += 1
    return sent
