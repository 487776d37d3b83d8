"""The feedback pages: the triage inbox, an item (highlight, duplicate, customer), logging
feedback, opportunities with their demand and closing the loop, the taxonomy, the
prioritisation weights, imports, and themes with suggestions from the text engine."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.customers import selectors as customer_selectors
from greenroom.customers.models import Contact
from greenroom.feedback import forms, importing, selectors, services, suggestions, tasks
from greenroom.feedback.choices import OpportunityStatus
from greenroom.feedback.models import Opportunity, TextModel, Theme
from greenroom.jobs.models import JobRun
from greenroom.jobs.registry import Job, enqueue
from greenroom.jobs.selectors import job_run_pending
from greenroom.lib.imports.report import ImportRejected
from greenroom.lib.lists import Column, Listing, render_list


def _errors(request: MemberRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _item_columns() -> list[Column]:
    return [
        Column(""),
        Column("Received", "received", "received_at", value=lambda i: i.received_at),
        Column("Feedback", "title", "title", value=lambda i: i.title),
        Column("Source", "source", "source_kind", value=lambda i: i.get_source_kind_display()),
        Column(
            "Account",
            "account",
            "account__name",
            value=lambda i: i.account.name if i.account else "",
        ),
        Column(
            "Segment",
            "segment",
            "account__segment__name",
            value=lambda i: str(i.account.segment or "") if i.account else "",
        ),
        Column("Area", "area", "product_area__name", value=lambda i: str(i.product_area or "")),
        Column("Status", "status", "status", value=lambda i: i.get_status_display()),
        Column("Text", value=lambda i: i.text, shown=False),
        # No author email: personal data stays on the item page, for roles that may see it.
        Column("Matched by", value=lambda i: i.get_match_method_display(), shown=False),
        Column("Source id", value=lambda i: i.source_id, shown=False),
    ]


@login_required
@ability_required("view")
def inbox(request: MemberRequest) -> HttpResponseBase:
    form = forms.InboxFilterForm(request.workspace, request.GET)
    rows = selectors.item_list(workspace=request.workspace, filters=form.values())
    listing = Listing(
        request,
        rows,
        columns=_item_columns(),
        default_sort="-received",
        rows_template="feedback/inbox.html#rows",
        export_name="feedback",
        noun=("item", "items"),
    )
    if listing.export_format:
        return listing.export()
    context = {
        "listing": listing,
        "filter_form": form,
        "bulk_form": forms.BulkForm(request.workspace),
        "can_triage": can(request, "triage_feedback"),
    }
    return render_list(request, "feedback/inbox.html", context)


@login_required
@require_POST
@ability_required("triage_feedback")
def bulk(request: MemberRequest) -> HttpResponse:
    form = forms.BulkForm(request.workspace, request.POST)
    if not form.is_valid():
        messages.error(request, "Tick some items and choose what to do with them.")
    else:
        data = form.cleaned_data
        try:
            count = services.items_bulk_update(
                actor=request.user,
                workspace=request.workspace,
                ids=data["ids"],
                action=data["action"],
                tag=data.get("tag"),
                product_area=data.get("area"),
            )
            messages.success(request, f"{count} items changed.")
        except ValidationError as error:
            _errors(request, error)
    return redirect(request.POST.get("next") or "feedback:inbox")


@login_required
@ability_required("view")
def item_detail(request: MemberRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(workspace=request.workspace, pk=pk)
    highlights = list(item.highlights.select_related("opportunity").order_by("start"))
    context = {
        "item": item,
        "highlights": highlights,
        "tags": list(item.tags.all()),
        "duplicates": list(item.duplicates.all()[:20]),
        "neighbours": selectors.item_neighbours(workspace=request.workspace, item=item),
        "suggestions": suggestions.pending_for(item=item),
        "possible_duplicates": suggestions.possible_duplicates(
            workspace=request.workspace, item=item
        ),
        "highlight_form": forms.HighlightForm(request.workspace),
        "bulk_form": forms.BulkForm(request.workspace),
        "can_triage": can(request, "triage_feedback"),
    }
    return render(request, "feedback/item_detail.html", context)


@login_required
@require_POST
@ability_required("triage_feedback")
def item_highlight(request: MemberRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(workspace=request.workspace, pk=pk)
    form = forms.HighlightForm(request.workspace, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("feedback:item", pk=pk)
    data = form.cleaned_data
    try:
        opportunity = data.get("opportunity") or services.opportunity_create(
            actor=request.user,
            workspace=request.workspace,
            title=data["new_opportunity"],
            product_area=item.product_area,
        )
        services.highlight_create(
            actor=request.user,
            item=item,
            opportunity=opportunity,
            start=data["start"],
            end=data["end"],
            importance=data["importance"],
        )
        messages.success(request, f"Linked to “{opportunity}”.")
    except ValidationError as error:
        _errors(request, error)
    return redirect("feedback:item", pk=pk)


@login_required
@require_POST
@ability_required("triage_feedback")
def item_duplicate(request: MemberRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(workspace=request.workspace, pk=pk)
    try:
        of_pk = int(request.POST.get("of", ""))
        of = selectors.item_get(workspace=request.workspace, pk=of_pk)
        services.item_mark_duplicate(actor=request.user, item=item, of=of)
        messages.success(request, f"Merged into item {of.pk}.")
    except ValueError:
        messages.error(request, "Give the number of the item this one repeats.")
    except ValidationError as error:
        _errors(request, error)
    return redirect("feedback:item", pk=pk)


@login_required
@require_POST
@ability_required("triage_feedback")
def item_customer(request: MemberRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(workspace=request.workspace, pk=pk)
    account_id = request.POST.get("account", "")
    if not account_id.isdigit() and account_id != "none":
        messages.error(request, "Type the account's name and choose it first.")
        return redirect("feedback:item", pk=pk)
    account = (
        customer_selectors.account_get(workspace=request.workspace, pk=int(account_id))
        if account_id.isdigit()
        else None
    )
    services.item_set_customer(actor=request.user, item=item, account=account)
    messages.success(request, f"Tied to {account}." if account else "Customer removed.")
    return redirect("feedback:item", pk=pk)


@login_required
@ability_required("write")
def log_feedback(request: MemberRequest) -> HttpResponse:
    form = forms.LogFeedbackForm(request.workspace, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        when = data.get("received_at")
        try:
            item = services.feedback_create(
                actor=request.user,
                workspace=request.workspace,
                text=data["text"],
                title=data["title"],
                account=data.get("account"),
                contact=data.get("contact"),
                product_area=data.get("product_area"),
                received_at=timezone.make_aware(datetime.combine(when, time(12))) if when else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Feedback logged. Thank you.")
            return redirect("feedback:item", pk=item.pk)
    account = form["account"].value() or request.GET.get("account")
    chosen = None
    if account and str(account).isdigit():
        chosen = form.fields["account"].queryset.filter(pk=account).first()  # type: ignore[attr-defined]
    return render(request, "feedback/log.html", {"form": form, "chosen": chosen})


@login_required
@ability_required("write")
def account_lookup(request: MemberRequest) -> HttpResponse:
    """The accounts matching what was typed (htmx), the customer database's own search."""
    query = request.GET.get("account_query", "").strip()
    accounts = (
        customer_selectors.account_search(workspace=request.workspace, query=query, limit=8)
        if len(query) >= 2
        else []
    )
    return render(request, "feedback/_account_options.html", {"accounts": accounts, "query": query})


