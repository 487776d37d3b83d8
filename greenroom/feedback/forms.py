"""Forms of the feedback pages: the inbox filters, logging feedback, triage, highlights,
opportunities, tags, weights and imports."""

from django import forms
from django.db.models import QuerySet

from greenroom.accounts.models import Workspace
from greenroom.customers.models import Account, Contact
from greenroom.feedback.choices import Importance, OpportunityStatus, SourceKind, Status
from greenroom.feedback.models import Opportunity, Tag, Theme
from greenroom.lib.widgets import FilterForm
from greenroom.organisation.models import Market, ProductArea, Segment


def _choose(field: forms.Field, rows: QuerySet, empty: str = "Any") -> None:
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = rows
    field.empty_label = empty


def _areas(workspace: Workspace) -> QuerySet:
    return (
        ProductArea.objects.for_workspace(workspace)
        .select_related("product")
        .order_by("product__name", "name")
    )


class InboxFilterForm(FilterForm):
    """The inbox's filters; every field is optional."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput({"type": "search", "placeholder": "Words in the text"}),
    )
    source = forms.ChoiceField(choices=[("", "Any"), *SourceKind.choices], required=False)
    area = forms.ModelChoiceField(queryset=ProductArea.objects.none(), required=False)
    segment = forms.ModelChoiceField(queryset=Segment.objects.none(), required=False)
    market = forms.ModelChoiceField(queryset=Market.objects.none(), required=False)
    status = forms.ChoiceField(choices=[("", "Any"), *Status.choices], required=False)
    tag = forms.ModelChoiceField(queryset=Tag.objects.none(), required=False)
    theme = forms.ModelChoiceField(queryset=Theme.objects.none(), required=False)
    untriaged = forms.BooleanField(label="Untriaged only", required=False)
    unmatched = forms.BooleanField(label="No customer", required=False)

    def __init__(self, workspace: Workspace, data=None) -> None:
        super().__init__(data)
        _choose(self.fields["area"], _areas(workspace))
        _choose(self.fields["segment"], Segment.objects.for_workspace(workspace))
        _choose(self.fields["market"], Market.objects.for_workspace(workspace))
        _choose(self.fields["tag"], Tag.objects.for_workspace(workspace))
        _choose(self.fields["theme"], Theme.objects.for_workspace(workspace))

    def values(self) -> dict:
        if self.is_bound:
            self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {k: v for k, v in cleaned.items() if v not in (None, "", False)}


class LogFeedbackForm(forms.Form):
    """Feedback logged by hand: what the customer said, who, when, about which area."""

    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, widget=forms.HiddenInput
    )
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False)
    title = forms.CharField(max_length=300, required=False, help_text="A short summary.")
    text = forms.CharField(
        widget=forms.Textarea({"rows": 8}), max_length=100_000, label="What the customer said"
    )
    product_area = forms.ModelChoiceField(queryset=ProductArea.objects.none(), required=False)
    received_at = forms.DateField(
        required=False,
        label="When",
        help_text="Empty: today.",
        widget=forms.DateInput({"type": "date"}),
    )

    def __init__(self, workspace: Workspace, data=None) -> None:
        super().__init__(data)
        _choose(self.fields["account"], Account.objects.for_workspace(workspace), "")
        contacts = Contact.objects.for_workspace(workspace).filter(erased_at__isnull=True)
        account_id = (data or {}).get("account")
        contacts = contacts.filter(account_id=account_id) if account_id else contacts.none()
        _choose(self.fields["contact"], contacts, "Someone at the account")
        _choose(self.fields["product_area"], _areas(workspace), "Not sure")


class BulkForm(forms.Form):
    """A triage action on the ticked items."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in ("tag", "set_area", "triage", "archive", "reopen")]
    )
    ids = forms.CharField()
    tag = forms.ModelChoiceField(queryset=Tag.objects.none(), required=False)
    area = forms.ModelChoiceField(queryset=ProductArea.objects.none(), required=False)

    def __init__(self, workspace: Workspace, data=None) -> None:
        super().__init__(data)
        _choose(self.fields["tag"], Tag.objects.for_workspace(workspace), "Tag…")
        _choose(self.fields["area"], _areas(workspace), "Area…")

    def clean_ids(self) -> list[int]:
        try:
            return [int(i) for i in self.cleaned_data["ids"].split(",") if i.strip()]
        except ValueError:
            raise forms.ValidationError("Tick the items to change.") from None


