from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.lists import Column, Listing, render_list
from greenroom.organisation import selectors, services
from greenroom.organisation.forms import entity_form
from greenroom.organisation.kinds import KINDS_BY_SLUG, Kind


def _kind(slug: str) -> Kind:
    try:
        return KINDS_BY_SLUG[slug]
    except KeyError:
        raise Http404("No such kind of thing.") from None


@login_required
@ability_required("view")
def entity_list(request: MemberRequest, kind: str) -> HttpResponseBase:
    described = _kind(kind)
    search = request.GET.get("q", "").strip()
    rows = selectors.entity_list(workspace=request.workspace, kind=described, search=search)
    can_edit = can(request, "manage_organisation")
    listing = Listing(
        request,
        rows,
        columns=_columns(described) + ([Column("Actions")] if can_edit else []),
        default_sort="name",
        rows_template="organisation/entity_list.html#rows",
        export_name=described.slug,
        noun=(described.singular, described.title.lower()),
    )
    if listing.export_format:
        return listing.export()
    context = {
        "kind": described,
        "listing": listing,
        "search": search,
        "can_edit": can_edit,
        "empty_title": f"No {described.title.lower()} yet",
    }
    return render_list(request, "organisation/entity_list.html", context)


def _columns(kind: Kind) -> list[Column]:
    """The kind's columns; those holding a field (or a count the selector adds) sort, a
    link to another row by that row's name."""
    fields = {field.name: field for field in kind.model._meta.get_fields()}
    columns = []
    for label, attr in kind.columns:
        field = fields.get(attr)
        if field is None:
            order = attr if attr.endswith("_count") else ()
        elif field.is_relation:
            order = f"{attr}__name" if field.many_to_one else ()
        else:
            order = attr if field.concrete else ()
        columns.append(Column(label, attr, order, value=_cell(attr)))
    return columns


def _cell(attr: str):
    def value(row):
        found = getattr(row, attr, None)
        return found if isinstance(found, int | float | Decimal | date | None) else str(found)

    return value


@login_required
@ability_required("manage_organisation")
def entity_edit(request: MemberRequest, kind: str, pk: int | None = None) -> HttpResponse:
    described = _kind(kind)
    instance = (
        selectors.entity_get(workspace=request.workspace, kind=described, pk=pk) if pk else None
    )
    form = entity_form(described, request.workspace, data=request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.entity_save(
                actor=request.user,
                workspace=request.workspace,
                kind=described,
                data={name: form.cleaned_data[name] for name in described.fields},
                instance=instance,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved {described.singular} “{row}”.")
            return redirect("organisation:list", kind=described.slug)
    context = {"kind": described, "form": form, "instance": instance}
    return render(request, "organisation/entity_form.html", context)


@require_POST
@login_required
@ability_required("manage_organisation")
def entity_delete(request: MemberRequest, kind: str, pk: int) -> HttpResponse:
    described = _kind(kind)
    instance = selectors.entity_get(workspace=request.workspace, kind=described, pk=pk)
    try:
        services.entity_delete(
            actor=request.user, workspace=request.workspace, kind=described, instance=instance
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Deleted {described.singular} “{instance}”.")
    return redirect("organisation:list", kind=described.slug)


@login_required
@ability_required("view")
def portfolio(request: MemberRequest) -> HttpResponse:
    products = selectors.portfolio_tree(workspace=request.workspace)
    return render(request, "organisation/portfolio.html", {"products": products})
