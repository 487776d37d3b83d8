"""Writes of the cadences app: decisions, the playbook, the tool stack, cadences and their
action items. Each takes the acting user, runs in a transaction and records the audit event."""

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from greenroom.accounts import selectors as account_selectors
from greenroom.accounts.models import AuditEvent, Membership, User, Workspace
from greenroom.accounts.permissions import ABILITIES
from greenroom.accounts.services import audit_record
from greenroom.cadences import markdown, recurrence, selectors
from greenroom.cadences.choices import (
    AuditAction,
    DecisionStatus,
    OutcomeVerdict,
    ReminderEmail,
    TemplateKind,
)
from greenroom.cadences.models import (
    ActionItem,
    Cadence,
    CalendarToken,
    Decision,
    DecisionChange,
    DecisionEpisode,
    DecisionEvidence,
    DecisionOption,
    Guide,
    Occurrence,
    PlaybookTemplate,
    TemplateVersion,
    Tool,
    ToolSeat,
)
from greenroom.lib.imports.report import ImportRejected, ImportReport
from greenroom.lib.imports.tables import table_read
from greenroom.lib.imports.values import BadValue, as_datetime, as_email
from greenroom.organisation.models import ProductArea

# The headings each kind of template must keep, until product ops sets its own.
DEFAULT_SECTIONS: dict[str, list[str]] = {
    TemplateKind.PRD: ["Problem", "Goals", "Requirements", "Success metrics", "Risks"],
    TemplateKind.RESEARCH_PLAN: ["Question", "Method", "Participants", "Timeline"],
    TemplateKind.EXPERIMENT_BRIEF: ["Hypothesis", "Metric", "Design", "Decision rule"],
    TemplateKind.LAUNCH_PLAN: ["What ships", "Audience", "Readiness", "Communication"],
    TemplateKind.DECISION_RECORD: ["Question", "Options", "Evidence", "Decision", "Rationale"],
}
# Occurrences kept generated ahead of today for each cadence.
OCCURRENCES_AHEAD = 6


def _member(workspace: Workspace, user: User | None) -> Membership | None:
    if user is None:
        return None
    return Membership.objects.filter(workspace=workspace, user=user).first()


# ---------------------------------------------------------------------------- decisions


@transaction.atomic
def decision_raise(
    *,
    workspace: Workspace,
    actor: User,
    question: str,
    decider: User | None,
    options: Iterable[str] = (),
    area: ProductArea | None = None,
    consulted: Iterable[User] = (),
    occurrence: Occurrence | None = None,
    raised_at: datetime | None = None,
    record: str | None = None,
    record_template: TemplateVersion | None = None,
) -> Decision:
    """Raise a question for ``decider`` to decide; refused without a decider who may. Its
    record starts from the playbook's current decision-record template unless ``record`` is
    given (the form's text, started from ``record_template``)."""
    question = question.strip()
    if not question:
        raise ValidationError({"question": "Write the question to decide."})
    if decider is None:
        raise ValidationError({"decider": "A decision needs a decider: name who decides."})
    membership = _member(workspace, decider)
    if membership is None or not membership.has_role(ABILITIES["record_decision"]):
        raise ValidationError(
            {
                "decider": f"{decider} cannot record decisions in this workspace (a product "
                "manager or above must decide)."
            }
        )
    if area is not None and area.workspace_id != workspace.pk:
        raise ValidationError({"area": "No such product area."})
    texts = [text.strip() for text in options if text and text.strip()]
    if record is None:
        record_template = selectors.template_for(
            workspace=workspace, kind=TemplateKind.DECISION_RECORD
        )
        record = record_template.body if record_template else ""
    decision = Decision.objects.create(
        workspace=workspace,
        question=question,
        area=area,
        raised_by=actor,
        raised_at=raised_at or timezone.now(),
        decider=decider,
        occurrence=occurrence,
        record=record,
        record_template=record_template,
    )
    DecisionOption.objects.bulk_create(
        DecisionOption(workspace=workspace, decision=decision, position=index, text=text)
        for index, text in enumerate(texts)
    )
    members = [user for user in consulted if _member(workspace, user) is not None]
    decision.consulted.set(members)
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.DECISION_RAISE,
        target=decision,
        detail={
            "decider": decider.pk,
            "options": texts,
            "template_version": record_template.number if record_template else None,
        },
    )
    return decision