class HighlightForm(forms.Form):
    """A passage of an item linked to an opportunity (an existing one or a new one)."""

    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    opportunity = forms.ModelChoiceField(queryset=Opportunity.objects.none(), required=False)
    new_opportunity = forms.CharField(max_length=200, required=False, label="…or a new opportunity")
    importance = forms.TypedChoiceField(
        choices=Importance.choices, coerce=int, initial=Importance.IMPORTANT
    )

    def __init__(self, workspace: Workspace, data=None) -> None:
        super().__init__(data)
        rows = Opportunity.objects.for_workspace(workspace).exclude(
            status=OpportunityStatus.DECLINED
        )
        _choose(self.fields["opportunity"], rows, "Choose…")

    def clean(self):
        data = super().clean() or {}
        if not data.get("opportunity") and not (data.get("new_opportunity") or "").strip():
            raise forms.ValidationError("Choose an opportunity or name a new one.")
        return data


class OpportunityForm(forms.ModelForm):
    class Meta:
        model = Opportunity
        fields = ["title", "description", "product_area", "status"]
        widgets = {"description": forms.Textarea({"rows": 4})}

    def __init__(self, workspace: Workspace, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choose(self.fields["product_area"], _areas(workspace), "None")


class OpportunityFilterForm(FilterForm):
    q = forms.CharField(
        label="Search", required=False, max_length=200, widget=forms.TextInput({"type": "search"})
    )
    status = forms.ChoiceField(choices=[("", "Any"), *OpportunityStatus.choices], required=False)
    area = forms.ModelChoiceField(queryset=ProductArea.objects.none(), required=False)

    def __init__(self, workspace: Workspace, data=None) -> None:
        super().__init__(data)
        _choose(self.fields["area"], _areas(workspace))

    def values(self) -> dict:
        if self.is_bound:
            self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {k: v for k, v in cleaned.items() if v not in (None, "")}
        if "area" in values:
            values["area"] = values["area"].pk
        return values


class TagForm(forms.Form):
    name = forms.CharField(max_length=100)
    parent = forms.ModelChoiceField(queryset=Tag.objects.none(), required=False)
    synonyms = forms.CharField(
        max_length=500, required=False, help_text="Other words for it, separated by commas."
    )

    def __init__(self, workspace: Workspace, data=None, initial=None) -> None:
        super().__init__(data, initial=initial)
        _choose(self.fields["parent"], Tag.objects.for_workspace(workspace), "None (top level)")


class WeightsForm(forms.Form):
    arr = forms.FloatField(min_value=0, label="ARR")
    count = forms.FloatField(min_value=0, label="Accounts asking")
    strategic = forms.FloatField(min_value=0, label="Strategic segments")
    recency = forms.FloatField(min_value=0, label="Recency")
    recency_half_life_days = forms.IntegerField(min_value=1, label="Recency half-life (days)")
    strategic_segments = forms.ModelMultipleChoiceField(
        queryset=Segment.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, workspace: Workspace, data=None, initial=None) -> None:
        super().__init__(data, initial=initial)
        field = self.fields["strategic_segments"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Segment.objects.for_workspace(workspace)


class ImportForm(forms.Form):
    source_kind = forms.ChoiceField(
        label="Export of",
        choices=[(k, v) for k, v in SourceKind.choices if k not in ("form", "api")],
    )
    file = forms.FileField(help_text="CSV, XLSX, or Zendesk's tickets API answer as JSON.")
    mapping = forms.CharField(
        required=False,
        label="Column mapping (optional)",
        help_text="field=column pairs, one per line or comma-separated, e.g. text=review, "
        "id=ID. Fields: id, created, subject, text, email, name, contact_ref, account_ref, "
        "account_name, tags, url, rating.",
    )

    def clean_mapping(self) -> dict[str, str]:
        text = self.cleaned_data.get("mapping") or ""
        mapping = {}
        for pair in text.replace("\n", ",").split(","):
            if not pair.strip():
                continue
            name, eq, column = pair.partition("=")
            if not eq:
                raise forms.ValidationError(f"'{pair.strip()}' is not field=column.")
            mapping[name.strip()] = column.strip()
        return mapping
