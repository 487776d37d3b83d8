"""The research forms: a study, a note (typed or uploaded), a highlight, an insight, the
participant finder's choices, the search filters and the insights list's filters."""

from django import forms
from django.core.exceptions import ValidationError

from greenroom.accounts.models import Workspace
from greenroom.feedback.models import FeedbackItem, Tag
from greenroom.lib.widgets import FilterForm
from greenroom.research.choices import Confidence, DocumentKind, Method, NoteKind
from greenroom.research.models import NoteHighlight, Study

DATE = forms.DateInput({"type": "date"})


def _tags(field: forms.Field, workspace: Workspace) -> None:
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = Tag.objects.for_workspace(workspace).order_by("name")


class StudyForm(forms.Form):
    title = forms.CharField(max_length=200)
    question = forms.CharField(
        widget=forms.Textarea({"rows": 3}), help_text="What you want to learn."
    )
    method = forms.ChoiceField(choices=Method.choices)
    starts_on = forms.DateField(required=False, label="Starts", widget=DATE)
    ends_on = forms.DateField(required=False, label="Ends", widget=DATE)
    plan = forms.CharField(
        required=False,
        widget=forms.Textarea({"rows": 12}),
        help_text="Markdown. Starts from the playbook's research plan template, if there is one.",
    )


class NoteForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, help_text="Empty: the file's name.")
    kind = forms.ChoiceField(choices=NoteKind.choices)
    body = forms.CharField(
        widget=forms.Textarea({"rows": 10}),
        required=False,
        max_length=2_000_000,
        label="Text",
        help_text="Markdown. Or upload a file instead.",
    )
    file = forms.FileField(required=False, help_text="A .txt or .md file (at most 2 MB).")

    def clean(self) -> dict:
        data = super().clean() or {}
        if not data.get("body") and not data.get("file"):
            raise ValidationError("Type the notes or upload a file.")
        return data


class HighlightForm(forms.Form):
    passage = forms.CharField(
        widget=forms.Textarea({"rows": 3}),
        help_text="Select text in the note (or paste it): the exact words are kept.",
    )
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, workspace: Workspace, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _tags(self.fields["tags"], workspace)


class PassageChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"“{obj.passage()[:140]}” ({obj.note.title})"


class InsightForm(forms.Form):
    statement = forms.CharField(max_length=300, help_text="What was learnt, in one sentence.")
    detail = forms.CharField(widget=forms.Textarea({"rows": 4}), required=False)
    confidence = forms.TypedChoiceField(
        choices=Confidence.choices, coerce=int, initial=Confidence.MEDIUM
    )
    highlights = PassageChoiceField(
        queryset=NoteHighlight.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Supporting passages",
    )
    feedback = forms.CharField(
        required=False,
        label="Supporting feedback",
        help_text="Numbers of feedback items, separated by commas (e.g. 12, 40).",
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, workspace: Workspace, study: Study | None, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        highlights = self.fields["highlights"]
        assert isinstance(highlights, forms.ModelMultipleChoiceField)
        if study is not None:
            highlights.queryset = NoteHighlight.objects.filter(note__study=study).select_related(
                "note"
            )
        _tags(self.fields["tags"], workspace)

    def clean_feedback(self) -> list[FeedbackItem]:
        raw = self.cleaned_data.get("feedback", "")
        numbers = [part.strip().lstrip("#") for part in raw.replace(";", ",").split(",")]
        numbers = [n for n in numbers if n]
        if any(not n.isdigit() for n in numbers):
            raise ValidationError("Give feedback items by their numbers, e.g. 12, 40.")
        ids = {int(n) for n in numbers}
        found = list(FeedbackItem.objects.for_workspace(self.workspace).filter(pk__in=ids))
        missing = sorted(ids - {item.pk for item in found})
        if missing:
            raise ValidationError(f"No feedback item {', '.join(map(str, missing))} here.")
        return found


class FindParticipantsForm(forms.Form):
    limit = forms.IntegerField(min_value=1, max_value=200, initial=10, label="How many")
    per_account = forms.IntegerField(
        min_value=1, max_value=20, initial=2, label="At most per account"
    )
    not_contacted_days = forms.IntegerField(
        min_value=0,
        max_value=3650,
        initial=30,
        required=False,
        label="Not contacted for (days)",
    )


class SearchForm(FilterForm):
    """The research search's filters; every field but the words is optional."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=300,
        widget=forms.TextInput({"type": "search", "placeholder": 'Words, "a phrase", -not'}),
    )
    kind = forms.ChoiceField(choices=[("", "Everything"), *DocumentKind.choices], required=False)
    tag = forms.ModelChoiceField(queryset=Tag.objects.none(), required=False, empty_label="Any")
    since = forms.DateField(required=False, label="From", widget=DATE)
    until = forms.DateField(required=False, label="To", widget=DATE)

    def __init__(self, workspace: Workspace, data=None) -> None:
        super().__init__(data)
        _tags(self.fields["tag"], workspace)

    def values(self) -> dict:
        if self.is_bound:
            self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}


class InsightFilterForm(FilterForm):
    study = forms.ModelChoiceField(queryset=Study.objects.none(), required=False, empty_label="Any")
    tag = forms.ModelChoiceField(queryset=Tag.objects.none(), required=False, empty_label="Any")
    confidence = forms.TypedChoiceField(
        choices=[("", "Any"), *Confidence.choices], coerce=int, required=False, empty_value=None
    )

    def __init__(self, workspace: Workspace, data=None) -> None:
        super().__init__(data)
        study = self.fields["study"]
        assert isinstance(study, forms.ModelChoiceField)
        study.queryset = Study.objects.for_workspace(workspace)
        _tags(self.fields["tag"], workspace)

    def values(self) -> dict:
        if self.is_bound:
            self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}