@transaction.atomic
def decision_record_save(*, decision: Decision, actor: User, record: str) -> Decision:
    """Change a decision's record (its Markdown narrative). Sections the playbook requires
    may be missing: the page lists them, as a launch's does, rather than refusing the text."""
    decision.record = record
    decision.save(update_fields=["record"])
    audit_record(
        actor=actor,
        workspace=decision.workspace,
        action=AuditAction.DECISION_SAVE_RECORD,
        target=decision,
    )
    return decision


def _metric_snapshot(workspace: Workspace, name: str) -> tuple[str, dict]:
    # Imported here: metrics is read only when a snapshot is taken.
    from greenroom.metrics import selectors as metrics

    try:
        result = metrics.metric(name, workspace=workspace, grain="month")
    except metrics.QueryError as error:
        raise ValidationError({"reference": str(error)}) from None
    except metrics.MetricsUnavailable:
        raise ValidationError(
            {"reference": "There is no business data to take a metric snapshot from yet."}
        ) from None
    rows = [_jsonable(row) for row in result.rows[-13:]]
    snapshot = {
        "metric": name,
        "title": result.definition.get("title", name),
        "unit": result.definition.get("unit", ""),
        "as_of": str(result.freshness.get("as_of", "")),
        "rows": rows,
    }
    return str(snapshot["title"]), snapshot


def _jsonable(row: dict) -> dict:
    return {
        key: (
            value.isoformat()
            if isinstance(value, date)
            else float(value)
            if isinstance(value, Decimal)
            else value
        )
        for key, value in row.items()
    }


@transaction.atomic
def decision_add_evidence(
    *,
    decision: Decision,
    actor: User,
    kind: str,
    reference: str,
    label: str = "",
    resolve: Any = None,
    for_outcome: bool = False,
) -> DecisionEvidence:
    """Link evidence: ``metric`` freezes the metric's monthly rows as they are now, ``url``
    keeps a URL and a note, a registered kind (``resolve``) checks the reference exists.
    ``for_outcome``: evidence of what happened since, on the decision in force (only its
    decider or product ops add it)."""
    episode = _outcome_episode(decision, actor) if for_outcome else None
    reference, label = reference.strip(), label.strip()
    snapshot: dict[str, Any] = {}
    if not reference:
        raise ValidationError({"reference": "Say what the evidence is (a metric, a URL...)."})
    if kind == "metric":
        title, snapshot = _metric_snapshot(decision.workspace, reference)
        label = label or f"{title} as of {snapshot['as_of']}"
    elif resolve is not None:
        found = resolve(workspace=decision.workspace, reference=reference)
        if found is None:
            raise ValidationError({"reference": f"No {kind} '{reference}' in this workspace."})
        label = label or found[0]
        snapshot = {"url": found[1]}
    else:
        if not reference.startswith(("https://", "http://", "/")):
            raise ValidationError({"reference": "Give a URL (https://...) for this evidence."})
        if not label:
            raise ValidationError({"label": "Add a note saying what the link shows."})
        snapshot = {"url": reference}
    evidence = DecisionEvidence.objects.create(
        workspace=decision.workspace,
        decision=decision,
        kind=kind,
        reference=reference,
        label=label[:300],
        snapshot=snapshot,
        added_by=actor,
        outcome_of=episode,
    )
    audit_record(
        actor=actor,
        workspace=decision.workspace,
        action=AuditAction.DECISION_ADD_OUTCOME_EVIDENCE
        if episode
        else AuditAction.DECISION_ADD_EVIDENCE,
        target=decision,
        detail={"kind": kind, "reference": reference},
    )
    return evidence


