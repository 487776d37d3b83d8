from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from greenroom.accounts import selectors, services
from greenroom.accounts.choices import Role
from greenroom.accounts.models import Membership
from greenroom.accounts.permissions import ABILITIES, can, require
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    email: str
    name: str
    workspace: str
    role: Role
    abilities: list[str]


class MemberOut(Schema):
    id: int
    user_id: int
    email: str
    name: str
    role: Role
    active: bool

    @staticmethod
    def resolve_email(membership: Membership) -> str:
        return membership.user.email

    @staticmethod
    def resolve_name(membership: Membership) -> str:
        return membership.user.get_full_name()

    @staticmethod
    def resolve_active(membership: Membership) -> bool:
        return membership.user.is_active


class MemberIn(Schema):
    email: str
    first_name: str = ""
    last_name: str = ""
    role: Role = Role.VIEWER


class RoleIn(Schema):
    role: Role


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    detail: dict


@router.get("/me", response=MeOut, summary="Who the caller is")
def me(request: MemberRequest):
    user = request.user
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.get_full_name(),
        "workspace": request.workspace.name,
        "role": request.membership.role,
        "abilities": [name for name in ABILITIES if can(request, name)],
    }


@router.get(
    "/members",
    response={200: list[MemberOut], **errors(403)},
    summary="List members and their roles",
)
@paginate(LimitOffsetPagination)
def member_list(request: MemberRequest, role: Role | None = None):
    require(request, "manage_users")
    members = selectors.member_list(workspace=request.workspace)
    if role:
        members = members.filter(role=role)
    return members


@router.post("/members", response={201: MemberOut, **errors(403)}, summary="Add a member")
def member_create(request: MemberRequest, payload: MemberIn):
    require(request, "manage_users")
    user = services.user_create(actor=request.user, workspace=request.workspace, **payload.dict())
    return Status(
        201, user.memberships.for_workspace(request.workspace).select_related("user").get()
    )


@router.put(
    "/members/{pk}/role",
    response={200: MemberOut, **errors(403, 404)},
    summary="Change a member's role",
)
def member_set_role(request: MemberRequest, pk: int, payload: RoleIn):
    require(request, "manage_users")
    membership = get_object_or_404(Membership.objects.for_workspace(request.workspace), pk=pk)
    services.membership_set_role(actor=request.user, membership=membership, role=payload.role)
    return membership


@router.get(
    "/audit-events", response={200: list[AuditEventOut], **errors(403)}, summary="The audit trail"
)
@paginate(LimitOffsetPagination)
def audit_events(request: MemberRequest, action: str = ""):
    require(request, "view_audit_log")
    events = selectors.audit_event_list(workspace=request.workspace)
    if action:
        events = events.filter(action__startswith=action)
    return events
