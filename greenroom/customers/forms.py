from typing import cast

from django import forms
from django.conf import settings
from django.utils import timezone

from greenroom.accounts.models import Workspace
from greenroom.customers.choices import (
    KIND_CONSENT,
    Channel,
    ConsentMethod,
    ImportFormat,
    ImportKind,
    OutreachKind,
    OutreachOutcome,
    ResearchKind,
)
from greenroom.customers.finder import Criteria
from greenroom.customers.formats import FIELDS
from greenroom.lib.env import size_text
from greenroom.metrics.selectors import business_data_available
from greenroom.organisation.models import Market, Plan, Product, Region, Segment

RESERVABLE = [(kind.value, kind.label) for kind in OutreachKind if kind in KIND_CONSENT]


class FinderForm(forms.Form):
    """The participant finder's criteria, read from the query string."""

    segments = forms.ModelMultipleChoiceField(queryset=Segment.objects.none(), required=False)
    regions = forms.ModelMultipleChoiceField(queryset=Region.objects.none(), required=False)
    markets = forms.ModelMultipleChoiceField(queryset=Market.objects.none(), required=False)
    plans = forms.ModelMultipleChoiceField(queryset=Plan.objects.none(), required=False)
    role = forms.CharField(
        required=False, help_text="Role or words in the job title, e.g. admin.", max_length=64
    )
    arr_min = forms.DecimalField(label="ARR from", required=False, min_value=0)
    arr_max = forms.DecimalField(label="ARR up to", required=False, min_value=0)
    opted_in = forms.MultipleChoiceField(
        label="Opted in to",
        choices=ResearchKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    not_contacted_days = forms.IntegerField(
        label="Not contacted in (days)", required=False, min_value=0, max_value=3650
    )
    exclude_active_study = forms.BooleanField(
        label="Leave out people in an active study", required=False, initial=True
    )
    active_in_product = forms.ChoiceField(
        label="Account active in (last 30 days)",
        required=False,
        help_text="From product usage data: accounts with someone active in this product.",
    )
    min_active_users = forms.IntegerField(
        label="At least this many active users (last 30 days)",
        required=False,
        min_value=1,
        max_value=1_000_000,
        help_text="In the product above when one is chosen, else in any product.",
    )
    per_account = forms.IntegerField(
        label="At most per account", min_value=1, max_value=50, initial=2
    )
    limit = forms.IntegerField(label="How many", min_value=1, max_value=500, initial=20)
    explain = forms.BooleanField(label="Show who was left out and why", required=False)

    def __init__(self, workspace: Workspace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model in (
            ("segments", Segment),
            ("regions", Region),
            ("markets", Market),
            ("plans", Plan),
        ):
            cast(forms.ModelChoiceField, self.fields[name]).queryset = model.objects.for_workspace(
                workspace
            )
            self.fields[name].widget.attrs["size"] = 4
        # Usage criteria are offered only when the data engine holds usage to answer them.
        self.usage_available = business_data_available(workspace=workspace)
        if self.usage_available:
            products = Product.objects.for_workspace(workspace).order_by("name")
            cast(forms.ChoiceField, self.fields["active_in_product"]).choices = [
                ("", "Any product"),
                *products.values_list("key", "name"),
            ]
        else:
            del self.fields["active_in_product"], self.fields["min_active_users"]

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            segment_ids=[s.pk for s in data["segments"]],
            market_ids=[m.pk for m in data["markets"]],
            region_ids=[r.pk for r in data["regions"]],
            plan_ids=[p.pk for p in data["plans"]],
            role=data["role"],
            arr_min=data["arr_min"],
            arr_max=data["arr_max"],
            opted_in=data["opted_in"],
            not_contacted_days=data["not_contacted_days"],
            exclude_active_study=data["exclude_active_study"],
            per_account=data["per_account"] or 2,
            limit=data["limit"] or 20,
            active_in_product=data.get("active_in_product", ""),
            min_active_users=data.get("min_active_users"),
        )


class ReserveForm(forms.Form):
    study = forms.CharField(max_length=200, help_text="e.g. New editor prototype, May")
    kind = forms.ChoiceField(choices=RESERVABLE)
    reason = forms.CharField(max_length=500, required=False, label="What you will ask them")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="The file holds", choices=ImportKind.choices)
    format = forms.ChoiceField(
        label="Exported from",
        choices=[("auto", "Recognise it from the columns"), *ImportFormat.choices],
    )
    file = forms.FileField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "CSV (UTF-8) or Excel .xlsx, first row naming the columns; "
            f"up to {size_text(settings.MAX_UPLOAD_SIZE)}."
        )


def mapping_form(kind: str, headers: list[str], initial: dict[str, str], data=None):
    """One select per Greenroom field, listing the file's columns."""
    choices = [("", "— not in this file —"), *((h, h) for h in headers)]
    fields = {
        target.name: forms.ChoiceField(
            label=target.label + (" (required)" if target.required else ""),
            choices=choices,
            required=target.required,
            initial=initial.get(target.name, ""),
        )
        for target in FIELDS[kind]
    }
    form_class = type("MappingForm", (forms.Form,), fields)
    return form_class(data=data)


class PreferencesForm(forms.Form):
    preferred_channel = forms.ChoiceField(choices=Channel.choices)
    max_per_30_days = forms.IntegerField(label="At most per 30 days", min_value=0, max_value=30)
    max_per_90_days = forms.IntegerField(label="At most per 90 days", min_value=0, max_value=90)
    do_not_contact = forms.BooleanField(required=False)
    do_not_contact_reason = forms.CharField(max_length=300, required=False, label="Why not")


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label="Research", choices=ResearchKind.choices)
    granted = forms.TypedChoiceField(
        label="Consent",
        choices=[("1", "Opted in"), ("0", "Opted out")],
        coerce=lambda value: value == "1",
    )
    method = forms.ChoiceField(label="How", choices=ConsentMethod.choices, initial="staff")
    source = forms.CharField(label="Where it came from", max_length=300)


class OutreachForm(forms.Form):
    kind = forms.ChoiceField(choices=OutreachKind.choices)
    outcome = forms.ChoiceField(choices=OutreachOutcome.choices, initial="contacted")
    at = forms.DateTimeField(
        label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    study = forms.CharField(max_length=200, required=False)
    reason = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class EraseForm(forms.Form):
    reason = forms.CharField(
        max_length=300, help_text="The request's reference, e.g. DSR-2026-014."
    )
    confirm = forms.BooleanField(label="I understand this cannot be undone")


class RulesForm(forms.Form):
    notify_owner_before_contact = forms.BooleanField(
        label="Tell the owner before anyone contacts this account's people", required=False
    )
