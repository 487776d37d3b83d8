"""The filters every dashboard takes from its URL: product, segment, market, region, plan,
period (and, on Customers and segments, the dimension to slice by)."""

from django import forms

from greenroom.dashboards import periods
from greenroom.lib.widgets import FilterForm

DIMENSIONS = ("product", "segment", "market", "region", "plan")
ACCOUNT_DIMENSIONS = ("segment", "market", "region", "plan")
SLICES = [("segment", "Segment"), ("market", "Market"), ("region", "Region"), ("plan", "Plan")]


class DashboardFilters(FilterForm):
    """All optional; choices are the values the workspace's data has. An unknown value is
    reported on the form and ignored, never a server error."""

    period = forms.CharField(required=False, max_length=12)
    product = forms.ChoiceField(required=False)
    segment = forms.ChoiceField(required=False)
    market = forms.ChoiceField(required=False)
    region = forms.ChoiceField(required=False)
    plan = forms.ChoiceField(required=False)
    by = forms.ChoiceField(required=False, choices=[("", "Segment"), *SLICES[1:]])

    def __init__(self, data, *, values: dict[str, list[str]]) -> None:
        super().__init__(data)
        for dim in DIMENSIONS:
            field = self.fields[dim]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [
                ("", f"All {dim}s"),
                *[(v, v.replace("_", " ")) for v in values.get(dim, [])],
            ]
        self.fields["by"].label = "Slice by"

    def where(self) -> dict[str, list[str]]:
        """The dimension filters that were valid (an invalid one is on ``errors``)."""
        cleaned = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return {dim: [cleaned[dim]] for dim in DIMENSIONS if cleaned.get(dim)}

    def problems(self) -> list[str]:
        """Each refused value in words, naming the parameter."""
        self.is_valid()
        messages = []
        for name, errors in self.errors.items():
            given = str(self.data.get(name, ""))[:40]
            messages.append(f"Ignored {name}={given!r}: {' '.join(str(e) for e in errors)}")
        return messages


def period_choices() -> list[tuple[str, str]]:
    return periods.CHOICES


def _quarter_label(code: str) -> str:
    return f"Q{code[-1]} {code[:4]}"


class BoardPackForm(forms.Form):
    """The quarter to write a board pack for: one the billing data covers."""

    quarter = forms.ChoiceField(label="Quarter")

    def __init__(self, data=None, *, quarters: list[str]) -> None:
        super().__init__(data)
        field = self.fields["quarter"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, _quarter_label(code)) for code in quarters]
