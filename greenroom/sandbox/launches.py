"""The sandbox's betas and launches, made through the experiments app's services.

Two beta programmes recruit from contacts who consented to betas (the CRM import's research
consent), through the participant finder, each invitation logged as outreach; some of the
participants' accounts' feedback is tagged for the programme. Five launches sit at several
readiness levels: two shipped (one on time, one late, each with an adoption target read from
the usage events), one nearly ready, one half ready with overdue items, one just planned.
"""

import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.customers.finder import Criteria
from greenroom.experiments import betas, launches
from greenroom.experiments.choices import Evidence, GoDecision, ParticipantStatus, Stage
from greenroom.feedback import services as feedback_services
from greenroom.feedback.models import FeedbackItem

DOCS = "https://wiki.harbor.example/launches/"


@dataclass(frozen=True)
class PlannedLaunch:
    name: str
    days_from_today: int  # planned date; negative: in the past
    done_share: float  # share of checklist items ticked
    launched_days_after_plan: int | None = None  # shipped this many days after the plan
    feature: str = ""
    target: Decimal | None = None
    programme: int | None = None  # index into the programmes


PROGRAMMES = [
    ("Workflow builder v2", Stage.BETA, "workflow-builder-v2", "workflow_builder", 12),
    ("Scheduled reports", Stage.ALPHA, "scheduled-reports", "scheduled_reports", 6),
]
LAUNCHES = [
    PlannedLaunch("SSO on every plan", -40, 1.0, -2, "sso", Decimal(30)),
    PlannedLaunch("Dashboards refresh", -30, 1.0, 4, "dashboards", Decimal(60)),
    PlannedLaunch("Workflow builder v2", 12, 0.75, programme=0, feature="workflow_builder"),
    PlannedLaunch("Payouts in 30 currencies", 5, 0.5, feature="payouts"),
    PlannedLaunch("Scheduled reports", 60, 0.0, programme=1, feature="scheduled_reports"),
]


def _user(workspace: Workspace, email: str) -> User | None:
    return User.objects.filter(memberships__workspace=workspace, email=email).first()


def sandbox_launches(*, workspace: Workspace) -> str:
    """Recruit the betas and plan the launches; a line saying what was made and how long."""
    started = time.monotonic()
    pm = _user(workspace, "pm@harbor.example")
    ops = _user(workspace, "ops@harbor.example")
    if pm is None or ops is None:
        return "no demo sign-ins: betas and launches skipped"
    programmes, invited = [], 0
    for name, stage, flag, feature, wanted in PROGRAMMES:
        programme = betas.programme_create(
            workspace=workspace,
            actor=pm,
            name=name,
            stage=stage,
            flag_key=flag,
            usage_feature=feature,
            description=f"Early access to {name.lower()} for customers who asked for betas.",
        )
        found = betas.programme_recruit(
            programme=programme, actor=pm, criteria=Criteria(limit=wanted, per_account=1)
        )
        invited += len(found.invited)
        for participant in found.invited[: len(found.invited) // 2]:
            betas.participant_set_status(
                participant=participant, actor=pm, status=ParticipantStatus.ACTIVE
            )
        _tag_feedback(workspace, pm, programme, [p.contact.account_id for p in found.invited])
        programmes.append(programme)
    launches.template_default(workspace=workspace, actor=ops)
    for planned in LAUNCHES:
        _launch(workspace, pm, planned, programmes)
    took = time.monotonic() - started
    return (
        f"{len(programmes)} beta programmes ({invited} invited), {len(LAUNCHES)} launches "
        f"({took:.1f} s)"
    )


def _tag_feedback(workspace, actor, programme, account_ids: list[int]) -> None:
    """Tag a few open items from the participants' accounts as the programme's feedback."""
    ids = list(
        FeedbackItem.objects.for_workspace(workspace)
        .filter(account_id__in=account_ids, status__in=["new", "triaged"])
        .order_by("-received_at", "pk")
        .values_list("pk", flat=True)[:4]
    )
    if ids and programme.feedback_tag is not None:
        feedback_services.items_bulk_update(
            actor=actor, workspace=workspace, ids=ids, action="tag", tag=programme.feedback_tag
        )


def _plan(name: str) -> str:
    """A launch plan written in the playbook's launch plan sections, as a PM would start it."""
    return (
        f"# What ships\n\n{name} for every customer.\n\n"
        "# Audience\n\nEvery plan; admins hear first.\n\n"
        "# Readiness\n\nThe checklist below: support, docs, sales, pricing, legal, security.\n\n"
        "# Communication\n\nIn-app note and changelog on the day; account managers a week before."
    )


def _launch(workspace, pm, planned: PlannedLaunch, programmes) -> None:
    today = timezone.localdate()
    programme = programmes[planned.programme] if planned.programme is not None else None
    launch = launches.launch_create(
        workspace=workspace,
        actor=pm,
        name=planned.name,
        planned_on=today + timedelta(days=planned.days_from_today),
        programme=programme,
        adoption_feature=planned.feature,
        adoption_target=planned.target,
        description=_plan(planned.name),
    )
    items = launches.launch_items(launch=launch)
    ticked = items[: round(len(items) * planned.done_share)]
    for item in ticked:
        evidence = {
            Evidence.DOCUMENT: {"url": f"{DOCS}{launch.pk}/{item.area.lower()}"},
            Evidence.BETA_FEEDBACK: {"programme": programme or programmes[0]},
        }.get(Evidence(item.evidence), {})
        launches.item_complete(item=item, actor=pm, note="Signed off", **evidence)
    if planned.launched_days_after_plan is not None:
        launches.launch_decide_go(launch=launch, actor=pm, decision=GoDecision.GO)
        launches.launch_mark_launched(
            launch=launch,
            actor=pm,
            on=launch.planned_on + timedelta(days=planned.launched_days_after_plan),
        )
