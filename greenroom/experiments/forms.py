"""Forms of the experiment pages: the register entry, the design calculator, sums, decision."""

from decimal import Decimal, InvalidOperation

from django import forms

from greenroom.accounts.models import Workspace
from greenroom.customers.finder import Criteria
from greenroom.experiments.choices import Decision, GoDecision, MetricKind, Stage
from greenroom.experiments.exposures import FLAG_EVENT, FLAG_PROPERTY, VARIANT_PROPERTY
from greenroom.experiments.models import BetaProgramme, ChecklistTemplate, Experiment
from greenroom.experiments.services import MetricIn, VariantIn
from greenroom.organisation.models import ProductArea, Segment, Team


class ExperimentForm(forms.Form):
    """A new experiment: what it tests, who owns it, its arms and its primary metric."""

    name = forms.CharField(max_length=200)
    hypothesis = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="If we change …, then … will …, because …",
    )
    brief = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Markdown. Starts from the playbook's experiment brief template, if there is "
        "one.",
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    product_area = forms.ModelChoiceField(queryset=ProductArea.objects.none(), required=False)
    flag_key = forms.CharField(
        max_length=200, required=False, help_text="The feature flag ($feature_flag) it reads."
    )
    exposure_event = forms.CharField(
        max_length=200,
        required=False,
        initial="$feature_flag_called",
        help_text="The event that says a user saw a variant (PostHog: $feature_flag_called).",
    )
    flag_property = forms.CharField(
        max_length=200,
        required=False,
        initial="$feature_flag",
        help_text="Its property naming the flag (matched to the flag above, if one is given).",
    )
    variant_property = forms.CharField(
        max_length=200,
        required=False,
        initial="$feature_flag_response",
        help_text="Its property holding the variant's flag value.",
    )

    def clean_exposure_event(self) -> str:
        return self.cleaned_data["exposure_event"] or FLAG_EVENT

    def clean_flag_property(self) -> str:
        return self.cleaned_data["flag_property"] or FLAG_PROPERTY

    def clean_variant_property(self) -> str:
        return self.cleaned_data["variant_property"] or VARIANT_PROPERTY

    variants = forms.CharField(
        initial="Control:control:50\nTreatment:treatment:50",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, control first: name:flag value:percent (adding up to 100).",
    )
    metric_name = forms.CharField(max_length=200, label="Primary metric")
    metric_kind = forms.ChoiceField(choices=MetricKind.choices, label="Metric kind")
    metric_event = forms.CharField(
        max_length=200, required=False, label="Event", help_text="The outcome event, e.g. signup."
    )
    # The design, pre-registered when the experiment starts (conversion metrics).
    baseline = forms.FloatField(
        required=False, help_text="Plan: the control's conversion rate today, e.g. 0.10."
    )
    mde = forms.FloatField(
        required=False,
        label="Minimum detectable effect",
        help_text="Plan: the smallest absolute change worth detecting, e.g. 0.02.",
    )
    power = forms.FloatField(initial=0.8, min_value=0.01, max_value=0.99, required=False)
    alpha = forms.FloatField(
        initial=0.05, min_value=0.001, max_value=0.5, required=False, label="Significance"
    )
    cuped_days = forms.IntegerField(
        min_value=0,
        max_value=365,
        required=False,
        label="CUPED pre-period (days)",
        help_text="Adjust each metric by the same metric over this many days before a user's "
        "first exposure (e.g. 14); blank for none.",
    )

    def __init__(self, workspace: Workspace, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        area_field = self.fields["product_area"]
        assert isinstance(team_field, forms.ModelChoiceField)
        assert isinstance(area_field, forms.ModelChoiceField)
        team_field.queryset = Team.objects.for_workspace(workspace)
        area_field.queryset = ProductArea.objects.for_workspace(workspace)

    def clean_variants(self) -> list[VariantIn]:
        parsed = []
        for number, line in enumerate(self.cleaned_data["variants"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(":")]
            if len(parts) != 3 or not all(parts):
                raise forms.ValidationError(f"Line {number}: write name:flag value:percent.")
            try:
                split = Decimal(parts[2].rstrip("%"))
            except InvalidOperation:
                raise forms.ValidationError(
                    f"Line {number}: {parts[2]!r} is not a percentage."
                ) from None
            parsed.append(VariantIn(name=parts[0], key=parts[1], split=split))
        if len(parsed) < 2:
            raise forms.ValidationError("A control and at least one variant, one per line.")
        return parsed

    def metrics(self) -> list[MetricIn]:
        return [
            MetricIn(
                name=self.cleaned_data["metric_name"],
                kind=self.cleaned_data["metric_kind"],
                event_name=self.cleaned_data["metric_event"],
            )
        ]


class DesignForm(forms.Form):
    """The design calculator's inputs."""

    KIND_CHOICES = [("proportion", "A conversion rate"), ("mean", "A mean per user")]
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="proportion")
    baseline = forms.FloatField(initial=0.10, help_text="Conversion rate (0.10 = 10 %) or mean.")
    std_dev = forms.FloatField(required=False, label="Standard deviation", help_text="Means only.")
    mde = forms.FloatField(initial=0.02, label="Minimum detectable effect")
    relative = forms.BooleanField(required=False, label="Effect is relative to the baseline")
    power = forms.FloatField(initial=0.8, min_value=0.01, max_value=0.99)
    alpha = forms.FloatField(initial=0.05, min_value=0.001, max_value=0.5, label="Significance")
    arms = forms.IntegerField(initial=2, min_value=2, max_value=20)
    daily_users = forms.FloatField(
        required=False, min_value=0, help_text="Blank: the product's daily active users."
    )


class SummaryForm(forms.Form):
    """One arm's sums for one metric, typed in from another tool."""

    metric = forms.IntegerField(widget=forms.HiddenInput)
    variant = forms.IntegerField(widget=forms.HiddenInput)
    users = forms.IntegerField(min_value=0)
    total = forms.FloatField(min_value=0, help_text="Conversions, or the sum of the metric.")
    sum_squares = forms.FloatField(required=False, min_value=0)


class DecisionForm(forms.Form):
    """Ship, roll back or iterate, and why."""

    decision = forms.ChoiceField(choices=Decision.choices)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    learning = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="What the team learnt: kept as an insight in the research repository.",
    )


