"""Betas and early access: programmes moving concept → alpha → beta → general availability,
their waitlist, and participants recruited by consent.

Recruiting goes through the customers app: the participant finder chooses contacts who
opted in to betas (least recently contacted first, a few per account, contact limits and
quiet periods respected), and ``participants_reserve`` checks each again and logs the
invitation as outreach in the same transaction, so the next study sees it and the limits
hold. Feedback is a lower app: a programme's feedback is the feedback items carrying the
programme's tag (made with the programme), which triage adds like any other tag.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers import finder
from greenroom.customers import selectors as customers
from greenroom.customers import services as outreach
from greenroom.customers.choices import KIND_CONSENT, OutreachKind
from greenroom.customers.models import Contact
from greenroom.experiments import usage
from greenroom.experiments.choices import STAGE_ORDER, AuditAction, ParticipantStatus, Stage
from greenroom.experiments.models import BetaParticipant, BetaProgramme, Experiment
from greenroom.feedback import selectors as feedback
from greenroom.feedback import services as feedback_services
from greenroom.feedback.choices import Status as FeedbackStatus
from greenroom.feedback.models import Tag
from greenroom.metrics import store

# Early access before general availability is asked for under the "early access" consent;
# alpha and beta under "betas".
INVITE_KIND = {
    Stage.CONCEPT: OutreachKind.BETA_INVITE,
    Stage.ALPHA: OutreachKind.BETA_INVITE,
    Stage.BETA: OutreachKind.BETA_INVITE,
    Stage.GA: OutreachKind.EARLY_ACCESS,
}
USAGE_DAYS = 30


# Reads ---------------------------------------------------------------------------------


def programme_list(*, workspace: Workspace) -> QuerySet[BetaProgramme]:
    """The workspace's beta programmes with their owner."""
    return BetaProgramme.objects.for_workspace(workspace).select_related("owner", "experiment")


def programme_get(*, workspace: Workspace, pk: int) -> BetaProgramme:
    """One programme of the workspace (BetaProgramme.DoesNotExist otherwise)."""
    return programme_list(workspace=workspace).select_related("feedback_tag").get(pk=pk)


def participants(*, programme: BetaProgramme) -> QuerySet[BetaParticipant]:
    """The programme's participants with their contact and account, oldest first."""
    return (
        BetaParticipant.objects.for_workspace(programme.workspace)
        .filter(programme=programme)
        .select_related("contact", "contact__account", "outreach")
    )


def participation(*, programme: BetaProgramme) -> dict[str, int]:
    """How many participants are in each status (every status present, zero or not)."""
    counts = Counter(participants(programme=programme).values_list("status", flat=True))
    return {status: counts.get(status, 0) for status in ParticipantStatus.values}


def open_feedback(*, programme: BetaProgramme, limit: int = 20) -> list:
    """Feedback carrying the programme's tag that is still open (new or triaged)."""
    if programme.feedback_tag_id is None:
        return []
    rows = feedback.item_list(
        workspace=programme.workspace, filters={"tag": programme.feedback_tag_id}
    )
    open_rows = rows.filter(status__in=[FeedbackStatus.NEW, FeedbackStatus.TRIAGED])
    return list(open_rows.order_by("-received_at", "-pk")[:limit])


@dataclass
class ParticipantUsage:
    """The feature's use by the participants' accounts, or why it is not known."""

    rows: list[dict] = field(default_factory=list)
    using: int = 0
    accounts: int = 0
    problem: str = ""


def participant_usage(*, programme: BetaProgramme, now: datetime | None = None) -> ParticipantUsage:
    """Events of the programme's feature in the last 30 days, per participating account
    (taking part or invited): usage events name accounts, not the people asked."""
    if not programme.usage_feature:
        return ParticipantUsage(problem="Name the feature's event or feature key to see usage.")
    taking_part = participants(programme=programme).exclude(
        status__in=[ParticipantStatus.WAITLISTED, ParticipantStatus.LEFT]
    )
    by_account = {p.contact.account_id: p.contact.account for p in taking_part}
    if not by_account:
        return ParticipantUsage(problem="No one is taking part yet.")
    since = (now or timezone.now()) - timedelta(days=USAGE_DAYS)
    keys = {
        pk: [*customers.account_keys(account), account.name] for pk, account in by_account.items()
    }
    try:
        with store.reader(programme.workspace_id) as connection:
            found = usage.feature_usage_by_account(
                connection, feature=programme.usage_feature, accounts=keys, since=since
            )
    except store.StoreNotPublished:
        return ParticipantUsage(problem="No usage data yet: connect and sync a usage source.")
    rows = [
        {"account": account, "usage": found.get(pk)}
        for pk, account in sorted(by_account.items(), key=lambda kv: kv[1].name)
    ]
    return ParticipantUsage(rows=rows, using=len(found), accounts=len(by_account))


