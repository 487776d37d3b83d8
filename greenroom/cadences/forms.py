from typing import Any, cast

from django import forms

from greenroom.accounts.choices import Role
from greenroom.accounts.models import Membership, User, Workspace
from greenroom.cadences.choices import OutcomeVerdict, TemplateKind
from greenroom.cadences.models import Tool
from greenroom.organisation.models import ProductArea

DECIDER_ROLES = (Role.PRODUCT_MANAGER, Role.PRODUCT_OPS, Role.ADMIN)


def _members(workspace: Workspace, roles=None):
    rows = Membership.objects.filter(workspace=workspace)
    if roles:
        rows = rows.filter(role__in=roles)
    return User.objects.filter(pk__in=rows.values("user_id")).order_by("username")


def _field(form: forms.BaseForm, name: str) -> Any:
    """A choice field of ``form``, whose queryset is set per workspace."""
    return cast(forms.ModelChoiceField, form.fields[name])


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class UsersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class DecisionForm(forms.Form):
    question = forms.CharField(max_length=500, widget=forms.TextInput)
    decider = UserChoice(
        queryset=User.objects.none(),
        required=False,
        help_text="Who decides: only they can record the decision.",
    )
    options = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="One option a line."
    )
    area = forms.ModelChoiceField(queryset=ProductArea.objects.none(), required=False)
    consulted = UsersChoice(queryset=User.objects.none(), required=False)
    record = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        label="Decision record",
        help_text="Markdown, from the playbook's decision-record template: the narrative.",
    )

    def __init__(self, workspace: Workspace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _field(self, "decider").queryset = _members(workspace, DECIDER_ROLES)
        _field(self, "consulted").queryset = _members(workspace)
        _field(self, "area").queryset = ProductArea.objects.for_workspace(workspace)


class DecideForm(forms.Form):
    option = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    expected_outcome = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Optional: what should follow, to compare with what does.",
    )
    review_on = forms.DateField(
        required=False,
        label="Review the outcome on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: the day to look back; the decision log lists it when it passes.",
    )


class RecordForm(forms.Form):
    record = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        label="Decision record",
        help_text="Markdown.",
    )


class OutcomeForm(forms.Form):
    verdict = forms.ChoiceField(choices=OutcomeVerdict.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened, against what was expected.",
    )


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField()
    reference = forms.CharField(
        max_length=500, help_text="A metric name (mrr, nrr, logo_churn...) or a URL."
    )
    label = forms.CharField(max_length=300, required=False, help_text="A note: what it shows.")

    def __init__(self, kinds: list[tuple[str, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds


class ChangeForm(forms.Form):
    """Pick a roadmap change the decision caused, from those made since it was raised."""

    def __init__(self, choices: list[tuple[int, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change"] = forms.TypedChoiceField(
            coerce=int, choices=choices, label="Roadmap change"
        )


class ReopenForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class TemplateForm(forms.Form):
    required_sections = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One heading a line: saving is refused while the template lacks one.",
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 18}), help_text="Markdown.")


class GuideForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 18}), help_text="Markdown.")


class ToolForm(forms.ModelForm):
    class Meta:
        model = Tool
        fields = [
            "name",
            "owner",
            "purpose",
            "category",
            "why_chosen",
            "annual_cost",
            "currency",
            "seats",
            "renewal_date",
        ]
        widgets = {
            "renewal_date": forms.DateInput(attrs={"type": "date"}),
            "why_chosen": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, workspace: Workspace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _field(self, "owner").queryset = _members(workspace)


class ReplaceForm(forms.Form):
    replaced_by = forms.ModelChoiceField(queryset=Tool.objects.none())
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, workspace: Workspace, tool: Tool, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _field(self, "replaced_by").queryset = Tool.objects.for_workspace(workspace).exclude(
            pk=tool.pk
        )


class SeatsForm(forms.Form):
    file = forms.FileField(help_text="CSV or XLSX with the columns email and last login.")


class CadenceForm(forms.Form):
    name = forms.CharField(max_length=200)
    rrule = forms.CharField(
        label="Recurrence rule",
        max_length=500,
        help_text="RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=1TU (first Tuesday of each month).",
    )
    starts_at = forms.DateTimeField(
        label="First occurrence (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(min_value=5, max_value=24 * 60, initial=60)
    attendees = UsersChoice(queryset=User.objects.none(), required=False)
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False)
    required_inputs = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="One input a line."
    )

    def __init__(self, workspace: Workspace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _field(self, "attendees").queryset = _members(workspace)


class ActionForm(forms.Form):
    title = forms.CharField(max_length=300)
    owner = UserChoice(queryset=User.objects.none())
    due = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, workspace: Workspace, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _field(self, "owner").queryset = _members(workspace)


TEMPLATE_KINDS = TemplateKind.choices


# ---------------------------------------------------------------------------- onboarding


class ProgrammeForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Markdown."
    )
    steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One step a line: kind: title | link | due after days. Kinds: reading, task, "
        "shadowing, first roadmap. E.g. “reading: Our product strategy | "
        "https://wiki.example/strategy | 7”.",
    )


class AssignForm(forms.Form):
    user = UserChoice(queryset=User.objects.none(), label="New product manager")
    started_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Started on")

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "user").queryset = _members(workspace, DECIDER_ROLES)


class StepDoneForm(forms.Form):
    note = forms.CharField(max_length=500, required=False, label="Link or note")


# ---------------------------------------------------------------------------- the scorecard


class PulseForm(forms.Form):
    strategic_percent = forms.IntegerField(
        min_value=0,
        max_value=100,
        label="Share of your time on strategic work this month (%)",
        help_text="Strategic: discovery, strategy, roadmaps, research, talking to customers. "
        "Operational: status updates, firefighting, reporting, tool admin, chasing approvals.",
    )
    comment = forms.CharField(
        max_length=500, required=False, label="Anything that took your time (optional)"
    )


class BaselineForm(forms.Form):
    """One optional number per measure: blank clears the baseline."""

    def __init__(self, lines: list, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for line in lines:
            self.fields[line.measure.key] = forms.FloatField(
                required=False,
                label=f"{line.name} ({line.unit})",
                initial=line.baseline.value if line.baseline else None,
                help_text="Now: "
                + (f"{line.current:g} {line.unit}" if line.current is not None else "no data yet"),
            )