@login_required
@ability_required("write")
def account_contacts(request: MemberRequest) -> HttpResponse:
    """The contact choices of the chosen account (htmx)."""
    account_id = request.GET.get("account", "")
    contacts = []
    if account_id.isdigit():
        contacts = list(
            Contact.objects.for_workspace(request.workspace)
            .filter(account_id=int(account_id), erased_at__isnull=True)
            .order_by("last_name", "first_name")[:200]
        )
    return render(request, "feedback/_contact_options.html", {"contacts": contacts})


# Opportunities -----------------------------------------------------------------------------


def _opportunity_columns() -> list[Column]:
    def demand(name: str):
        return lambda o: getattr(o.demand, name)

    return [
        Column("Opportunity", "title", "title", value=lambda o: o.title),
        Column("Area", "area", "product_area__name", value=lambda o: str(o.product_area or "")),
        Column("Status", "status", "status", value=lambda o: o.get_status_display()),
        Column("Items", "items", "item_count", value=lambda o: o.item_count, numeric=True),
        Column("Accounts", value=demand("accounts"), numeric=True),
        Column("Contacts", value=demand("contacts"), numeric=True),
        Column("ARR", value=demand("arr"), numeric=True),
        Column("Importance score", value=demand("score"), numeric=True),
        Column("Priority", value=demand("priority"), numeric=True),
        Column(
            "Top segment",
            value=lambda o: o.demand.by_segment[0]["name"] if o.demand.by_segment else "",
            shown=False,
        ),
    ]


