import json

from django import forms

from greenroom.sources.choices import SourceKind
from greenroom.sources.schedule import HELP as SCHEDULE_HELP


class SourceForm(forms.Form):
    """Add a source: the common settings as fields, the rest as JSON."""

    name = forms.SlugField(max_length=80, help_text="Lower-case letters, digits, - and _.")
    kind = forms.ChoiceField(choices=SourceKind.choices)
    path = forms.CharField(
        required=False,
        help_text="An absolute file, folder or glob path in a folder the server allows "
        "(imports/ in the data folder unless configured). Leave empty to upload files instead.",
    )
    schedule = forms.CharField(required=False, max_length=60, help_text=SCHEDULE_HELP)
    quarantine = forms.BooleanField(
        required=False,
        label="Quarantine bad rows",
        help_text="Load the good rows and keep bad ones aside, instead of rejecting the file.",
    )
    extra = forms.CharField(
        required=False,
        label="Other settings (JSON)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='e.g. {"product_property": "app", "currency": "EUR"}; '
        "docs/import-formats.md lists them per kind.",
    )

    def clean_extra(self) -> dict:
        text = self.cleaned_data["extra"].strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"Not valid JSON: {error}") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Give a JSON object, { … }.")
        return value

    def settings(self) -> dict:
        """The source settings this form describes."""
        data = self.cleaned_data
        settings = dict(data["extra"])
        if data["path"]:
            settings["path"] = data["path"]
        if data["quarantine"]:
            settings["quarantine"] = True
        return settings


class UploadForm(forms.Form):
    """A file to load with the next sync."""

    file = forms.FileField(help_text="CSV, JSON lines (.jsonl, .json) or Parquet.")


def column_map_form(fields: list[str], required: set[str], columns: list[str], current: dict):
    """A form with one select per field, offering the file's columns."""
    choices = [("", "(match by name)")] + [(c, c) for c in columns]
    form_fields = {
        name: forms.ChoiceField(
            choices=choices,
            required=False,
            initial=current.get(name, ""),
            label=f"{name}{' (required)' if name in required else ''}",
        )
        for name in fields
    }
    return type("ColumnMapForm", (forms.Form,), form_fields)


class SourceEditForm(forms.Form):
    """Change a source: schedule, paused or not, and all its settings as JSON."""

    schedule = forms.CharField(required=False, max_length=60, help_text=SCHEDULE_HELP)
    enabled = forms.BooleanField(
        required=False, label="Sync on schedule", help_text="Untick to pause scheduled syncs."
    )
    settings = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="All settings as a JSON object; docs/import-formats.md lists them per kind.",
    )

    def clean_settings(self) -> dict:
        text = self.cleaned_data["settings"].strip() or "{}"
        try:
            value = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"Not valid JSON: {error}") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Give a JSON object, { … }.")
        return value
