from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from greenroom import registry
from greenroom.accounts import selectors, services
from greenroom.accounts.forms import (
    EmailPreferencesForm,
    RoleForm,
    TokenForm,
    UserInviteForm,
    WorkspaceSettingsForm,
)
from greenroom.accounts.models import ApiToken, Membership, Workspace
from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.lists import Column, Listing, render_list


@login_required
@ability_required("view")
def profile(request: MemberRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _, new_secret = services.token_create(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    context = {
        "form": form,
        "tokens": selectors.token_list(user=request.user),
        "new_secret": new_secret,
        "panels": _panels(request, "accounts.profile"),
    }
    return render(request, "accounts/profile.html", context)


def _panels(request: MemberRequest, page: str) -> list[dict]:
    """Other apps' sections of a settings page (the weekly digest subscription), registered
    so that accounts never imports them."""
    return [
        {"title": p.title, "template": p.template, "context": p.context(request, request.user)}
        for p in registry.panels(page)
        if can(request, p.ability)
    ]


@login_required
@ability_required("view")
def email_preferences(request: MemberRequest) -> HttpResponse:
    """The kinds of email the member gets from this workspace, each on until switched off."""
    kinds = selectors.email_kinds()
    wanted = selectors.email_wanted(workspace=request.workspace, user=request.user)
    form = EmailPreferencesForm(
        kinds, request.POST or None, initial={kind.key: kind.key in wanted for kind in kinds}
    )
    if request.method == "POST" and form.is_valid():
        services.email_preferences_save(
            workspace=request.workspace, user=request.user, wanted=form.wanted()
        )
        messages.success(request, "Email preferences saved.")
        return redirect("accounts:email_preferences")
    context = {"form": form, "panels": _panels(request, "accounts.email_preferences")}
    return render(request, "accounts/email_preferences.html", context)


@login_required
@ability_required("manage_workspace")
def workspace_settings(request: MemberRequest) -> HttpResponse:
    """The company's name and brand colour (its board pack and digests wear them)."""
    workspace = request.workspace
    # A copy: validating a model form writes its values onto the instance, and the service
    # compares the workspace as it was with what was asked.
    copy = Workspace.objects.get(pk=workspace.pk)
    form = WorkspaceSettingsForm(request.POST or None, instance=copy)
    if request.method == "POST" and form.is_valid():
        services.workspace_update(
            actor=request.user,
            workspace=workspace,
            name=form.cleaned_data["name"],
            brand_colour=form.cleaned_data["brand_colour"],
        )
        messages.success(request, "Saved the workspace settings.")
        return redirect("accounts:workspace")
    return render(request, "accounts/workspace.html", {"form": form})


@require_POST
@login_required
@ability_required("view")
def token_revoke(request: MemberRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    services.token_revoke(user=request.user, token=token)
    messages.success(request, f"Revoked the token “{token.name}”. It no longer works.")
    return redirect("accounts:profile")


@login_required
@ability_required("manage_users")
def users(request: MemberRequest) -> HttpResponse:
    form = UserInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                actor=request.user, workspace=request.workspace, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _send_set_password_email(request, user)
            messages.success(request, f"Added {user.email}; they were emailed a link to sign in.")
            return redirect("accounts:users")
    listing = Listing(
        request,
        selectors.member_list(workspace=request.workspace),
        columns=MEMBER_COLUMNS,
        rows_template="accounts/users.html#rows",
        noun=("member", "members"),
    )
    return render_list(request, "accounts/users.html", {"form": form, "listing": listing})


# Members sort by name only (the selector's order): a role or status sort would move a row
# away from under the pointer as its role is changed in place.
MEMBER_COLUMNS = [Column("Name"), Column("Role"), Column("Status")]


def _send_set_password_email(request: MemberRequest, user) -> None:
    services.user_send_invitation(
        user=user, protocol=request.scheme or "https", domain=request.get_host()
    )


@require_POST
@login_required
@ability_required("manage_users")
def member_role(request: MemberRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.for_workspace(request.workspace), pk=pk)
    form = RoleForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.membership_set_role(
                actor=request.user, membership=membership, role=form.cleaned_data["role"]
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
            membership.refresh_from_db()
    else:
        error = "Choose one of the listed roles."
    context = {"member": membership, "error": error, "saved": error is None}
    return render(request, "accounts/users.html#member-row", context)


@require_POST
@login_required
@ability_required("manage_users")
def member_active(request: MemberRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.for_workspace(request.workspace), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, membership=membership, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        verb = "Reactivated" if active else "Deactivated"
        messages.success(request, f"{verb} {membership.user.email}.")
    return redirect("accounts:users")


@login_required
@ability_required("view_audit_log")
def audit(request: MemberRequest) -> HttpResponse:
    events = selectors.audit_event_list(workspace=request.workspace)
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    listing = Listing(
        request,
        events,
        columns=AUDIT_COLUMNS,
        default_sort="-when",
        rows_template="accounts/audit.html#rows",
        noun=("entry", "entries"),
    )
    return render_list(request, "accounts/audit.html", {"listing": listing, "action": action})


AUDIT_COLUMNS = [
    Column("When", "when", "at"),
    Column("Who", "who", "actor_label"),
    Column("Action", "action", "action"),
    Column("Object"),
    Column("Detail"),
]