def export_rows(*, programme: BetaProgramme) -> list[dict]:
    """The participants to switch the feature on for, as a feature-flag system imports them:
    invited and taking part, with their email, CRM ids and account."""
    rows = []
    for p in participants(programme=programme).filter(
        status__in=[ParticipantStatus.INVITED, ParticipantStatus.ACTIVE]
    ):
        contact, account = p.contact, p.contact.account
        rows.append(
            {
                "flag_key": programme.flag_key,
                "email": contact.email,
                "contact_id": contact.external_id or contact.salesforce_id or contact.hubspot_id,
                "name": str(contact),
                "account": account.name,
                "account_id": account.external_id or account.salesforce_id or account.hubspot_id,
                "status": p.status,
            }
        )
    return rows


# Writes --------------------------------------------------------------------------------


def _feedback_tag(*, workspace: Workspace, actor: User | None, name: str) -> Tag:
    tag_name = f"Beta: {name}"[:100]
    found = Tag.objects.for_workspace(workspace).filter(name__iexact=tag_name).first()
    if found is not None:
        return found
    return feedback_services.tag_save(actor=actor, workspace=workspace, name=tag_name)  # type: ignore[arg-type]


@transaction.atomic
def programme_create(
    *,
    workspace: Workspace,
    actor: User | None,
    name: str,
    description: str = "",
    stage: str = Stage.CONCEPT,
    flag_key: str = "",
    usage_feature: str = "",
    owner: User | None = None,
    experiment: Experiment | None = None,
    capacity: int | None = None,
) -> BetaProgramme:
    """Open a programme, with the feedback tag its participants' feedback will carry."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the programme a name."})
    if stage not in Stage.values:
        raise ValidationError({"stage": f"Unknown stage {stage!r}."})
    if BetaProgramme.objects.for_workspace(workspace).filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a programme called {name!r}."})
    if experiment is not None and experiment.workspace_id != workspace.pk:
        raise ValidationError({"experiment": "No such experiment."})
    programme = BetaProgramme.objects.create(
        workspace=workspace,
        name=name,
        description=description,
        stage=stage,
        stage_changed_at=timezone.now(),
        flag_key=flag_key.strip(),
        usage_feature=usage_feature.strip(),
        owner=owner or actor,
        experiment=experiment,
        capacity=capacity,
        feedback_tag=_feedback_tag(workspace=workspace, actor=actor, name=name),
    )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.BETA_PROGRAMME_CREATE,
        target=programme,
    )
    return programme


@transaction.atomic
def programme_change_stage(
    *, programme: BetaProgramme, actor: User | None, stage: str
) -> BetaProgramme:
    """Move the programme to another stage (forward, or back with the reason in the log)."""
    if stage not in STAGE_ORDER:
        raise ValidationError({"stage": f"Unknown stage {stage!r}."})
    previous, programme.stage = programme.stage, stage
    programme.stage_changed_at = timezone.now()
    programme.save(update_fields=["stage", "stage_changed_at"])
    audit_record(
        actor=actor,
        workspace=programme.workspace,
        action=AuditAction.BETA_PROGRAMME_CHANGE_STAGE,
        target=programme,
        detail={"from": previous, "to": stage},
    )
    return programme


@transaction.atomic
def waitlist_add(
    *, programme: BetaProgramme, actor: User | None, contact: Contact
) -> BetaParticipant:
    """Put a contact who asked for access on the waitlist (nobody is contacted)."""
    if contact.workspace_id != programme.workspace_id:
        raise ValidationError("No such contact.")
    if contact.erased_at:
        raise ValidationError("This contact was erased.")
    participant, created = BetaParticipant.objects.get_or_create(
        programme=programme,
        contact=contact,
        defaults={"workspace_id": programme.workspace_id},
    )
    if created:
        audit_record(
            actor=actor,
            workspace=programme.workspace,
            action=AuditAction.BETA_PARTICIPANT_WAITLIST,
            target=participant,
        )
    return participant


@dataclass
class Recruitment:
    """Who was invited, who was refused (with the reason) and how many the finder found."""

    invited: list[BetaParticipant] = field(default_factory=list)
    refused: list[tuple[Contact, str]] = field(default_factory=list)


def _room(programme: BetaProgramme, wanted: int) -> int:
    if programme.capacity is None:
        return wanted
    taken = participants(programme=programme).filter(
        status__in=[ParticipantStatus.INVITED, ParticipantStatus.ACTIVE]
    )
    return max(0, min(wanted, programme.capacity - taken.count()))


def programme_recruit(
    *, programme: BetaProgramme, actor: User, criteria: finder.Criteria
) -> Recruitment:
    """Invite contacts the finder chooses among those who agreed to this kind of programme,
    skipping people already in it, up to the programme's capacity."""
    kind = INVITE_KIND[Stage(programme.stage)]
    criteria.opted_in = sorted({*criteria.opted_in, str(KIND_CONSENT[kind])})
    criteria.limit = _room(programme, criteria.limit)
    if criteria.limit == 0:
        raise ValidationError("The programme is full: raise its capacity to invite more.")
    already = set(
        participants(programme=programme)
        .exclude(status=ParticipantStatus.WAITLISTED)
        .values_list("contact_id", flat=True)
    )
    wanted = criteria.limit
    criteria.limit = wanted + len(already)
    found = finder.participants_find(workspace=programme.workspace, criteria=criteria)
    ids = [row["pk"] for row in found.eligible if row["pk"] not in already][:wanted]
    if not ids:
        raise ValidationError("Nobody matching who agreed to be asked can be asked right now.")
    return programme_invite(programme=programme, actor=actor, contact_ids=ids)


