import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from greenroom import registry
from greenroom.accounts.permissions import ability_required, can
from greenroom.customers import duplicates as dup
from greenroom.customers import finder, forms, selectors, services
from greenroom.customers.choices import KIND_CONSENT
from greenroom.customers.formats import FIELDS, mapping_guess
from greenroom.customers.models import Account, ImportRun
from greenroom.customers.privacy import details_for
from greenroom.lib.exports import Format, export_response
from greenroom.lib.imports.report import ImportRejected

# The name other apps register their account-page panels under (greenroom/registry.py).
ACCOUNT_PAGE = "customers.account"


def _page(request: HttpRequest, rows, size: int = 50):
    return Paginator(rows, size).get_page(request.GET.get("page"))


@login_required
@ability_required("view")
def account_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    page = _page(request, selectors.account_list(workspace=request.workspace, search=search))
    billing = selectors.accounts_billing_arr(workspace=request.workspace, accounts=page)
    for account in page:
        account.billing_arr = billing.get(account.pk)
    template = "customers/account_list.html" + ("#rows" if request.htmx else "")
    return render(request, template, {"page": page, "search": search})


def _panels(request: HttpRequest, account: Account) -> list[dict]:
    # Other apps' sections of this page (feedback, research...), registered so that
    # customers never imports them.
    return [
        {"title": p.title, "template": p.template, "context": p.context(request, account)}
        for p in registry.panels(ACCOUNT_PAGE)
        if can(request, p.ability)
    ]


@login_required
@ability_required("view")
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(workspace=request.workspace, pk=pk)
    contacts = list(selectors.contact_list(workspace=request.workspace, account=account))
    rows = [{"contact": c, "details": details_for(request, c)} for c in contacts]
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
        "can_manage": can(request, "manage_organisation"),
    }
    return render(request, "customers/account_detail.html", context)


@require_POST
@login_required
@ability_required("manage_organisation")
def account_rules(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(workspace=request.workspace, pk=pk)
    form = forms.RulesForm(request.POST)
    if form.is_valid():
        services.account_set_rules(actor=request.user, account=account, **form.cleaned_data)
        messages.success(request, "Saved the contact rule.")
    return redirect("customers:account", pk=pk)


@login_required
@ability_required("view")
def contact_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    page = _page(request, selectors.contact_list(workspace=request.workspace, search=search))
    template = "customers/contact_list.html" + ("#rows" if request.htmx else "")
    return render(request, template, {"page": page, "search": search})


@login_required
@ability_required("view")
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    return _contact_page(request, contact)


def _contact_page(request: HttpRequest, contact, **forms_given) -> HttpResponse:
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
        "can_manage": can(request, "manage_organisation") and not contact.erased_at,
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


def _contact_write(request, pk: int, form_class, form_name: str, write) -> HttpResponse:
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
def contact_preferences(request: HttpRequest, pk: int) -> HttpResponse:
    def write(contact, data):
        services.contact_set_preferences(actor=request.user, contact=contact, **data)
        return "Saved the contact's preferences."

    return _contact_write(request, pk, forms.PreferencesForm, "preferences_form", write)


@require_POST
@login_required
@ability_required("write")
def contact_consent(request: HttpRequest, pk: int) -> HttpResponse:
    def write(contact, data):
        services.consent_set(actor=request.user, contact=contact, **data)
        return "Recorded the consent change."

    return _contact_write(request, pk, forms.ConsentForm, "consent_form", write)


@require_POST
@login_required
@ability_required("write")
def contact_outreach(request: HttpRequest, pk: int) -> HttpResponse:
    def write(contact, data):
        services.outreach_log(actor=request.user, contact=contact, **data)
        return "Logged the outreach."

    return _contact_write(request, pk, forms.OutreachForm, "outreach_form", write)


@require_POST
@login_required
@ability_required("manage_organisation")
def contact_erase(request: HttpRequest, pk: int) -> HttpResponse:
    def write(contact, data):
        services.contact_erase(actor=request.user, contact=contact, reason=data["reason"])
        return "Erased the contact's personal data; their anonymised history is kept."

    return _contact_write(request, pk, forms.EraseForm, "erase_form", write)


@login_required
@ability_required("manage_organisation")
def contact_subject_access(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    document = services.contact_subject_access(actor=request.user, contact=contact)
    response = HttpResponse(
        json.dumps(document, indent=2, default=str), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="subject-access-{contact.pk}.json"'
    return response


@login_required
@ability_required("view")
def participant_finder(request: HttpRequest) -> HttpResponse:
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
def participants_reserve(request: HttpRequest) -> HttpResponse:
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
def study(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("study", "").strip()
    rows = selectors.outreach_list(workspace=request.workspace, study=name) if name else []
    context = {
        "study": name,
        "rows": rows,
        "studies": selectors.study_names(workspace=request.workspace),
    }
    return render(request, "customers/study.html", context)


@login_required
@ability_required("view")
def study_export(request: HttpRequest, fmt: Format) -> HttpResponseBase:
    name = request.GET.get("study", "").strip()
    rows = services.reserved_export(
        actor=request.user,
        workspace=request.workspace,
        study=name,
        with_details=can(request, "view_contact_details"),
    )
    return export_response(rows, filename="participants", format=fmt)


@login_required
@ability_required("manage_organisation")
def import_list(request: HttpRequest) -> HttpResponse:
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
    runs = selectors.import_list(workspace=request.workspace)[:30]
    return render(request, "customers/import_list.html", {"form": form, "runs": runs})


@login_required
@ability_required("manage_organisation")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
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


def _import_start(request: HttpRequest, run: ImportRun, mapping: dict[str, str]) -> None:
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
@ability_required("manage_organisation")
def duplicates(request: HttpRequest) -> HttpResponse:
    kind = "accounts" if request.GET.get("kind") == "accounts" else "contacts"
    finder_fn = dup.duplicate_accounts if kind == "accounts" else dup.duplicate_contacts
    pairs = finder_fn(workspace=request.workspace)
    if kind == "contacts":
        services.contact_details_shown(
            actor=request.user,
            workspace=request.workspace,
            contacts=[c for p in pairs for c in (p.keep, p.other)],
            where="duplicate review",
        )
    return render(request, "customers/duplicates.html", {"pairs": pairs, "kind": kind})


@require_POST
@login_required
@ability_required("manage_organisation")
def duplicates_merge(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind")
    get = selectors.account_get if kind == "accounts" else selectors.contact_get
    merge = services.accounts_merge if kind == "accounts" else services.contacts_merge
    try:
        keep = get(workspace=request.workspace, pk=int(request.POST.get("keep", 0)))
        other = get(workspace=request.workspace, pk=int(request.POST.get("other", 0)))
        merge(actor=request.user, keep=keep, other=other)
    except (ValueError, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, f"Merged into “{keep}”.")
    return redirect(reverse("customers:duplicates") + f"?kind={kind}")