@login_required
@ability_required("view")
def opportunity_list(request: MemberRequest) -> HttpResponseBase:
    form = forms.OpportunityFilterForm(request.workspace, request.GET)
    rows = selectors.opportunity_list(workspace=request.workspace, **form.values())
    weights = services.weights_get(workspace=request.workspace)

    def with_demand(page: list[Opportunity]) -> None:
        # Priority compares the opportunities shown together, so every matching one is read.
        everyone = list(rows)
        found = selectors.demand(
            workspace=request.workspace, opportunities=everyone, weights=weights
        )
        for opportunity in page:
            opportunity.demand = found[opportunity.pk]  # type: ignore[attr-defined]

    listing = Listing(
        request,
        rows,
        columns=_opportunity_columns(),
        default_sort="-items",
        rows_template="feedback/opportunity_list.html#rows",
        export_name="opportunities",
        prepare=with_demand,
        noun=("opportunity", "opportunities"),
    )
    if listing.export_format:
        return listing.export()
    context = {
        "listing": listing,
        "filter_form": form,
        "weights": weights,
        "create_form": forms.OpportunityForm(request.workspace),
        "can_triage": can(request, "triage_feedback"),
    }
    return render_list(request, "feedback/opportunity_list.html", context)


@login_required
@require_POST
@ability_required("triage_feedback")
def opportunity_create(request: MemberRequest) -> HttpResponse:
    form = forms.OpportunityForm(request.workspace, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        opportunity = services.opportunity_create(
            actor=request.user,
            workspace=request.workspace,
            title=data["title"],
            description=data["description"],
            product_area=data["product_area"],
        )
        return redirect("feedback:opportunity", pk=opportunity.pk)
    messages.error(request, "Give the opportunity a title.")
    return redirect("feedback:opportunities")


@login_required
@ability_required("view")
def opportunity_detail(request: MemberRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        if not can(request, "triage_feedback"):
            return HttpResponse(status=403)
        form = forms.OpportunityForm(request.workspace, request.POST, instance=opportunity)
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            opportunity.refresh_from_db()
            services.opportunity_update(actor=request.user, opportunity=opportunity, **changes)
            messages.success(request, "Opportunity saved.")
            return redirect("feedback:opportunity", pk=pk)
    else:
        form = forms.OpportunityForm(request.workspace, instance=opportunity)
    demand = selectors.demand(workspace=request.workspace, opportunities=[opportunity])[pk]
    context = {
        "opportunity": opportunity,
        "demand": demand,
        "highlights": selectors.opportunity_highlights(
            workspace=request.workspace, opportunity=opportunity
        ),
        "form": form,
        "can_triage": can(request, "triage_feedback"),
        "max_items": max((m["items"] for m in demand.trend), default=0),
    }
    if opportunity.status == OpportunityStatus.SHIPPED:
        context["loop"] = selectors.loop_contacts(
            workspace=request.workspace, opportunity=opportunity
        )
        context["message"] = (
            f"Hello,\n\nyou asked us for “{opportunity.title}”. It has shipped"
            f"{' in ' + str(opportunity.product_area) if opportunity.product_area else ''}. "
            "Thank you for telling us — tell us how it works for you.\n"
        )
        context["can_see_details"] = can(request, "view_contact_details")
    return render(request, "feedback/opportunity_detail.html", context)


@login_required
@require_POST
@ability_required("triage_feedback")
def opportunity_notify(request: MemberRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(workspace=request.workspace, pk=pk)
    loop = selectors.loop_contacts(workspace=request.workspace, opportunity=opportunity)
    wanted = {int(i) for i in request.POST.getlist("contact") if i.isdigit()}
    contacts = [c for c in loop["to_tell"] if c.pk in wanted]
    try:
        told = services.opportunity_notify(
            actor=request.user,
            opportunity=opportunity,
            contacts=contacts,
            message=request.POST.get("message", ""),
        )
        messages.success(request, f"Recorded that {told} people were told.")
    except ValidationError as error:
        _errors(request, error)
    return redirect("feedback:opportunity", pk=pk)


@login_required
@ability_required("set_priority_weights")
def weights(request: MemberRequest) -> HttpResponse:
    current = services.weights_get(workspace=request.workspace)
    initial = {
        "arr": current.arr,
        "count": current.count,
        "strategic": current.strategic,
        "recency": current.recency,
        "recency_half_life_days": current.recency_half_life_days,
        "strategic_segments": list(current.strategic_segments.all()) if current.pk else [],
    }
    form = forms.WeightsForm(request.workspace, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.weights_set(
                actor=request.user, workspace=request.workspace, **form.cleaned_data
            )
            messages.success(request, "Weights saved; the prioritisation table uses them now.")
            return redirect("feedback:opportunities")
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "feedback/weights.html", {"form": form})


# Taxonomy and imports ----------------------------------------------------------------------


@login_required
@ability_required("view")
def tags(request: MemberRequest) -> HttpResponse:
    form = forms.TagForm(request.workspace, request.POST or None)
    if request.method == "POST":
        if not can(request, "manage_taxonomy"):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                edit = request.POST.get("tag")
                tag = (
                    selectors.tag_get(workspace=request.workspace, pk=int(edit))
                    if edit and edit.isdigit()
                    else None
                )
                services.tag_save(
                    actor=request.user, workspace=request.workspace, tag=tag, **form.cleaned_data
                )
                messages.success(request, "Taxonomy saved.")
                return redirect("feedback:tags")
            except ValidationError as error:
                form.add_error(None, error)
    context = {
        "tags": selectors.tag_list(workspace=request.workspace),
        "form": form,
        "can_manage": can(request, "manage_taxonomy"),
    }
    return render(request, "feedback/tags.html", context)


@login_required
@ability_required("import_feedback")
def imports(request: MemberRequest) -> HttpResponse:
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = importing.import_upload(
                actor=request.user,
                workspace=request.workspace,
                source_kind=data["source_kind"],
                upload=data["file"],
                mapping=data["mapping"],
            )
            messages.success(request, run.report.get("summary") or "Import queued.")
            return redirect("feedback:imports")
        except ImportRejected as rejected:
            form.add_error(None, rejected)
        except ValidationError as error:
            form.add_error(None, error)
    runs = selectors.import_list(workspace=request.workspace)[:20]
    return render(request, "feedback/imports.html", {"form": form, "runs": runs})


THEME_JOBS = ("feedback.themes_rebuild", "feedback.suggesters_fit")


@login_required
@ability_required("view")
def themes(request: MemberRequest) -> HttpResponse:
    workspace = request.workspace
    runs = {
        name: JobRun.objects.for_workspace(workspace).filter(name=name).order_by("-id").first()
        for name in THEME_JOBS
    }
    can_manage = can(request, "manage_taxonomy")
    models = list(TextModel.objects.for_workspace(workspace).order_by("kind"))
    counts = suggestions.suggestion_counts(workspace=workspace) if can_manage else {}
    for model in models:
        model.counts = counts.get(model.kind, {})
    context = {
        "themes": suggestions.theme_list(workspace=workspace),
        "built_at": Theme.objects.for_workspace(workspace).aggregate(at=Max("created_at"))["at"],
        "rebuild_run": runs["feedback.themes_rebuild"],
        "fit_run": runs["feedback.suggesters_fit"],
        "can_manage": can_manage,
        "models": models,
    }
    return render(request, "feedback/themes.html", context)


def _queue(request: MemberRequest, task: Job, what: str) -> None:
    arguments = {"workspace_id": request.workspace.pk}
    if job_run_pending(workspace=request.workspace, name=task.name, arguments=arguments):
        messages.info(request, f"{what} is already queued or running.")
        return
    enqueue(task, **arguments)
    messages.success(request, f"{what} queued: this page shows when it has finished.")


@login_required
@require_POST
@ability_required("manage_taxonomy")
def themes_rebuild(request: MemberRequest) -> HttpResponse:
    _queue(request, tasks.themes_rebuild, "Rebuilding themes")
    return redirect("feedback:themes")


@login_required
@require_POST
@ability_required("manage_taxonomy")
def suggesters_fit(request: MemberRequest) -> HttpResponse:
    _queue(request, tasks.suggesters_fit, "Learning suggestions")
    return redirect("feedback:themes")


@login_required
@require_POST
@ability_required("triage_feedback")
def suggestion_decide(request: MemberRequest, pk: int) -> HttpResponse:
    try:
        suggestion = suggestions.suggestion_get(workspace=request.workspace, pk=pk)
    except ValidationError:
        raise Http404("No such suggestion.") from None
    accept = request.POST.get("decision") == "accept"
    try:
        suggestions.suggestion_decide(actor=request.user, suggestion=suggestion, accept=accept)
        messages.success(request, "Suggestion applied." if accept else "Suggestion rejected.")
    except ValidationError as error:
        _errors(request, error)
    return redirect("feedback:item", pk=suggestion.item_id)