def _outcome_episode(decision: Decision, actor: User) -> DecisionEpisode:
    """The decided episode whose outcome ``actor`` may record: refused on an undecided
    decision, and for anyone but its decider or product ops."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != DecisionStatus.DECIDED:
        raise ValidationError(
            "An outcome is recorded on a decided decision; this one is "
            f"{decision.get_status_display().lower()}: decide it first."
        )
    membership = _member(decision.workspace, actor)
    may_review = membership is not None and membership.has_role(ABILITIES["review_outcomes"])
    if actor.pk != decision.decider_id and not may_review:
        raise PermissionDenied(
            f"Only {decision.decider}, the decider, or product ops record this outcome."
        )
    episode = (
        DecisionEpisode.objects.select_for_update()
        .filter(decision=decision, reopened_at__isnull=True)
        .order_by("-decided_at", "-pk")
        .first()
    )
    if episode is None:  # decided before episodes were kept: nothing to attach it to
        raise ValidationError("This decision has no decided episode to record an outcome on.")
    return episode


@transaction.atomic
def decision_outcome_record(
    *,
    decision: Decision,
    actor: User,
    verdict: str,
    note: str,
    recorded_at: datetime | None = None,
) -> DecisionEpisode:
    """Say what happened after the decision: a verdict against what was expected, and a note.
    Recorded again (after "too early to tell"), it replaces the verdict; the audit trail
    keeps each one."""
    episode = _outcome_episode(decision, actor)
    if verdict not in OutcomeVerdict.values:
        choices = ", ".join(label.lower() for label in OutcomeVerdict.labels)
        raise ValidationError({"verdict": f"Choose a verdict: {choices}."})
    if not note.strip():
        raise ValidationError({"note": "Say what happened: the note is what others will read."})
    moment = recorded_at or timezone.now()
    if moment < episode.decided_at:
        raise ValidationError("An outcome cannot be recorded before the decision was taken.")
    episode.verdict, episode.outcome_note = verdict, note.strip()
    episode.outcome_by, episode.outcome_at = actor, moment
    episode.save(update_fields=["verdict", "outcome_note", "outcome_by", "outcome_at"])
    audit_record(
        actor=actor,
        workspace=decision.workspace,
        action=AuditAction.DECISION_RECORD_OUTCOME,
        target=decision,
        detail={"verdict": verdict, "note": episode.outcome_note},
    )
    return episode


@transaction.atomic
def decision_decide(
    *,
    decision: Decision,
    actor: User,
    option: DecisionOption | None,
    rationale: str,
    decided_at: datetime | None = None,
    expected_outcome: str = "",
    review_on: date | None = None,
) -> Decision:
    """Record the decision: only its named decider may, and only while it is pending. What
    is expected to follow and the day to review it are optional; that day cannot come before
    the decision."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if actor.pk != decision.decider_id:
        raise PermissionDenied(
            f"Only {decision.decider}, the named decider, records this decision."
        )
    if decision.status == DecisionStatus.DECIDED:
        raise ValidationError("This decision is already decided; reopen it to decide again.")
    if decision.options.exists() and (option is None or option.decision_id != decision.pk):
        raise ValidationError({"option": "Choose one of the decision's options."})
    if not rationale.strip():
        raise ValidationError({"rationale": "Say why: the rationale is what others will read."})
    moment = decided_at or timezone.now()
    if moment < decision.raised_at:
        raise ValidationError("A decision cannot be recorded before it was raised.")
    if review_on is not None and review_on < timezone.localtime(moment).date():
        raise ValidationError(
            {
                "review_on": f"The outcome review ({review_on:%Y-%m-%d}) cannot come before "
                f"the decision ({timezone.localtime(moment):%Y-%m-%d})."
            }
        )
    decision.status = DecisionStatus.DECIDED
    decision.decided_at = moment
    decision.rationale = rationale.strip()
    decision.chosen_option = option
    decision.save(update_fields=["status", "decided_at", "rationale", "chosen_option"])
    DecisionEpisode.objects.create(
        workspace=decision.workspace,
        decision=decision,
        decided_at=moment,
        decided_by=actor,
        chosen=option.text if option else "",
        rationale=decision.rationale,
        expected_outcome=expected_outcome.strip(),
        review_on=review_on,
    )
    audit_record(
        actor=actor,
        workspace=decision.workspace,
        action=AuditAction.DECISION_DECIDE,
        target=decision,
        detail={
            "option": option.text if option else "",
            "rationale": decision.rationale,
            "expected_outcome": expected_outcome.strip(),
            "review_on": review_on.isoformat() if review_on else None,
        },
    )
    return decision


