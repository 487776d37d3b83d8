"""Forms of the strategy pages; choices of related rows are limited to the workspace."""

from datetime import date

from django import forms

from greenroom.accounts.models import User, Workspace
from greenroom.feedback.models import Opportunity
from greenroom.metrics import selectors as metrics
from greenroom.organisation.models import Market, ProductArea, Team
from greenroom.strategy.choices import (
    DEFAULT_WEIGHTS,
    DRIVERS,
    RICE_IMPACT,
    TEMPLATE_FIELDS,
    ItemStatus,
    Scoring,
)
from greenroom.strategy.models import (
    Initiative,
    KeyResult,
    Objective,
    RoadmapItem,
    RoadmapTemplate,
    StrategicIntent,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


def _members(workspace: Workspace):
    return User.objects.filter(memberships__workspace=workspace).order_by("first_name", "email")


class _Scoped(forms.ModelForm):
    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.workspace = workspace
        if "owner" in self.fields:
            owner = self.fields["owner"]
            owner.queryset = _members(workspace)  # type: ignore[attr-defined]
            owner.label_from_instance = lambda u: u.get_full_name() or u.email  # type: ignore[attr-defined]


class IntentForm(_Scoped):
    class Meta:
        model = StrategicIntent
        fields = ["title", "challenge", "starts_on", "ends_on", "owner"]
        widgets = {"starts_on": DATE, "ends_on": DATE, "challenge": TEXT}
        labels = {"starts_on": "Starts", "ends_on": "Ends"}


class InitiativeForm(_Scoped):
    class Meta:
        model = Initiative
        fields = ["title", "intent", "problem", "hypothesis", "target_outcomes", "owner"]
        widgets = {"problem": TEXT, "hypothesis": TEXT, "target_outcomes": TEXT}

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, workspace=workspace, **kwargs)
        self.fields["intent"].queryset = StrategicIntent.objects.for_workspace(workspace)  # type: ignore[attr-defined]


class ObjectiveForm(_Scoped):
    class Meta:
        model = Objective
        fields = ["title", "team", "initiative", "starts_on", "ends_on", "owner"]
        widgets = {"starts_on": DATE, "ends_on": DATE}
        labels = {"starts_on": "Period starts", "ends_on": "Period ends"}

    def __init__(self, *args, workspace: Workspace, teams: set[int] | None = None, **kwargs):
        super().__init__(*args, workspace=workspace, **kwargs)
        team_rows = Team.objects.for_workspace(workspace)
        if teams is not None:  # a product manager: their own teams only
            team_rows = team_rows.filter(pk__in=teams)
            self.fields["team"].required = True
        self.fields["team"].queryset = team_rows  # type: ignore[attr-defined]
        self.fields["initiative"].queryset = Initiative.objects.for_workspace(workspace)  # type: ignore[attr-defined]


def parse_slice(text: str) -> dict[str, list[str]]:
    """``segment=Enterprise, Mid-market; region=EMEA`` as {dimension: [values]}."""
    where: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        if "=" not in part:
            raise forms.ValidationError(
                f"'{part}' is not dimension=value (e.g. segment=Enterprise; region=EMEA)."
            )
        dim, values = (s.strip() for s in part.split("=", 1))
        found = [v.strip() for v in values.split(",") if v.strip()]
        if not dim or not found:
            raise forms.ValidationError(f"'{part}' needs a dimension and at least one value.")
        where[dim] = found
    return where


def format_slice(where: dict[str, list[str]]) -> str:
    return "; ".join(f"{dim}={', '.join(values)}" for dim, values in sorted(where.items()))


