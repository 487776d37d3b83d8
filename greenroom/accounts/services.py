"""Writes for workspaces, members, tokens and the audit trail.

Every user-visible write takes the acting user and records an AuditEvent in the same
transaction, so the trail can never disagree with the data.
"""

import secrets
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from greenroom import registry
from greenroom.accounts.choices import AuditAction, Role
from greenroom.accounts.models import (
    ApiToken,
    AuditEvent,
    EmailOptOut,
    Membership,
    User,
    Workspace,
)
from greenroom.registry import EmailKind


def audit_record(
    *,
    actor: User | None,
    workspace: Workspace | None,
    action: models.TextChoices,
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit trail; ``action`` is a member of an app's AuditAction."""
    return AuditEvent.objects.create(
        workspace=workspace,
        actor=actor,
        actor_label=_label(actor) if actor else "system",
        action=str(action),
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_label=str(target)[:300] if target is not None else "",
        detail=detail or {},
    )


def _label(user: User) -> str:
    return f"{user.get_full_name() or user.username} <{user.email}>"


def role_parse(value: str) -> Role:
    """A Role from its value, or a ValidationError listing the valid ones."""
    try:
        return Role(value)
    except ValueError:
        valid = ", ".join(Role.values)
        raise ValidationError({"role": f"Unknown role {value!r}; use one of {valid}."}) from None


def workspace_create(*, name: str, slug: str, reporting_currency: str = "USD") -> Workspace:
    """A new, empty workspace."""
    return Workspace.objects.create(name=name, slug=slug, reporting_currency=reporting_currency)


@transaction.atomic
def workspace_update(
    *, actor: User, workspace: Workspace, name: str, brand_colour: str
) -> Workspace:
    """Rename the workspace or change its brand colour; the audit keeps what changed."""
    changed = {
        field: {"from": getattr(workspace, field), "to": value}
        for field, value in (("name", name.strip()), ("brand_colour", brand_colour.lower()))
        if getattr(workspace, field) != value
    }
    if not changed:
        return workspace
    for field, values in changed.items():
        setattr(workspace, field, values["to"])
    workspace.full_clean()
    workspace.save(update_fields=list(changed))
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.WORKSPACE_UPDATE,
        target=workspace,
        detail=changed,
    )
    return workspace


@transaction.atomic
def workspace_get_or_create(*, name: str) -> tuple[Workspace, bool]:
    """The workspace ``name`` names (by slug, else by name), or a new one; never another.

    Returns it and whether it was created. A name whose slug another workspace already has
    is an error rather than a quiet match, so a typo cannot add someone to the wrong company.
    """
    name = name.strip()
    found = Workspace.objects.filter(slug=name).first() or _workspace_by_name(name)
    if found is not None:
        return found, False
    slug = slugify(name)
    if not slug:
        raise ValidationError({"workspace": "Name the workspace with letters or digits."})
    taken = Workspace.objects.filter(slug=slug).first()
    if taken is not None:
        raise ValidationError(
            {
                "workspace": f"There is no workspace named {name!r}, and its address {slug!r} "
                f"belongs to {taken.name!r}: name that one by its slug, or choose another name."
            }
        )
    return workspace_create(name=name, slug=slug), True


def _workspace_by_name(name: str) -> Workspace | None:
    matches = list(Workspace.objects.filter(name__iexact=name).order_by("pk")[:2])
    if len(matches) > 1:
        raise ValidationError(
            {"workspace": f"Several workspaces are named {name!r}: name one by its slug."}
        )
    return matches[0] if matches else None


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    workspace: Workspace,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    superuser: bool = False,
) -> User:
    """A user who is a member of ``workspace`` with ``role``; without a password they must
    set one through the reset link. A ``superuser`` also runs the install: the Django admin
    and install-wide job runs."""
    email = email.strip().lower()
    role = role_parse(role)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"A user with the email {email} already exists."})
    user = User(username=email, email=email, first_name=first_name, last_name=last_name)
    user.is_superuser = user.is_staff = superuser
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    Membership.objects.create(workspace=workspace, user=user, role=role)
    detail = {"role": role, **({"superuser": True} if superuser else {})}
    audit_record(
        actor=actor, workspace=workspace, action=AuditAction.USER_CREATE, target=user, detail=detail
    )
    return user


def user_send_invitation(*, user: User, protocol: str, domain: str) -> None:
    """Email a new member a one-time link to choose their password.

    Django's reset form skips users without a usable password, which is every invited user,
    so the link is built here with the same token generator the reset views check.
    """
    context = {
        "email": user.email,
        "protocol": protocol,
        "domain": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    subject = render_to_string("registration/welcome_subject.txt", context).strip()
    body = render_to_string("registration/welcome_email.txt", context)
    send_mail(subject, body, None, [user.email])


@transaction.atomic
def membership_set_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Change a member's role; the workspace always keeps at least one active admin."""
    role = role_parse(role)
    previous = membership.role
    if previous == Role.ADMIN and role != Role.ADMIN:
        _ensure_another_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        workspace=membership.workspace,
        action=AuditAction.USER_CHANGE_ROLE,
        target=membership.user,
        detail={"from": previous, "to": role},
    )
    return membership


@transaction.atomic
def user_set_active(*, actor: User, membership: Membership, active: bool) -> User:
    """Deactivate (or reactivate) a member; deactivated users cannot sign in or use tokens."""
    if not active and membership.role == Role.ADMIN:
        _ensure_another_admin(membership)
    user = membership.user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        workspace=membership.workspace,
        action=AuditAction.USER_ACTIVATE if active else AuditAction.USER_DEACTIVATE,
        target=user,
    )
    return user


def _ensure_another_admin(membership: Membership) -> None:
    others = (
        Membership.objects.select_for_update()
        .for_workspace(membership.workspace)
        .filter(role=Role.ADMIN, user__is_active=True)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ValidationError("A workspace must keep at least one active admin.")


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token and its secret, which is returned here once and never stored."""
    secret = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "API token",
        digest=ApiToken.digest_of(secret),
        hint=secret[:10],
    )
    membership = user.memberships.select_related("workspace").first()
    audit_record(
        actor=user,
        workspace=membership.workspace if membership else None,
        action=AuditAction.TOKEN_CREATE,
        target=token,
    )
    return token, secret


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> None:
    """Stop a token from working."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    membership = user.memberships.select_related("workspace").first()
    audit_record(
        actor=user,
        workspace=membership.workspace if membership else None,
        action=AuditAction.TOKEN_REVOKE,
        target=token,
    )


def token_authenticate(*, secret: str) -> User | None:
    """The active user a token secret belongs to, recording when it was last used."""
    if not secret.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


@transaction.atomic
def email_preferences_save(*, workspace: Workspace, user: User, wanted: set[str]) -> set[str]:
    """Keep the registered kinds of email ``user`` wants; the others are switched off. Returns
    the kinds switched off."""
    known = {kind.key for kind in registry.entries(EmailKind)}
    unknown = wanted - known
    if unknown:
        raise ValidationError(f"Unknown kind of email: {', '.join(sorted(unknown))}.")
    off = known - wanted
    rows = EmailOptOut.objects.for_workspace(workspace).filter(user=user)
    rows.exclude(kind__in=off).delete()
    kept = set(rows.values_list("kind", flat=True))
    EmailOptOut.objects.bulk_create(
        EmailOptOut(workspace=workspace, user=user, kind=kind) for kind in sorted(off - kept)
    )
    audit_record(
        actor=user,
        workspace=workspace,
        action=AuditAction.EMAIL_PREFERENCES_SAVE,
        detail={"off": sorted(off)},
    )
    return off