@transaction.atomic
def decision_reopen(
    *, decision: Decision, actor: User, reason: str, reopened_at: datetime | None = None
) -> Decision:
    """Reopen a decided question; the decided episode is kept with why it was reopened."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != DecisionStatus.DECIDED:
        raise ValidationError("Only a decided question can be reopened.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the decision is reopened."})
    moment = reopened_at or timezone.now()
    episode = decision.episodes.order_by("-decided_at", "-pk").first()
    if episode is not None:
        episode.reopened_at = moment
        episode.reopened_by = actor
        episode.reopen_reason = reason.strip()
        episode.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    decision.status = DecisionStatus.REOPENED
    decision.decided_at = None
    decision.chosen_option = None
    decision.rationale = ""
    decision.save(update_fields=["status", "decided_at", "chosen_option", "rationale"])
    audit_record(
        actor=actor,
        workspace=decision.workspace,
        action=AuditAction.DECISION_REOPEN,
        target=decision,
        detail={"reason": reason.strip()},
    )
    return decision


@transaction.atomic
def decision_link_change(*, decision: Decision, actor: User, change_id: int) -> DecisionChange:
    """Record that ``decision`` caused a roadmap change (the change's audit event): refused
    for another workspace's event, one that is no roadmap item change, or one made before the
    question was raised."""
    change = (
        AuditEvent.objects.filter(workspace=decision.workspace, pk=change_id)
        .filter(object_type=selectors.ROADMAP_ITEM_TYPE)
        .first()
    )
    if change is None:
        raise ValidationError({"change": "No such roadmap change in this workspace."})
    if change.at < decision.raised_at:
        raise ValidationError(
            {
                "change": "That change was made before the question was raised: it cannot be "
                "one the decision caused."
            }
        )
    link, created = DecisionChange.objects.get_or_create(
        workspace=decision.workspace,
        decision=decision,
        change=change,
        defaults={"linked_by": actor},
    )
    if created:
        audit_record(
            actor=actor,
            workspace=decision.workspace,
            action=AuditAction.DECISION_LINK_CHANGE,
            target=decision,
            detail={"change": change.pk, "item": change.object_label},
        )
    return link


# ---------------------------------------------------------------------------- playbook


@transaction.atomic
def template_save(
    *,
    workspace: Workspace,
    actor: User,
    kind: str,
    body: str,
    required_sections: list[str] | None = None,
) -> TemplateVersion:
    """Save a new version of the workspace's template of ``kind``; refused, naming them,
    when the body lacks a required section (a heading)."""
    if kind not in TemplateKind.values:
        raise ValidationError({"kind": f"Unknown kind of template '{kind}'."})
    template = PlaybookTemplate.objects.filter(workspace=workspace, kind=kind).first()
    if required_sections is None:
        required_sections = template.required_sections if template else list(DEFAULT_SECTIONS[kind])
    required = [section.strip() for section in required_sections if section.strip()]
    missing = markdown.missing_sections(body, required)
    if missing:
        raise ValidationError(
            {
                "body": "The template lacks the required section"
                f"{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}: "
                "add each as a heading (# Name)."
            }
        )
    if template is None:
        template = PlaybookTemplate.objects.create(
            workspace=workspace, kind=kind, required_sections=required
        )
    elif template.required_sections != required:
        template.required_sections = required
        template.save(update_fields=["required_sections"])
    last = (
        TemplateVersion.objects.filter(template=template)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    version = TemplateVersion.objects.create(
        workspace=workspace, template=template, number=(last or 0) + 1, body=body, author=actor
    )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.TEMPLATE_SAVE,
        target=template,
        detail={"version": version.number},
    )
    return version


@transaction.atomic
def guide_save(
    *, workspace: Workspace, actor: User, title: str, body: str, guide: Guide | None = None
) -> Guide:
    """Create or change a process guide."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the guide a title."})
    clash = Guide.objects.for_workspace(workspace).filter(title=title)
    if guide is not None:
        clash = clash.exclude(pk=guide.pk)
    if clash.exists():
        raise ValidationError({"title": f"There is already a guide called '{title}'."})
    guide = guide or Guide(workspace=workspace)
    guide.title, guide.body, guide.updated_by = title, body, actor
    guide.updated_at = timezone.now()
    guide.save()
    audit_record(actor=actor, workspace=workspace, action=AuditAction.GUIDE_SAVE, target=guide)
    return guide