class KeyResultForm(_Scoped):
    metric_name = forms.ChoiceField(required=False, label="Metric")
    metric_slice = forms.CharField(
        required=False,
        label="Slice",
        help_text="Filters of the metric, e.g. segment=Enterprise; region=EMEA. Empty: all.",
    )

    class Meta:
        model = KeyResult
        fields = [
            "title",
            "baseline",
            "target",
            "unit",
            "starts_on",
            "due_on",
            "weight",
            "owner",
            "source",
            "metric_name",
            "metric_grain",
        ]
        widgets = {"starts_on": DATE, "due_on": DATE, "source": forms.RadioSelect}
        labels = {"starts_on": "Starts", "due_on": "Due", "metric_grain": "Grain"}

    field_order = [*Meta.fields[:-1], "metric_slice", "metric_grain"]

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, workspace=workspace, **kwargs)
        choices = [("", "—")] + [
            (d["name"], f"{d['title']} ({d['name']})") for d in metrics.metric_definitions()
        ]
        self.fields["metric_name"].choices = choices  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["metric_slice"].initial = format_slice(self.instance.metric_where)

    def clean_metric_slice(self) -> dict[str, list[str]]:
        return parse_slice(self.cleaned_data.get("metric_slice") or "")

    def data_for_service(self) -> dict:
        """The cleaned fields as the service takes them."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["metric_where"] = self.cleaned_data["metric_slice"]
        return data


class CheckInForm(forms.Form):
    value = forms.FloatField()
    checked_on = forms.DateField(label="Date", widget=DATE, initial=date.today)
    comment = forms.CharField(required=False, widget=TEXT)


class SinceForm(forms.Form):
    since = forms.DateField(label="Since", widget=DATE)


# Roadmaps ----------------------------------------------------------------------------------


def _labelled_key_results(workspace: Workspace):
    return KeyResult.objects.for_workspace(workspace).select_related("objective__team")


class RoadmapItemForm(_Scoped):
    """An item: its place, the goal it serves, evidence, impact and scoring inputs."""

    class Meta:
        model = RoadmapItem
        fields = [
            "title",
            "team",
            "column",
            "status",
            "problem",
            "initiative",
            "objective",
            "key_result",
            "opportunities",
            "revenue_unlocked",
            "cost_reduced",
            "market_opened",
            "confidence",
            "product_area",
            "dependencies",
            "reach",
            "impact_score",
            "effort",
            "target_quarter",
            "notes",
        ]
        widgets = {"problem": TEXT, "notes": TEXT}
        labels = {
            "key_result": "Key result",
            "impact_score": "Impact (RICE)",
            "effort": "Effort (person-months)",
            "confidence": "Confidence (%)",
        }

    def __init__(
        self,
        *args,
        workspace: Workspace,
        teams: set[int] | None = None,
        columns: list[str] | None = None,
        **kwargs,
    ):
        super().__init__(*args, workspace=workspace, **kwargs)
        f = self.fields
        team_rows = Team.objects.for_workspace(workspace)
        if teams is not None:  # a product manager: their own teams only
            team_rows = team_rows.filter(pk__in=teams)
        f["team"].queryset = team_rows  # type: ignore[attr-defined]
        f["column"] = forms.ChoiceField(choices=[(c, c) for c in columns or []], label="Column")
        f["initiative"].queryset = Initiative.objects.for_workspace(workspace)  # type: ignore[attr-defined]
        f["objective"].queryset = Objective.objects.for_workspace(workspace).select_related("team")  # type: ignore[attr-defined]
        f["key_result"].queryset = _labelled_key_results(workspace)  # type: ignore[attr-defined]
        f["key_result"].label_from_instance = lambda kr: f"{kr.title} ({kr.objective})"  # type: ignore[attr-defined]
        f["opportunities"].queryset = Opportunity.objects.for_workspace(workspace)  # type: ignore[attr-defined]
        f["opportunities"].help_text = "Feedback opportunities this answers (their demand counts)."
        f["market_opened"].queryset = Market.objects.for_workspace(workspace)  # type: ignore[attr-defined]
        areas = ProductArea.objects.for_workspace(workspace).select_related("product")
        f["product_area"].queryset = areas  # type: ignore[attr-defined]
        deps = RoadmapItem.objects.for_workspace(workspace).select_related("team")
        if self.instance.pk:
            deps = deps.exclude(pk=self.instance.pk)
        f["dependencies"].queryset = deps  # type: ignore[attr-defined]
        f["dependencies"].label_from_instance = lambda i: f"{i.title} ({i.team}, {i.column})"  # type: ignore[attr-defined]
        f["dependencies"].help_text = "Items (often other teams') this one needs first."
        f["impact_score"] = forms.TypedChoiceField(
            choices=[("", "—"), *RICE_IMPACT],
            coerce=float,
            empty_value=None,
            required=False,
            label="Impact (RICE)",
        )

    def data_for_service(self) -> dict:
        """The cleaned single-valued fields, as the service takes them."""
        many = {"opportunities", "dependencies"}
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name not in many}


class MoveForm(forms.Form):
    """Where to put an item: a column, and optionally its place there (0 first)."""

    column = forms.CharField(max_length=40)
    position = forms.IntegerField(required=False, min_value=0)


class RoadmapEvidenceForm(forms.Form):
    kind = forms.ChoiceField(label="Kind")
    reference = forms.CharField(
        required=False, label="Id", help_text="The insight's or experiment's number."
    )
    url = forms.URLField(required=False, label="Link", assume_scheme="https")
    note = forms.CharField(required=False, widget=TEXT)

    def __init__(self, kinds: list[tuple[str, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class RoadmapTemplateForm(forms.Form):
    columns = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One column per line, first to last (e.g. Now, Next, Later).",
    )
    required = forms.MultipleChoiceField(
        choices=list(TEMPLATE_FIELDS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Every item must have",
    )
    scoring = forms.ChoiceField(choices=Scoring.choices, label="Prioritise by")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in DRIVERS.items():
            self.fields[f"weight_{name}"] = forms.FloatField(
                min_value=0, label=f"Weight: {label}", initial=DEFAULT_WEIGHTS[name]
            )

    @classmethod
    def for_template(cls, template: RoadmapTemplate, data=None) -> "RoadmapTemplateForm":
        initial = {
            "columns": "\n".join(template.columns),
            "required": template.required,
            "scoring": template.scoring,
            **{f"weight_{k}": v for k, v in template.weights.items()},
        }
        return cls(data, initial=initial)

    def data_for_service(self) -> dict:
        data = self.cleaned_data
        return {
            "columns": _lines(data["columns"]),
            "required": list(data["required"]),
            "scoring": data["scoring"],
            "weights": {name: data[f"weight_{name}"] for name in DRIVERS},
        }


class SnapshotDiffForm(forms.Form):
    a = forms.IntegerField(label="From")
    b = forms.IntegerField(label="To")


# "In Review = in progress", or with an arrow: one line of a connection's status mapping.
_MAPPING_SEPARATORS = ("→", "->", "=")


class JiraConnectionForm(forms.Form):
    """A Jira connection as product ops set it up; the API token stays in the server's
    environment, so the form names the variable and never holds the token."""

    name = forms.CharField(max_length=100)
    base_url = forms.URLField(
        label="Site URL", assume_scheme="https", help_text="e.g. https://acme.atlassian.net"
    )
    email = forms.EmailField(
        label="Atlassian account email", help_text="The account the API token belongs to."
    )
    token_env = forms.CharField(
        label="API token variable",
        max_length=100,
        initial="JIRA_API_TOKEN",
        help_text="The server's environment variable holding the API token: the token is "
        "never stored in Greenroom nor shown. Replace the token by changing the variable.",
    )
    jql = forms.CharField(
        label="JQL query", widget=forms.Textarea(attrs={"rows": 2}), help_text="e.g. project = PAY"
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), help_text="Whose roadmap.")
    item_types = forms.CharField(
        label="Issue types that become items",
        initial="Epic",
        help_text="Comma-separated; other issues count towards their parent's delivery.",
    )
    status_map = forms.CharField(
        label="Status mapping",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: Jira status = roadmap status (proposed, planned, in progress, "
        "done, dropped). Unlisted statuses follow their category: To Do → planned, "
        "In Progress → in progress, Done → done.",
    )
    points_field = forms.CharField(
        label="Story points field", required=False, initial="customfield_10016", max_length=64
    )
    push_back = forms.BooleanField(
        label="Push status and target quarter back to the epics",
        required=False,
        help_text="Greenroom then owns linked items' status: a sync no longer takes it from "
        "Jira, and writes it to each epic as a label, the quarter's end as its due date.",
    )

    def __init__(self, *args, workspace: Workspace, instance=None, **kwargs):
        if instance is not None:
            kwargs["initial"] = {
                **{name: getattr(instance, name) for name in self.base_fields},
                "team": instance.team_id,
                "item_types": ", ".join(instance.item_types),
                "status_map": "\n".join(
                    f"{jira} = {ItemStatus(value).label.lower()}"
                    for jira, value in instance.status_map.items()
                ),
            }
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_workspace(workspace).order_by("name")  # type: ignore[attr-defined]

    def clean_item_types(self) -> list[str]:
        types = [t.strip() for t in self.cleaned_data["item_types"].split(",") if t.strip()]
        if not types:
            raise forms.ValidationError("Name at least one issue type, e.g. Epic.")
        return types

    def clean_status_map(self) -> dict[str, str]:
        statuses = {s.value: s.value for s in ItemStatus} | {
            s.label.lower(): s.value for s in ItemStatus
        }
        found: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["status_map"].splitlines(), start=1):
            if not line.strip():
                continue
            separator = next((s for s in _MAPPING_SEPARATORS if s in line), None)
            if separator is None:
                raise forms.ValidationError(
                    f"Line {number} (“{line.strip()}”): write Jira status = roadmap status."
                )
            jira, _, ours = (part.strip() for part in line.partition(separator))
            if not jira or ours.lower() not in statuses:
                raise forms.ValidationError(
                    f"Line {number} (“{line.strip()}”): “{ours}” is not a roadmap status; "
                    "use proposed, planned, in progress, done or dropped."
                )
            if jira.lower() in {k.lower() for k in found}:
                raise forms.ValidationError(f"Line {number}: “{jira}” is mapped twice.")
            found[jira] = statuses[ours.lower()]
        return found
