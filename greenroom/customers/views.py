import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import Form
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from greenroom import registry
from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.customers import duplicates as dup
from greenroom.customers import finder, forms, selectors, services
from greenroom.customers.choices import KIND_CONSENT
from greenroom.customers.filters import AccountFilterForm
from greenroom.customers.formats import FIELDS, mapping_guess
from greenroom.customers.models import Account, Contact, ImportRun, Outreach
from greenroom.customers.privacy import details_for
from greenroom.lib.exports import Format, export_response
from greenroom.lib.imports.report import ImportRejected
from greenroom.lib.lists import Column, Listing, render_list

# The name other apps register their account-page panels under (greenroom/registry.py).
ACCOUNT_PAGE = "customers.account"


def _account_columns() -> list[Column]:
    return [
        Column("Account", "name", "name", value=lambda a: a.name),
        Column("Segment", "segment", "segment__name", value=lambda a: _name(a.segment)),
        Column("Market", "market", "market__name", value=lambda a: _name(a.market)),
        Column("Plan", "plan", "plan__name", value=lambda a: _name(a.plan)),
        # Sorted by the CRM's ARR: billing ARR is in the analytics store, not the database.
        Column("ARR", "arr", "crm_arr", value=_account_arr, numeric=True),
        Column("Owner", "owner", "owner__name", value=lambda a: _name(a.owner)),
        Column(
            "Contacts", "contacts", "contact_count", value=lambda a: a.contact_count, numeric=True
        ),
    ]


def _name(related: Model | None) -> str:
    return str(related) if related is not None else ""


def _account_arr(account: Account) -> Decimal | None:
    return account.billing_arr if account.billing_arr is not None else account.crm_arr


@login_required
@ability_required("view")
def account_list(request: MemberRequest) -> HttpResponseBase:
    form = AccountFilterForm(request.workspace, request.GET, search_hint="Name or domain")
    filters = form.values()
    rows = selectors.account_list(
        workspace=request.workspace, search=filters.pop("q", ""), filters=filters
    )

    def with_billing_arr(accounts: list[Account]) -> None:
        billing = selectors.accounts_billing_arr(workspace=request.workspace, accounts=accounts)
        for account in accounts:
            account.billing_arr = billing.get(account.pk)

    listing = Listing(
        request,
        rows,
        columns=_account_columns(),
        default_sort="name",
        rows_template="customers/account_list.html#rows",
        export_name="accounts",
        prepare=with_billing_arr,
        noun=("account", "accounts"),
    )
    if listing.export_format:
        return listing.export()
    return render_list(
        request, "customers/account_list.html", {"listing": listing, "filter_form": form}
    )


def _panels(request: MemberRequest, account: Account) -> list[dict]:
    # Other apps' sections of this page (feedback, research...), registered so that
    # customers never imports them.
    return [
        {"title": p.title, "template": p.template, "context": p.context(request, account)}
        for p in registry.panels(ACCOUNT_PAGE)
        if can(request, p.ability)
    ]