TOOL_FIELDS = (
    "name",
    "owner",
    "purpose",
    "category",
    "why_chosen",
    "annual_cost",
    "currency",
    "seats",
    "renewal_date",
)


@transaction.atomic
def tool_save(
    *, workspace: Workspace, actor: User, tool: Tool | None = None, **fields: Any
) -> Tool:
    """Create or change a tool of the stack."""
    unknown = set(fields) - set(TOOL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown tool fields: {', '.join(sorted(unknown))}")
    name = str(fields.get("name", tool.name if tool else "")).strip()
    if not name:
        raise ValidationError({"name": "Give the tool a name."})
    clash = Tool.objects.for_workspace(workspace).filter(name__iexact=name)
    if tool is not None:
        clash = clash.exclude(pk=tool.pk)
    if clash.exists():
        raise ValidationError({"name": f"The stack already has a tool called '{name}'."})
    tool = tool or Tool(workspace=workspace)
    for key, value in fields.items():
        setattr(tool, key, value)
    tool.name = name
    tool.full_clean(exclude=["workspace", "replaced_by"])
    tool.save()
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.TOOL_SAVE,
        target=tool,
        detail={key: str(value) for key, value in fields.items()},
    )
    return tool


@transaction.atomic
def tool_replace(
    *, old: Tool, new: Tool, actor: User, reason: str, retired_on: date | None = None
) -> Tool:
    """Retire ``old`` in favour of ``new``, saying why (so nobody switches without a reason)."""
    if old.pk == new.pk or old.workspace_id != new.workspace_id:
        raise ValidationError({"replaced_by": "Choose another tool of this stack."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the tool was replaced."})
    old.replaced_by = new
    old.replaced_reason = reason.strip()
    old.retired_on = retired_on or timezone.localdate()
    old.save(update_fields=["replaced_by", "replaced_reason", "retired_on"])
    audit_record(
        actor=actor,
        workspace=old.workspace,
        action=AuditAction.TOOL_REPLACE,
        target=old,
        detail={"replaced_by": new.name, "reason": old.replaced_reason},
    )
    return old


@transaction.atomic
def tool_seats_import(*, tool: Tool, actor: User, name: str, data: bytes) -> ImportReport:
    """Replace the tool's seat logins with an export's (CSV/XLSX: email, last login).
    Emails of nobody in the workspace are warnings, not problems; a bad row stops the import
    with nothing changed."""
    table = table_read(name=name, data=data)
    report = ImportReport(file=name, kind="seats")
    headers = {header.strip().lower(): header for header in table.headers}
    email_col = headers.get("email")
    login_col = headers.get("last login") or headers.get("last_login")
    if email_col is None or login_col is None:
        report.problem(None, "", "The file needs the columns 'email' and 'last login'.")
        raise ImportRejected(report)
    members = {
        email.lower(): pk
        for pk, email in Membership.objects.filter(workspace=tool.workspace).values_list(
            "user_id", "user__email"
        )
    }
    rows: dict[str, dict] = {}
    unknown = []
    for line, values in table.rows:
        try:
            email = as_email(values.get(email_col, ""))
            if not email:
                raise BadValue("is required")
        except BadValue as error:
            report.problem(line, "email", str(error))
            continue
        text = values.get(login_col, "").strip()
        try:
            login = as_datetime(text) if text else None
        except BadValue as error:
            report.problem(line, "last login", str(error))
            continue
        if email not in members:
            unknown.append(report_warning(name, line, email))
        rows[email] = {"last_login": login, "user_id": members.get(email)}
    for line, message in table.problems:
        report.problem(line, "", message)
    if report.problem_count:
        raise ImportRejected(report)
    report.warn(unknown, len(unknown))
    ToolSeat.objects.filter(tool=tool).delete()
    ToolSeat.objects.bulk_create(
        ToolSeat(workspace=tool.workspace, tool=tool, email=email, **row)
        for email, row in rows.items()
    )
    report.count("created", len(rows))
    audit_record(
        actor=actor,
        workspace=tool.workspace,
        action=AuditAction.TOOL_IMPORT_SEATS,
        target=tool,
        detail={"file": name, "logins": len(rows), "unknown": len(unknown)},
    )
    return report


def report_warning(name: str, line: int, email: str):
    from greenroom.lib.imports.report import Problem

    return Problem(name, line, "email", f"{email} is no member of this workspace")


# ---------------------------------------------------------------------------- cadences


@transaction.atomic
def cadence_save(
    *,
    workspace: Workspace,
    actor: User,
    name: str,
    rrule: str,
    starts_at: datetime,
    duration_minutes: int = 60,
    attendees: Iterable[User] = (),
    agenda: str = "",
    required_inputs: list[str] | None = None,
    cadence: Cadence | None = None,
    now: datetime | None = None,
) -> Cadence:
    """Create or change a cadence; its rule must occur, at most daily. The next occurrences
    are generated at once."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the cadence a name."})
    try:
        recurrence.rule_parse(rrule, starts_at=starts_at)
    except ValidationError as error:
        raise ValidationError({"rrule": error.messages}) from None
    clash = Cadence.objects.for_workspace(workspace).filter(name=name)
    if cadence is not None:
        clash = clash.exclude(pk=cadence.pk)
    if clash.exists():
        raise ValidationError({"name": f"There is already a cadence called '{name}'."})
    cadence = cadence or Cadence(workspace=workspace, created_by=actor)
    cadence.name, cadence.rrule, cadence.starts_at = name, rrule.strip(), starts_at
    cadence.duration_minutes, cadence.agenda = duration_minutes, agenda
    cadence.required_inputs = list(required_inputs or [])
    cadence.save()
    cadence.attendees.set([user for user in attendees if _member(workspace, user)])
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.CADENCE_SAVE,
        target=cadence,
        detail={"rrule": cadence.rrule},
    )
    occurrences_generate(cadence=cadence, now=now or timezone.now())
    return cadence


def occurrences_generate(
    *,
    cadence: Cadence,
    now: datetime,
    ahead: int = OCCURRENCES_AHEAD,
    since: datetime | None = None,
) -> int:
    """Create the missing occurrences from ``since`` (default ``now``) to ``ahead`` past now;
    future ones no longer in the rule are dropped. Returns how many were created."""
    upcoming = recurrence.occurrences(
        cadence.rrule, starts_at=cadence.starts_at, after=now, count=ahead
    )
    if since is not None:
        upcoming = (
            recurrence.between(cadence.rrule, starts_at=cadence.starts_at, since=since, until=now)
            + upcoming
        )
    existing = set(cadence.occurrences.values_list("starts_at", flat=True))
    Occurrence.objects.filter(cadence=cadence, starts_at__gte=now).exclude(
        starts_at__in=upcoming
    ).filter(decisions__isnull=True, actions__isnull=True).delete()
    new = [
        Occurrence(workspace=cadence.workspace, cadence=cadence, starts_at=moment)
        for moment in upcoming
        if moment not in existing
    ]
    Occurrence.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def action_item_add(
    *, occurrence: Occurrence, actor: User, title: str, owner: User | None, due: date | None
) -> ActionItem:
    """Record an action agreed at an occurrence, with its owner and due date."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Say what is to be done."})
    if owner is None or _member(occurrence.workspace, owner) is None:
        raise ValidationError({"owner": "Name an owner from this workspace."})
    if due is None:
        raise ValidationError({"due": "Give a due date."})
    item = ActionItem.objects.create(
        workspace=occurrence.workspace, occurrence=occurrence, title=title, owner=owner, due=due
    )
    audit_record(
        actor=actor,
        workspace=occurrence.workspace,
        action=AuditAction.ACTION_ITEM_ADD,
        target=item,
        detail={"owner": owner.pk, "due": due.isoformat()},
    )
    return item