def programme_invite(
    *, programme: BetaProgramme, actor: User, contact_ids: list[int]
) -> Recruitment:
    """Invite these contacts (from the waitlist, or chosen by hand): each is checked for
    consent and contact limits and logged as outreach, in one transaction."""
    kind = INVITE_KIND[Stage(programme.stage)]
    with transaction.atomic():
        reservation = outreach.participants_reserve(
            actor=actor,
            workspace=programme.workspace,
            contact_ids=contact_ids,
            kind=kind,
            study=f"Beta: {programme.name}"[:200],
            reason=f"Invited to the {programme.get_stage_display().lower()} of {programme.name}",
        )
        result = Recruitment(refused=reservation.refused)
        for logged in reservation.reserved:
            participant, _ = BetaParticipant.objects.update_or_create(
                programme=programme,
                contact_id=logged.contact_id,
                defaults={
                    "workspace_id": programme.workspace_id,
                    "status": ParticipantStatus.INVITED,
                    "outreach": logged,
                    "invited_at": logged.at,
                },
            )
            result.invited.append(participant)
        audit_record(
            actor=actor,
            workspace=programme.workspace,
            action=AuditAction.BETA_PARTICIPANT_INVITE,
            target=programme,
            detail={
                "invited": [p.contact_id for p in result.invited],
                "refused": {c.pk: why for c, why in result.refused},
            },
        )
    return result


@transaction.atomic
def participant_set_status(
    *, participant: BetaParticipant, actor: User | None, status: str
) -> BetaParticipant:
    """Record that an invited contact took part, or left."""
    if status not in ParticipantStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    if status == ParticipantStatus.INVITED and participant.outreach_id is None:
        raise ValidationError({"status": "Invite contacts through the programme's invite."})
    previous, participant.status = participant.status, status
    participant.save(update_fields=["status"])
    audit_record(
        actor=actor,
        workspace=participant.workspace,
        action=AuditAction.BETA_PARTICIPANT_CHANGE_STATUS,
        target=participant,
        detail={"from": previous, "to": status},
    )
    return participant


def participants_export_audited(*, programme: BetaProgramme, actor: User) -> list[dict]:
    """The export rows, with an audit event: the list holds people's email addresses."""
    rows = export_rows(programme=programme)
    audit_record(
        actor=actor,
        workspace=programme.workspace,
        action=AuditAction.BETA_PARTICIPANTS_EXPORT,
        target=programme,
        detail={"rows": len(rows)},
    )
    return rows
