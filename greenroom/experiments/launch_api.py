"""The API of betas and launches, on the experiments router: programmes, the participant
list a feature-flag system reads, and launches with their readiness."""

from datetime import date, datetime
from decimal import Decimal

from django.http import Http404
from ninja import Schema
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.experiments import betas, launches
from greenroom.experiments.api import router
from greenroom.experiments.models import BetaProgramme, Launch
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination


class ProgrammeOut(Schema):
    id: int
    name: str
    stage: str
    flag_key: str
    usage_feature: str
    capacity: int | None
    created_at: datetime


class ParticipantOut(Schema):
    flag_key: str
    email: str
    contact_id: str
    name: str
    account: str
    account_id: str
    status: str


class ItemOut(Schema):
    id: int
    title: str
    area: str
    owner_id: int | None
    due_on: date | None
    evidence: str
    done: bool


class LaunchOut(Schema):
    id: int
    name: str
    status: str
    planned_on: date
    launched_on: date | None
    go_decision: str
    readiness_percent: int | None
    items_done: int
    items_total: int
    adoption_target: Decimal | None


class LaunchDetailOut(LaunchOut):
    items: list[ItemOut]
    adoption_percent: float | None
    adoption_problem: str


def _programme(request: MemberRequest, pk: int) -> BetaProgramme:
    try:
        return betas.programme_get(workspace=request.workspace, pk=pk)
    except BetaProgramme.DoesNotExist:
        raise Http404("No such programme.") from None


@router.get("/betas", response=list[ProgrammeOut], summary="List beta programmes")
@paginate(LimitOffsetPagination)
def list_programmes(request: MemberRequest):
    require(request, "view")
    return betas.programme_list(workspace=request.workspace)


@router.get(
    "/betas/{pk}/participants",
    response={200: list[ParticipantOut], **errors(403, 404)},
    summary="The participants to enable a beta's feature flag for (invited and taking part)",
)
def list_participants(request: MemberRequest, pk: int):
    require(request, "manage_betas")
    require(request, "view_contact_details")
    programme = _programme(request, pk)
    return betas.participants_export_audited(programme=programme, actor=request.user)


def _launch_out(launch: Launch, state: launches.Readiness) -> dict:
    return {
        "id": launch.pk,
        "name": launch.name,
        "status": launch.status,
        "planned_on": launch.planned_on,
        "launched_on": launch.launched_on,
        "go_decision": launch.go_decision,
        "readiness_percent": state.percent,
        "items_done": state.done,
        "items_total": state.total,
        "adoption_target": launch.adoption_target,
    }


@router.get("/launches", response=list[LaunchOut], summary="List launches with their readiness")
@paginate(LimitOffsetPagination)
def list_launches(request: MemberRequest):
    require(request, "view")
    rows = list(launches.launch_list(workspace=request.workspace))
    found = launches.readiness_by_launch(launches=rows)
    return [_launch_out(launch, found[launch.pk]) for launch in rows]


@router.get(
    "/launches/{pk}",
    response={200: LaunchDetailOut, **errors(404)},
    summary="A launch with its checklist, readiness and adoption",
)
def get_launch(request: MemberRequest, pk: int):
    require(request, "view")
    try:
        launch = launches.launch_get(workspace=request.workspace, pk=pk)
    except Launch.DoesNotExist:
        raise Http404("No such launch.") from None
    items = launches.launch_items(launch=launch)
    adoption = launches.launch_adoption(launch=launch)
    return {
        **_launch_out(launch, launches.readiness(items)),
        "items": [
            {
                "id": i.pk,
                "title": i.title,
                "area": i.area,
                "owner_id": i.owner_id,
                "due_on": i.due_on,
                "evidence": i.evidence,
                "done": i.done_at is not None,
            }
            for i in items
        ],
        "adoption_percent": adoption.adoption.share if adoption.adoption else None,
        "adoption_problem": adoption.problem,
    }
