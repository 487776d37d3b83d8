"""The Jira connections page of product ops: each connection with its last sync, the items
it keeps up to date and its errors; create and edit (the API token stays in the server's
environment: the page names its variable and says whether it is set); "Sync now" queues the
hourly job for that one connection and its card polls until the run is over; remove."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from greenroom.accounts.permissions import ability_required
from greenroom.accounts.requests import MemberRequest
from greenroom.jobs.choices import STATUS_TONE
from greenroom.jobs.registry import enqueue
from greenroom.jobs.selectors import job_run_pending
from greenroom.strategy import jira, selectors, tasks
from greenroom.strategy.choices import ItemStatus
from greenroom.strategy.forms import JiraConnectionForm
from greenroom.strategy.models import JiraConnection

# Jira connections carry the site and the query of a team's roadmap: the same ability as
# their API (any team's roadmap), which product ops and admins have.
MANAGE = "manage_roadmaps"


def _connection(request: MemberRequest, pk: int) -> JiraConnection:
    found = JiraConnection.objects.for_workspace(request.workspace).select_related("team")
    connection = found.filter(pk=pk).first()
    if connection is None:
        raise Http404("No Jira connection with this id in this workspace.")
    return connection


def _card(request: MemberRequest, row: selectors.JiraConnectionRow) -> dict[str, Any]:
    connection = row.connection
    arguments = {"connection_id": connection.pk}
    return {
        "row": row,
        "connection": connection,
        "syncing": job_run_pending(
            workspace=request.workspace, name=tasks.jira_sync.name, arguments=arguments
        ),
        "tone": STATUS_TONE.get(connection.last_status, "muted"),
        "token_set": jira.token_set(connection),
        "status_map": [
            (name, ItemStatus(value).label.lower()) for name, value in connection.status_map.items()
        ],
    }


def _card_of(request: MemberRequest, pk: int) -> dict[str, Any]:
    connection = _connection(request, pk)
    rows = selectors.jira_connection_list(workspace=request.workspace)
    return _card(request, next(row for row in rows if row.connection.pk == connection.pk))


@login_required
@ability_required(MANAGE)
def connection_list(request: MemberRequest) -> HttpResponse:
    rows = selectors.jira_connection_list(workspace=request.workspace)
    cards = [_card(request, row) for row in rows]
    return render(request, "strategy/jira_connections.html", {"cards": cards})


@login_required
@ability_required(MANAGE)
def connection_edit(request: MemberRequest, pk: int | None = None) -> HttpResponseBase:
    instance = _connection(request, pk) if pk is not None else None
    form = JiraConnectionForm(request.POST or None, workspace=request.workspace, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = jira.connection_save(
                actor=request.user,
                workspace=request.workspace,
                data=form.cleaned_data,
                instance=instance,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Saved the Jira connection “{saved.name}”.")
            return redirect("strategy:jira_connections")
    context = {"form": form, "connection": instance}
    return render(request, "strategy/jira_connection_form.html", context)


def _add_errors(form: JiraConnectionForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@require_POST
@login_required
@ability_required(MANAGE)
def connection_sync(request: MemberRequest, pk: int) -> HttpResponseBase:
    connection = _connection(request, pk)
    enqueue(
        tasks.jira_sync,
        workspace_id=request.workspace.pk,
        connection_id=connection.pk,
        actor_id=request.user.pk,
    )
    if request.htmx:
        return render(request, "strategy/jira_connections.html#state", _card_of(request, pk))
    messages.success(request, f"Sync of “{connection.name}” started; its result appears below.")
    return redirect("strategy:jira_connections")


@login_required
@ability_required(MANAGE)
def connection_state(request: MemberRequest, pk: int) -> HttpResponse:
    """A connection's last sync, polled while a sync of it is queued or running."""
    return render(request, "strategy/jira_connections.html#state", _card_of(request, pk))


@login_required
@ability_required(MANAGE)
def connection_delete(request: MemberRequest, pk: int) -> HttpResponseBase:
    connection = _connection(request, pk)
    if request.method == "POST":
        kept = jira.connection_delete(actor=request.user, connection=connection)
        messages.success(
            request,
            f"Removed the Jira connection “{connection.name}”; its {kept} item(s) stay on "
            f"{connection.team}'s roadmap, no longer updated from Jira.",
        )
        return redirect("strategy:jira_connections")
    linked = jira.linked_items(connection).count()
    context = {"connection": connection, "linked": linked}
    return render(request, "strategy/jira_connection_delete.html", context)
