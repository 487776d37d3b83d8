"""The filters of the account and contact lists: one form, read from the query string.

Contacts are filtered by their account's place (segment, market, plan, owner, lifecycle
stage, ARR), so both lists share one definition; ``selectors.account_filter`` turns the
cleaned values into a query.
"""

from django import forms
from django.db.models import QuerySet

from greenroom.accounts.models import Workspace
from greenroom.customers.choices import LifecycleStage
from greenroom.lib.widgets import FilterForm
from greenroom.organisation.models import Market, Person, Plan, Segment


class AccountFilterForm(FilterForm):
    """Search words and the account filters; every field is optional."""

    q = forms.CharField(
        label="Search", required=False, max_length=200, widget=forms.TextInput({"type": "search"})
    )
    segment = forms.ModelChoiceField(queryset=Segment.objects.none(), required=False)
    market = forms.ModelChoiceField(queryset=Market.objects.none(), required=False)
    plan = forms.ModelChoiceField(queryset=Plan.objects.none(), required=False)
    owner = forms.ModelChoiceField(queryset=Person.objects.none(), required=False)
    lifecycle_stage = forms.ChoiceField(
        label="Lifecycle stage",
        choices=[("", "Any"), *LifecycleStage.choices],
        required=False,
    )
    # The CRM's ARR: billing ARR lives in the analytics store, where the database cannot
    # filter or sort by it (the participant finder's ARR band works the same way).
    arr_min = forms.DecimalField(label="ARR from (CRM)", required=False, min_value=0)
    arr_max = forms.DecimalField(label="ARR up to (CRM)", required=False, min_value=0)

    def __init__(self, workspace: Workspace, data=None, *, search_hint: str = "") -> None:
        super().__init__(data)
        for name, model in (("segment", Segment), ("market", Market), ("plan", Plan)):
            self._choose_from(name, model.objects.for_workspace(workspace), "Any")
        owners = Person.objects.for_workspace(workspace).filter(owned_accounts__isnull=False)
        self._choose_from("owner", owners.distinct().order_by("name"), "Anyone")
        self.fields["q"].widget.attrs["placeholder"] = search_hint

    def _choose_from(self, name: str, rows: QuerySet, empty_label: str) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = rows
        field.empty_label = empty_label

    def values(self) -> dict:
        """The filters that were given and are valid (an invalid one, such as a segment
        deleted since the link was made, is reported on the form and left out)."""
        if self.is_bound:
            self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: value for name, value in cleaned.items() if value not in (None, "")}