@login_required
@ability_required("view")
def account_detail(request: MemberRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(workspace=request.workspace, pk=pk)
    contacts = list(selectors.contact_list(workspace=request.workspace, account=account))
    rows: list[dict[str, Any]] = [
        {"contact": c, "details": details_for(request, c)} for c in contacts
    ]
    services.contact_details_shown(
        actor=request.user,
        workspace=request.workspace,
        contacts=[r["contact"] for r in rows if r["details"]["visible"]],
        where=f"account page {account.pk}",
    )
    context = {
        "account": account,
        "figures": selectors.account_figures(account=account),
        "contacts": rows,
        "outreach": selectors.outreach_list(workspace=request.workspace, account=account)[:50],
        "panels": _panels(request, account),
        "rules_form": forms.RulesForm(
            initial={"notify_owner_before_contact": account.notify_owner_before_contact}
        ),
        "can_set_rules": can(request, "set_contact_rules"),
    }
    return render(request, "customers/account_detail.html", context)


@require_POST
@login_required
@ability_required("set_contact_rules")
def account_rules(request: MemberRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(workspace=request.workspace, pk=pk)
    form = forms.RulesForm(request.POST)
    if form.is_valid():
        services.account_set_rules(actor=request.user, account=account, **form.cleaned_data)
        messages.success(request, "Saved the contact rule.")
    return redirect("customers:account", pk=pk)


def _contact_columns(request: MemberRequest) -> list[Column]:
    def detail(name: str) -> Callable[[Contact], Any]:
        return lambda contact: details_for(request, contact)[name]

    return [
        Column("Name", "name", ("last_name", "first_name"), value=str),
        Column("Title", "title", "title", value=lambda c: c.title),
        Column("Account", "account", "account__name", value=lambda c: c.account.name),
        Column("Opted in to", value=lambda c: ", ".join(c.consent_labels())),
        Column("Last contacted", "contacted", "last_contacted_at", value=_contacted),
        # Only in exports, and only as this member may see them (masked otherwise).
        Column("Email", value=detail("email"), shown=False),
        Column("Phone", value=detail("phone"), shown=False),
    ]


def _contacted(contact: Contact) -> date | None:
    return contact.last_contacted_at.date() if contact.last_contacted_at else None


@login_required
@ability_required("view")
def contact_list(request: MemberRequest) -> HttpResponseBase:
    form = AccountFilterForm(request.workspace, request.GET, search_hint="Name, title or account")
    filters = form.values()
    rows = selectors.contact_list(
        workspace=request.workspace, search=filters.pop("q", ""), filters=filters
    )
    listing = Listing(
        request,
        rows,
        columns=_contact_columns(request),
        default_sort="name",
        rows_template="customers/contact_list.html#rows",
        export_name="contacts",
        noun=("contact", "contacts"),
    )
    if listing.export_format:
        ordered = listing.ordered
        assert isinstance(ordered, QuerySet)  # a queryset stays one when sorted
        services.contacts_exported(
            actor=request.user,
            workspace=request.workspace,
            contact_ids=list(ordered.values_list("pk", flat=True)),
            with_details=can(request, "view_contact_details"),
            where="contact list",
        )
        return listing.export()
    return render_list(
        request, "customers/contact_list.html", {"listing": listing, "filter_form": form}
    )


@login_required
@ability_required("view")
def contact_detail(request: MemberRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    return _contact_page(request, contact)


def _contact_page(request: MemberRequest, contact: Contact, **forms_given: Form) -> HttpResponse:
    details = details_for(request, contact)
    if details["visible"]:
        services.contact_details_shown(
            actor=request.user, workspace=request.workspace, contacts=[contact], where="contact"
        )
    context = {
        "contact": contact,
        "details": details,
        "consent_history": contact.consent_history.select_related("recorded_by"),
        "outreach": selectors.outreach_list(workspace=request.workspace, contact=contact),
        "quiet_periods": contact.quiet_periods.all(),
        "can_write": can(request, "write") and not contact.erased_at,
        "can_handle_privacy": can(request, "handle_privacy_requests") and not contact.erased_at,
        "preferences_form": forms_given.get("preferences_form")
        or forms.PreferencesForm(
            initial={name: getattr(contact, name) for name in forms.PreferencesForm.base_fields}
        ),
        "consent_form": forms_given.get("consent_form") or forms.ConsentForm(),
        "outreach_form": forms_given.get("outreach_form") or forms.OutreachForm(),
        "erase_form": forms_given.get("erase_form") or forms.EraseForm(),
    }
    status = 422 if forms_given else 200
    return render(request, "customers/contact_detail.html", context, status=status)


def _contact_write(
    request: MemberRequest,
    pk: int,
    form_class: type[Form],
    form_name: str,
    write: Callable[[Contact, dict[str, Any]], str],
) -> HttpResponse:
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = write(contact, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, message)
            return redirect("customers:contact", pk=pk)
    return _contact_page(request, contact, **{form_name: form})


@require_POST
@login_required
@ability_required("write")
def contact_preferences(request: MemberRequest, pk: int) -> HttpResponse:
    def write(contact: Contact, data: dict[str, Any]) -> str:
        services.contact_set_preferences(actor=request.user, contact=contact, **data)
        return "Saved the contact's preferences."

    return _contact_write(request, pk, forms.PreferencesForm, "preferences_form", write)


@require_POST
@login_required
@ability_required("write")
def contact_consent(request: MemberRequest, pk: int) -> HttpResponse:
    def write(contact: Contact, data: dict[str, Any]) -> str:
        services.consent_set(actor=request.user, contact=contact, **data)
        return "Recorded the consent change."

    return _contact_write(request, pk, forms.ConsentForm, "consent_form", write)


@require_POST
@login_required
@ability_required("write")
def contact_outreach(request: MemberRequest, pk: int) -> HttpResponse:
    def write(contact: Contact, data: dict[str, Any]) -> str:
        services.outreach_log(actor=request.user, contact=contact, **data)
        return "Logged the outreach."

    return _contact_write(request, pk, forms.OutreachForm, "outreach_form", write)


@require_POST
@login_required
@ability_required("handle_privacy_requests")
def contact_erase(request: MemberRequest, pk: int) -> HttpResponse:
    def write(contact: Contact, data: dict[str, Any]) -> str:
        services.contact_erase(actor=request.user, contact=contact, reason=data["reason"])
        return "Erased the contact's personal data; their anonymised history is kept."

    return _contact_write(request, pk, forms.EraseForm, "erase_form", write)


@login_required
@ability_required("handle_privacy_requests")
def contact_subject_access(request: MemberRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    document = services.contact_subject_access(actor=request.user, contact=contact)
    response = HttpResponse(
        json.dumps(document, indent=2, default=str), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="subject-access-{contact.pk}.json"'
    return response


@login_required
@ability_required("view")
def participant_finder(request: MemberRequest) -> HttpResponse:
    searched = "limit" in request.GET
    form = forms.FinderForm(request.workspace, request.GET if searched else None)
    result = None
    if searched and form.is_valid():
        try:
            result = finder.participants_find(
                workspace=request.workspace,
                criteria=form.criteria(),
                explain=form.cleaned_data["explain"],
            )
        except ValidationError as error:
            form.add_error(None, error)
    context = {
        "form": form,
        "result": result,
        "reserve_form": forms.ReserveForm(initial={"kind": _outreach_kind(form)}),
        "can_reserve": can(request, "write"),
    }
    return render(request, "customers/finder.html", context)


def _outreach_kind(form: forms.FinderForm) -> str | None:
    """The outreach kind matching the first research kind searched for."""
    wanted = form.cleaned_data.get("opted_in", []) if form.is_bound and form.is_valid() else []
    by_consent = {consent: kind for kind, consent in KIND_CONSENT.items()}
    return by_consent.get(wanted[0]) if wanted else None


@require_POST
@login_required
@ability_required("write")
def participants_reserve(request: MemberRequest) -> HttpResponse:
    form = forms.ReserveForm(request.POST)
    ids = [int(v) for v in request.POST.getlist("contact") if v.isdigit()]
    if not form.is_valid() or not ids:
        messages.error(request, "Choose at least one contact and name the study.")
        return redirect(reverse("customers:finder") + "?" + request.POST.get("query", ""))
    try:
        result = services.participants_reserve(
            actor=request.user, workspace=request.workspace, contact_ids=ids, **form.cleaned_data
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("customers:finder")
    text = f"Reserved {len(result.reserved)} for “{form.cleaned_data['study']}”."
    if result.refused:
        text += f" {len(result.refused)} could not be reserved: " + "; ".join(
            f"{c} ({why})" for c, why in result.refused[:5]
        )
    if result.owners_notified:
        text += " Told the account owners: " + ", ".join(result.owners_notified) + "."
    messages.success(request, text)
    return redirect(
        reverse("customers:study") + "?" + urlencode({"study": form.cleaned_data["study"]})
    )


@login_required
@ability_required("view")
def study(request: MemberRequest) -> HttpResponse:
    name = request.GET.get("study", "").strip()
    rows: QuerySet[Outreach] | list[Outreach] = (
        selectors.outreach_list(workspace=request.workspace, study=name) if name else []
    )
    listing = Listing(
        request,
        rows,
        columns=OUTREACH_COLUMNS,
        default_sort="-when",
        rows_template="customers/_outreach_table.html#rows",
        noun=("contact", "contacts"),
        scope=["study"],
    )
    context = {
        "study": name,
        "listing": listing,
        "studies": selectors.study_names(workspace=request.workspace),
    }
    return render_list(request, "customers/study.html", context)


OUTREACH_COLUMNS = [
    Column("When", "when", "at"),
    Column("Contact", "contact", ("contact__last_name", "contact__first_name")),
    Column("Account", "account", "account__name"),
    Column("Kind", "kind", "kind"),
    Column("Study or reason"),
    Column("By"),
    Column("Outcome", "outcome", "outcome"),
]


@login_required
@ability_required("view")
def study_export(request: MemberRequest, fmt: Format) -> HttpResponseBase:
    name = request.GET.get("study", "").strip()
    rows = services.reserved_export(
        actor=request.user,
        workspace=request.workspace,
        study=name,
        with_details=can(request, "view_contact_details"),
    )
    return export_response(rows, filename="participants", format=fmt)


@login_required
@ability_required("import_customers")
def import_list(request: MemberRequest) -> HttpResponse:
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.import_upload(
                actor=request.user,
                workspace=request.workspace,
                kind=form.cleaned_data["kind"],
                format=form.cleaned_data["format"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("customers:import", pk=run.pk)
    listing = Listing(
        request,
        selectors.import_list(workspace=request.workspace),
        columns=IMPORT_COLUMNS,
        default_sort="-when",
        rows_template="customers/import_list.html#rows",
        noun=("import", "imports"),
    )
    context = {"form": form, "listing": listing}
    return render_list(request, "customers/import_list.html", context, status=200)


IMPORT_COLUMNS = [
    Column("File", "file", "filename"),
    Column("Holds", "holds", "kind"),
    Column("From", "from", "format"),
    Column("Result", "result", "status"),
    Column("When", "when", "created_at"),
]


@login_required
@ability_required("import_customers")
def import_detail(request: MemberRequest, pk: int) -> HttpResponse:
    run = selectors.import_get(workspace=request.workspace, pk=pk)
    if request.htmx and request.method == "GET":
        # The progress card polls here; once the import is over, the whole page reloads.
        if not run.is_active():
            return HttpResponseClientRefresh()
        return render(request, "customers/import_detail.html#progress", {"run": run})
    if run.status != ImportRun.Status.MAPPING:
        # Started or finished: the upload is gone once finished; progress or report remain.
        return render(request, "customers/import_detail.html", {"run": run})
    headers, rows = selectors.import_preview(run=run)
    guess = run.mapping or mapping_guess(kind=run.kind, format=run.format, headers=headers)
    form = forms.mapping_form(run.kind, headers, guess, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        _import_start(request, run, form.cleaned_data)
        return redirect("customers:import", pk=run.pk)
    preview = [[values.get(guess.get(t.name, ""), "") for t in FIELDS[run.kind]] for values in rows]
    context = {"run": run, "form": form, "fields": FIELDS[run.kind], "preview": preview}
    return render(request, "customers/import_detail.html", context)


def _import_start(request: MemberRequest, run: ImportRun, mapping: dict[str, str]) -> None:
    try:
        run = services.import_start(actor=request.user, run=run, mapping=mapping)
    except ImportRejected:
        messages.error(request, "Nothing was imported: fix the rows below and upload again.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if run.status == ImportRun.Status.DONE:
            messages.success(request, run.report["summary"])
        else:
            messages.info(request, "Importing in the background: this page shows how far it is.")


@login_required
@ability_required("merge_customers")
def duplicates(request: MemberRequest) -> HttpResponse:
    kind = "accounts" if request.GET.get("kind") == "accounts" else "contacts"
    finder_fn = dup.duplicate_accounts if kind == "accounts" else dup.duplicate_contacts
    # Pairs are cards, not table rows: the listing pages them and gives the empty state.
    listing = Listing(request, finder_fn(workspace=request.workspace), page_size=20, scope=["kind"])
    if kind == "contacts":
        services.contact_details_shown(
            actor=request.user,
            workspace=request.workspace,
            contacts=[c for p in listing.rows for c in (p.keep, p.other)],
            where="duplicate review",
        )
    return render_list(request, "customers/duplicates.html", {"listing": listing, "kind": kind})


@require_POST
@login_required
@ability_required("merge_customers")
def duplicates_merge(request: MemberRequest) -> HttpResponse:
    kind = request.POST.get("kind")
    try:
        keep = _merge_posted(request, kind)
    except (ValueError, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, f"Merged into “{keep}”.")
    return redirect(reverse("customers:duplicates") + f"?kind={kind}")


def _merge_posted(request: MemberRequest, kind: str | None) -> Account | Contact:
    """Merge the posted ``other`` into the posted ``keep``, accounts or contacts; ``keep``."""

    def posted(name: str) -> int:
        return int(request.POST.get(name, 0))

    workspace = request.workspace
    if kind == "accounts":
        account = selectors.account_get(workspace=workspace, pk=posted("keep"))
        other_account = selectors.account_get(workspace=workspace, pk=posted("other"))
        services.accounts_merge(actor=request.user, keep=account, other=other_account)
        return account
    contact = selectors.contact_get(workspace=workspace, pk=posted("keep"))
    other_contact = selectors.contact_get(workspace=workspace, pk=posted("other"))
    services.contacts_merge(actor=request.user, keep=contact, other=other_contact)
    return contact