# Betas and launches --------------------------------------------------------------------


class ProgrammeForm(forms.Form):
    """A new beta programme."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    stage = forms.ChoiceField(choices=Stage.choices, initial=Stage.BETA)
    flag_key = forms.CharField(
        max_length=200, required=False, help_text="The feature flag the participant list is for."
    )
    usage_feature = forms.CharField(
        max_length=200,
        required=False,
        label="Feature in the usage data",
        help_text="Its feature key or event name in the usage events, to show participants' use.",
    )
    capacity = forms.IntegerField(min_value=1, max_value=100_000, required=False)


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)


class RecruitForm(forms.Form):
    """Who to invite: the finder's main criteria; consent for betas is always required."""

    segments = forms.ModelMultipleChoiceField(queryset=Segment.objects.none(), required=False)
    role = forms.CharField(
        required=False, max_length=64, help_text="Role or words in the job title, e.g. admin."
    )
    not_contacted_days = forms.IntegerField(
        label="Not contacted in (days)", required=False, min_value=0, max_value=3650
    )
    per_account = forms.IntegerField(
        label="At most per account", min_value=1, max_value=50, initial=2
    )
    limit = forms.IntegerField(label="How many to invite", min_value=1, max_value=500, initial=10)

    def __init__(self, workspace: Workspace, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["segments"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Segment.objects.for_workspace(workspace)

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            segment_ids=[s.pk for s in data["segments"]],
            role=data["role"],
            not_contacted_days=data["not_contacted_days"],
            per_account=data["per_account"] or 2,
            limit=data["limit"] or 10,
        )


class WaitlistForm(forms.Form):
    email = forms.EmailField(help_text="The contact's email, as the CRM has it.")


class LaunchForm(forms.Form):
    """A new launch, its checklist from a template, and its adoption target."""

    name = forms.CharField(max_length=200)
    planned_on = forms.DateField(
        label="Launch date", widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        help_text="Markdown. Starts from the playbook's launch plan template, if there is one.",
    )
    template = forms.ModelChoiceField(
        queryset=ChecklistTemplate.objects.none(),
        required=False,
        empty_label="The standard checklist",
    )
    programme = forms.ModelChoiceField(
        queryset=BetaProgramme.objects.none(), required=False, label="Beta programme"
    )
    experiment = forms.ModelChoiceField(queryset=Experiment.objects.none(), required=False)
    adoption_feature = forms.CharField(
        max_length=200,
        required=False,
        label="Feature in the usage data",
        help_text="Its feature key or event name, to measure adoption after launch.",
    )
    adoption_target = forms.DecimalField(
        label="Adoption target (% of active accounts)",
        required=False,
        min_value=Decimal("0.01"),
        max_value=100,
        decimal_places=2,
    )
    adoption_days = forms.IntegerField(
        label="Measured over (days)", min_value=1, max_value=365, initial=30
    )

    def __init__(self, workspace: Workspace, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, model in (
            ("template", ChecklistTemplate),
            ("programme", BetaProgramme),
            ("experiment", Experiment),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = model.objects.for_workspace(workspace)


class ItemForm(forms.Form):
    """Ticking a checklist item, with the evidence it asks for."""

    experiment = forms.IntegerField(required=False)
    programme = forms.IntegerField(required=False)
    url = forms.URLField(
        required=False, max_length=500, label="Signed-off document", assume_scheme="https"
    )
    note = forms.CharField(required=False, max_length=500)


class GoForm(forms.Form):
    decision = forms.ChoiceField(choices=GoDecision.choices)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Needed for a go while checklist items are open.",
    )


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=200)
    items = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="One item per line: Area | Title | evidence | days before the launch. "
        "Evidence is experiment, beta_feedback, document or blank.",
    )
