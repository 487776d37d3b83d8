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

    def __init__(
        self,
        data,
        *,
        values: dict[str, list[str]],
        names: dict[str, dict[str, str]] | None = None,
    ) -> None:
        """``names``: how values read, by dimension (products by name: the data has keys)."""
        super().__init__(data)
        for dim in DIMENSIONS:
            field = self.fields[dim]
            assert isinstance(field, forms.ChoiceField)
            named = (names or {}).get(dim, {})
            field.choices = [
                ("", f"All {dim}s"),
                *[(v, named.get(v, v.replace("_", " "))) for v in values.get(dim, [])],
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


class CustomDashboardForm(forms.Form):
    """A custom dashboard's name, description and the teams it is published to."""

    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    teams: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Members of these teams see it (read only). None: product ops and admins only.",
    )

    def __init__(self, *args, workspace, **kwargs) -> None:
        from greenroom.organisation.models import Team

        super().__init__(*args, **kwargs)
        field = self.fields["teams"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Team.objects.for_workspace(workspace).order_by("name")


class TileForm(forms.Form):
    """What a tile shows. The choices are today's metrics and data; a slice is a dimension to
    break the metric down by, and/or one member to filter on (``segment=Enterprise``)."""

    title = forms.CharField(max_length=120, required=False, help_text="Blank: the metric's.")
    metric = forms.ChoiceField()
    chart = forms.ChoiceField()
    grain = forms.ChoiceField()
    period = forms.CharField(max_length=12, initial="12m", help_text="3m, 12m, ytd, 2025, 2025Q4")
    by = forms.ChoiceField(required=False, label="Slice by")
    filter = forms.ChoiceField(required=False, label="Only")

    def __init__(self, *args, definitions: list[dict], values: dict[str, list[str]], **kwargs):
        from greenroom.dashboards.choices import ChartType, Grain

        super().__init__(*args, **kwargs)
        self.definitions = {d["name"]: d for d in definitions}
        self._choices("metric", [(d["name"], d["title"]) for d in definitions])
        self._choices("chart", ChartType.choices)
        self._choices("grain", Grain.choices)
        self._choices("by", [("", "Nothing (one figure)"), *[(d, d.title()) for d in DIMENSIONS]])
        grouped: list = [("", "Everything")]
        for dim in DIMENSIONS:
            grouped.append(
                (dim.title(), [(f"{dim}={v}", v.replace("_", " ")) for v in values.get(dim, [])])
            )
        self._choices("filter", grouped)

    def _choices(self, name: str, choices: list) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean_period(self) -> str:
        from datetime import date

        code = self.cleaned_data["period"].strip().lower()
        try:
            periods.parse(code, as_of=date.today())
        except periods.PeriodError as error:
            raise forms.ValidationError(str(error)) from error
        return code

    def clean(self) -> dict:
        data = super().clean() or {}
        definition = self.definitions.get(data.get("metric", ""))
        if definition is None:
            return data
        offered = set(definition["dimensions"])
        dimension = (data.get("filter") or "=").split("=", 1)[0]
        for name, dim in (("by", data.get("by")), ("filter", dimension)):
            if dim and dim not in offered:
                self.add_error(name, f"{definition['title']} is not sliced by {dim}.")
        if data.get("grain") and data["grain"] not in definition["grains"]:
            self.add_error(
                "grain",
                f"{definition['title']} is counted per {', '.join(definition['grains'])}.",
            )
        if data.get("chart") == "number" and data.get("by"):
            self.add_error("by", "A headline number is one figure: filter with “Only” instead.")
        if data.get("chart") == "ranked" and not data.get("by"):
            self.add_error("by", "Bars by slice need a dimension to slice by.")
        return data

    def tile_fields(self) -> dict:
        """The cleaned values as the Tile's fields."""
        data = self.cleaned_data
        dimension, _, value = (data.get("filter") or "").partition("=")
        return {
            "title": data["title"],
            "metric": data["metric"],
            "chart": data["chart"],
            "grain": data["grain"],
            "period": data["period"],
            "by": data.get("by") or "",
            "filter_dimension": dimension,
            "filter_value": value,
        }

    @staticmethod
    def initial_for(tile) -> dict:
        return {
            "title": tile.title,
            "metric": tile.metric,
            "chart": tile.chart,
            "grain": tile.grain,
            "period": tile.period,
            "by": tile.by,
            "filter": f"{tile.filter_dimension}={tile.filter_value}"
            if tile.filter_dimension
            else "",
        }
