"""The pages of betas and launches: programmes with their participants, usage and feedback;
launches with their checklist, readiness, go/no-go and adoption; templates; the calendar."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from greenroom import registry
from greenroom.accounts.models import Membership
from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.customers.models import Contact
from greenroom.experiments import betas, ical, launches
from greenroom.experiments.choices import (
    STAGE_ORDER,
    Evidence,
    LaunchStatus,
    ParticipantStatus,
    Stage,
)
from greenroom.experiments.forms import (
    GoForm,
    ItemForm,
    LaunchForm,
    ProgrammeForm,
    RecruitForm,
    StageForm,
    TemplateForm,
    WaitlistForm,
)
from greenroom.experiments.models import BetaProgramme, ChecklistItem, Experiment, Launch
from greenroom.lib import markdown
from greenroom.lib.exports import export_response
from greenroom.lib.lists import Column, Listing, render_list

# The playbook template (cadences' TemplateKind) a new launch's description starts from.
PLAN_TEMPLATE = "launch_plan"

PROGRAMME_COLUMNS = [
    Column("Programme", "name", "name", value=lambda p: p.name),
    Column("Stage", "stage", "stage", value=lambda p: p.get_stage_display()),
    Column("Flag", "flag", "flag_key", value=lambda p: p.flag_key),
    Column("Owner", "owner", "owner__email", value=lambda p: str(p.owner or "")),
    Column("Opened", "created", "created_at", value=lambda p: p.created_at),
]
LAUNCH_COLUMNS = [
    Column("Launch", "name", "name", value=lambda launch: launch.name),
    Column("Date", "date", "planned_on", value=lambda launch: launch.planned_on),
    Column("Status", "status", "status", value=lambda launch: launch.get_status_display()),
    Column("Readiness"),
    Column("Go / no go", "go", "go_decision", value=lambda launch: launch.go_decision),
    Column("Owner", "owner", "owner__email", value=lambda launch: str(launch.owner or "")),
]
EXPORT_HEADER = ["flag_key", "email", "contact_id", "name", "account", "account_id", "status"]


def _programme(request: MemberRequest, pk: int) -> BetaProgramme:
    try:
        return betas.programme_get(workspace=request.workspace, pk=pk)
    except BetaProgramme.DoesNotExist:
        raise Http404("No such programme.") from None


def _launch(request: MemberRequest, pk: int) -> Launch:
    try:
        return launches.launch_get(workspace=request.workspace, pk=pk)
    except Launch.DoesNotExist:
        raise Http404("No such launch.") from None


def _errors(request: MemberRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_errors(form) -> ValidationError:
    return ValidationError([str(e) for errors in form.errors.values() for e in errors])


# Betas ---------------------------------------------------------------------------------


@login_required
@ability_required("view")
def programme_list(request: MemberRequest) -> HttpResponseBase:
    listing = Listing(
        request,
        betas.programme_list(workspace=request.workspace),
        columns=PROGRAMME_COLUMNS,
        default_sort="-created",
        rows_template="experiments/programme_list.html#rows",
        export_name="beta-programmes",
        noun=("programme", "programmes"),
    )
    if listing.export_format:
        return listing.export()
    context = {"listing": listing, "can_manage": can(request, "manage_betas")}
    return render_list(request, "experiments/programme_list.html", context)


@login_required
@ability_required("manage_betas")
def programme_create(request: MemberRequest) -> HttpResponseBase:
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = betas.programme_create(
                workspace=request.workspace, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("experiments:programme", pk=programme.pk)
    return render(request, "experiments/programme_form.html", {"form": form})


@login_required
@ability_required("view")
def programme_detail(request: MemberRequest, pk: int) -> HttpResponseBase:
    programme = _programme(request, pk)
    rows = list(betas.participants(programme=programme))
    study = f"Beta: {programme.name}"[:200]
    context = {
        "programme": programme,
        "stages": [(s, Stage(s).label, STAGE_ORDER.index(s)) for s in STAGE_ORDER],
        "stage_index": STAGE_ORDER.index(programme.stage),
        "participation": [
            (ParticipantStatus(s).label, n)
            for s, n in betas.participation(programme=programme).items()
        ],
        "participants": rows,
        "waitlisted": [p for p in rows if p.status == ParticipantStatus.WAITLISTED],
        "usage": betas.participant_usage(programme=programme),
        "feedback": betas.open_feedback(programme=programme),
        "feedback_url": reverse("feedback:inbox")
        + "?"
        + urlencode({"tag": programme.feedback_tag_id})
        if programme.feedback_tag_id
        else "",
        "outreach_url": reverse("customers:study") + "?" + urlencode({"study": study}),
        "can_manage": can(request, "manage_betas"),
        "recruit_form": RecruitForm(request.workspace),
        "stage_form": StageForm(initial={"stage": programme.stage}),
        "waitlist_form": WaitlistForm(),
        "statuses": [ParticipantStatus.ACTIVE, ParticipantStatus.LEFT],
    }
    return render(request, "experiments/programme_detail.html", context)


def _programme_act(request: MemberRequest, pk: int, action) -> HttpResponseBase:
    programme = _programme(request, pk)
    try:
        done = action(programme)
    except ValidationError as error:
        _errors(request, error)
    else:
        if done:
            messages.success(request, done)
    return redirect("experiments:programme", pk=programme.pk)


def _recruited(result: betas.Recruitment) -> str:
    text = f"Invited {len(result.invited)}, each logged as outreach."
    if result.refused:
        text += f" {len(result.refused)} could not be asked: " + "; ".join(
            f"{contact} ({why})" for contact, why in result.refused[:5]
        )
    return text


@require_POST
@login_required
@ability_required("manage_betas")
def programme_recruit(request: MemberRequest, pk: int) -> HttpResponseBase:
    form = RecruitForm(request.workspace, request.POST)

    def recruit(programme: BetaProgramme) -> str:
        if not form.is_valid():
            raise _form_errors(form)
        found = betas.programme_recruit(
            programme=programme, actor=request.user, criteria=form.criteria()
        )
        return _recruited(found)

    return _programme_act(request, pk, recruit)


@require_POST
@login_required
@ability_required("manage_betas")
def programme_stage(request: MemberRequest, pk: int) -> HttpResponseBase:
    form = StageForm(request.POST)

    def move(programme: BetaProgramme) -> str:
        if not form.is_valid():
            raise _form_errors(form)
        betas.programme_change_stage(
            programme=programme, actor=request.user, stage=form.cleaned_data["stage"]
        )
        return f"Moved to {programme.get_stage_display()}."

    return _programme_act(request, pk, move)


@require_POST
@login_required
@ability_required("manage_betas")
def programme_waitlist(request: MemberRequest, pk: int) -> HttpResponseBase:
    form = WaitlistForm(request.POST)

    def add(programme: BetaProgramme) -> str:
        if not form.is_valid():
            raise _form_errors(form)
        contact = (
            Contact.objects.for_workspace(request.workspace)
            .filter(email__iexact=form.cleaned_data["email"], erased_at__isnull=True)
            .first()
        )
        if contact is None:
            raise ValidationError("No contact with that email: import them from the CRM first.")
        betas.waitlist_add(programme=programme, actor=request.user, contact=contact)
        return f"{contact} is on the waitlist."

    return _programme_act(request, pk, add)


@require_POST
@login_required
@ability_required("manage_betas")
def programme_invite_waitlisted(request: MemberRequest, pk: int) -> HttpResponseBase:
    def invite(programme: BetaProgramme) -> str:
        ids = list(
            betas.participants(programme=programme)
            .filter(status=ParticipantStatus.WAITLISTED)
            .values_list("contact_id", flat=True)
        )
        if not ids:
            raise ValidationError("Nobody is on the waitlist.")
        return _recruited(
            betas.programme_invite(programme=programme, actor=request.user, contact_ids=ids)
        )

    return _programme_act(request, pk, invite)


@require_POST
@login_required
@ability_required("manage_betas")
def participant_status(request: MemberRequest, pk: int, participant: int) -> HttpResponseBase:
    def change(programme: BetaProgramme) -> str:
        found = betas.participants(programme=programme).filter(pk=participant).first()
        if found is None:
            raise ValidationError("No such participant.")
        status = request.POST.get("status", "")
        betas.participant_set_status(participant=found, actor=request.user, status=status)
        return f"{found.contact}: {found.get_status_display().lower()}."

    return _programme_act(request, pk, change)


@login_required
@ability_required("manage_betas")
@ability_required("view_contact_details")
def programme_export(request: MemberRequest, pk: int) -> HttpResponseBase:
    programme = _programme(request, pk)
    rows = betas.participants_export_audited(programme=programme, actor=request.user)
    table = [EXPORT_HEADER, *([row[k] for k in EXPORT_HEADER] for row in rows)]
    name = f"beta-{programme.pk}-participants"
    return export_response(table, filename=name, format="csv")


# Launches ------------------------------------------------------------------------------


@login_required
@ability_required("view")
def launch_list(request: MemberRequest) -> HttpResponseBase:
    listing = Listing(
        request,
        launches.launch_list(workspace=request.workspace),
        columns=LAUNCH_COLUMNS,
        default_sort="date",
        rows_template="experiments/launch_list.html#rows",
        export_name="launches",
        noun=("launch", "launches"),
        prepare=_with_readiness,
    )
    if listing.export_format:
        return listing.export()
    context = {"listing": listing, "can_manage": can(request, "manage_launches")}
    return render_list(request, "experiments/launch_list.html", context)


def _with_readiness(rows: list[Launch]) -> None:
    found = launches.readiness_by_launch(launches=rows)
    for launch in rows:
        launch.readiness = found[launch.pk]  # type: ignore[attr-defined]


@login_required
@ability_required("manage_launches")
def launch_create(request: MemberRequest) -> HttpResponseBase:
    starting = registry.starting_text(workspace=request.workspace, kind=PLAN_TEMPLATE)
    form = LaunchForm(
        request.workspace,
        request.POST or None,
        initial={"description": starting.body if starting else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            launch = launches.launch_create(
                workspace=request.workspace, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("experiments:launch", pk=launch.pk)
    return render(request, "experiments/launch_form.html", {"form": form})


@login_required
@ability_required("view")
def launch_detail(request: MemberRequest, pk: int) -> HttpResponseBase:
    launch = _launch(request, pk)
    items = launches.launch_items(launch=launch)
    can_manage = can(request, "manage_launches")
    starting = registry.starting_text(workspace=request.workspace, kind=PLAN_TEMPLATE)
    required = list(starting.required_sections) if starting else []
    context = {
        "launch": launch,
        # Safe: markdown-it escapes raw HTML and refuses unsafe link schemes (lib/markdown.py).
        "description": mark_safe(markdown.render(launch.description)),
        "description_missing": markdown.missing_sections(launch.description, required),
        "items": items,
        "readiness": launches.readiness(items),
        "today": timezone.localdate(),
        "adoption": launches.launch_adoption(launch=launch),
        "can_manage": can_manage,
        "go_form": GoForm(),
        "item_form": ItemForm(),
        "experiments": list(
            Experiment.objects.for_workspace(request.workspace).values_list("pk", "name")
        )
        if can_manage
        else [],
        "programmes": list(
            BetaProgramme.objects.for_workspace(request.workspace).values_list("pk", "name")
        )
        if can_manage
        else [],
    }
    return render(request, "experiments/launch_detail.html", context)


def _launch_act(request: MemberRequest, pk: int, action) -> HttpResponseBase:
    launch = _launch(request, pk)
    try:
        done = action(launch)
    except ValidationError as error:
        _errors(request, error)
    else:
        if done:
            messages.success(request, done)
    return redirect("experiments:launch", pk=launch.pk)


def _item(launch: Launch, pk: int) -> ChecklistItem:
    found = ChecklistItem.objects.for_workspace(launch.workspace).filter(launch=launch, pk=pk)
    item = found.first()
    if item is None:
        raise ValidationError("No such checklist item.")
    return item


@require_POST
@login_required
@ability_required("manage_launches")
def item_complete(request: MemberRequest, pk: int, item: int) -> HttpResponseBase:
    form = ItemForm(request.POST)

    def complete(launch: Launch) -> str:
        if not form.is_valid():
            raise _form_errors(form)
        data = form.cleaned_data
        ws = request.workspace
        experiment = Experiment.objects.for_workspace(ws).filter(pk=data["experiment"]).first()
        programme = BetaProgramme.objects.for_workspace(ws).filter(pk=data["programme"]).first()
        done = launches.item_complete(
            item=_item(launch, item),
            actor=request.user,
            experiment=experiment if data["experiment"] else None,
            programme=programme if data["programme"] else None,
            url=data["url"],
            note=data["note"],
        )
        return f"Done: {done.title}."

    return _launch_act(request, pk, complete)


@require_POST
@login_required
@ability_required("manage_launches")
def item_reopen(request: MemberRequest, pk: int, item: int) -> HttpResponseBase:
    def reopen(launch: Launch) -> str:
        found = launches.item_reopen(item=_item(launch, item), actor=request.user)
        return f"Reopened: {found.title}."

    return _launch_act(request, pk, reopen)


@require_POST
@login_required
@ability_required("manage_launches")
def launch_go(request: MemberRequest, pk: int) -> HttpResponseBase:
    form = GoForm(request.POST)

    def decide(launch: Launch) -> str:
        if not form.is_valid():
            raise _form_errors(form)
        launches.launch_decide_go(launch=launch, actor=request.user, **form.cleaned_data)
        return f"Recorded: {launch.get_go_decision_display().lower()}."

    return _launch_act(request, pk, decide)


@require_POST
@login_required
@ability_required("manage_launches")
def launch_launched(request: MemberRequest, pk: int) -> HttpResponseBase:
    def mark(launch: Launch) -> str:
        launches.launch_mark_launched(launch=launch, actor=request.user)
        return "Marked launched." + ("" if launch.on_time() else " It is later than planned.")

    return _launch_act(request, pk, mark)


@login_required
@ability_required("view")
def template_list(request: MemberRequest) -> HttpResponseBase:
    rows = list(launches.template_list(workspace=request.workspace))
    can_edit = can(request, "edit_launch_templates")
    editing = None
    if can_edit and request.GET.get("edit"):
        editing = next((t for t in rows if str(t.pk) == request.GET["edit"]), None)
    form = TemplateForm(
        request.POST or None,
        initial={
            "name": editing.name if editing else "",
            "items": launches.format_items(editing.items if editing else launches.default_items()),
        },
    )
    if request.method == "POST":
        if not can_edit:
            raise Http404("No such page.")
        editing = next((t for t in rows if str(t.pk) == request.POST.get("template")), None)
        if form.is_valid():
            try:
                saved = launches.template_save(
                    workspace=request.workspace,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    items=launches.parse_items(form.cleaned_data["items"]),
                    template=editing,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Saved the template {saved.name}.")
                return redirect("experiments:launch_templates")
    shown = [
        (t, [{**i, "evidence_label": Evidence(i["evidence"]).label} for i in t.items]) for t in rows
    ]
    context = {"templates": shown, "form": form, "editing": editing, "can_edit": can_edit}
    return render(request, "experiments/launch_templates.html", context)


@login_required
@ability_required("view")
def launch_calendar(request: MemberRequest) -> HttpResponseBase:
    today = timezone.localdate()
    upcoming = launches.launch_list(workspace=request.workspace).filter(
        planned_on__gte=today - timedelta(days=31)
    )
    token = ical.feed_token(workspace_id=request.workspace.pk, user_id=request.user.pk)
    feed = request.build_absolute_uri(reverse("experiments:launch_feed", args=[token]))
    rows = list(upcoming.exclude(status=LaunchStatus.CANCELLED)[:100])
    found = launches.readiness_by_launch(launches=rows)
    months: dict[str, list] = {}
    for launch in rows:
        day = launch.launched_on or launch.planned_on
        months.setdefault(day.strftime("%B %Y"), []).append((launch, found[launch.pk]))
    context = {"months": months, "feed_url": feed, "today": today}
    return render(request, "experiments/launch_calendar.html", context)


def launch_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The workspace's launches and due checklist items as an iCalendar feed, for as long
    as the member the address was made for still belongs to the workspace."""
    owner = ical.feed_owner(token)
    if owner is None:
        raise Http404("No such calendar.")
    workspace_id, user_id = owner
    member = (
        Membership.objects.filter(workspace_id=workspace_id, user_id=user_id, user__is_active=True)
        .select_related("workspace")
        .first()
    )
    if member is None:
        raise Http404("No such calendar.")
    workspace = member.workspace
    rows = list(launches.launch_list(workspace=workspace).exclude(status=LaunchStatus.CANCELLED))
    items = (
        ChecklistItem.objects.for_workspace(workspace)
        .filter(done_at__isnull=True, launch__status=LaunchStatus.PLANNED)
        .select_related("launch", "owner")
    )
    body = ical.calendar(
        rows,
        items,
        host=request.get_host().split(":")[0],
        now=timezone.now(),
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="greenroom-launches.ics"'
    return response