@transaction.atomic
def action_item_complete(*, item: ActionItem, actor: User) -> ActionItem:
    """Mark an action done."""
    if item.done_at is None:
        item.done_at = timezone.now()
        item.save(update_fields=["done_at"])
        audit_record(
            actor=actor,
            workspace=item.workspace,
            action=AuditAction.ACTION_ITEM_COMPLETE,
            target=item,
        )
    return item


@transaction.atomic
def calendar_token_get(*, workspace: Workspace, user: User, reset: bool = False) -> CalendarToken:
    """The member's calendar feed token, made on first use; ``reset`` makes a new one (the
    old address stops working)."""
    token = CalendarToken.objects.for_workspace(workspace).filter(user=user).first()
    if token is None or reset:
        secret = secrets.token_urlsafe(32)
        if token is None:
            token = CalendarToken.objects.create(workspace=workspace, user=user, token=secret)
        else:
            token.token = secret
            token.save(update_fields=["token"])
            audit_record(actor=user, workspace=workspace, action=AuditAction.CALENDAR_TOKEN_RESET)
    return token


def reminders_send(*, now: datetime, before: timedelta = timedelta(hours=24)) -> dict[str, int]:
    """Email attendees of occurrences starting within ``before`` and owners of overdue
    actions, once each, leaving out members who switched that kind of email off; returns how
    many of each were sent."""
    sent = {"reviews": 0, "overdue": 0}
    footer = f"\n\nChoose which emails you get: {account_selectors.email_preferences_url()}"
    off = account_selectors.email_opted_out(kind=ReminderEmail.REVIEW)
    due = Occurrence.objects.filter(
        starts_at__gt=now, starts_at__lte=now + before, reminder_sent_at__isnull=True
    ).select_related("cadence")
    for occurrence in due:
        emails = [
            u.email
            for u in occurrence.cadence.attendees.all()
            if u.email and u.is_active and (occurrence.workspace_id, u.pk) not in off
        ]
        if emails:
            send_mail(
                f"Review tomorrow: {occurrence}",
                f"{occurrence.cadence.name} starts at {occurrence.starts_at:%Y-%m-%d %H:%M} UTC. "
                f"Its pre-read pack is ready in Greenroom.{footer}",
                None,
                emails,
            )
            sent["reviews"] += 1
        Occurrence.objects.filter(pk=occurrence.pk).update(reminder_sent_at=now)
    off = account_selectors.email_opted_out(kind=ReminderEmail.OVERDUE_ACTION)
    overdue = ActionItem.objects.filter(
        done_at__isnull=True, due__lt=now.date(), overdue_reminded_at__isnull=True
    ).select_related("owner", "occurrence__cadence")
    for item in overdue:
        owner = item.owner
        if owner.email and owner.is_active and (item.workspace_id, owner.pk) not in off:
            send_mail(
                f"Overdue action: {item.title}",
                f"'{item.title}' from {item.occurrence} was due {item.due:%Y-%m-%d}.{footer}",
                None,
                [owner.email],
            )
            sent["overdue"] += 1
        ActionItem.objects.filter(pk=item.pk).update(overdue_reminded_at=now)
    return sent
