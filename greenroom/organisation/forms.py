from django import forms
from django.forms import modelform_factory

from greenroom.accounts.models import Workspace
from greenroom.organisation.kinds import Kind


def entity_form_class(kind: Kind) -> type[forms.ModelForm]:
    """A ModelForm for a kind, with date inputs the browser can pick from."""
    widgets = {
        name: forms.DateInput(attrs={"type": "date"})
        for name in kind.fields
        if kind.model._meta.get_field(name).get_internal_type() == "DateField"
    }
    widgets.update(
        {name: forms.Textarea(attrs={"rows": 3}) for name in kind.fields if name == "description"}
    )
    return modelform_factory(kind.model, fields=kind.fields, widgets=widgets)


def entity_form(kind: Kind, workspace: Workspace, **kwargs) -> forms.ModelForm:
    """A form for a kind whose choices of related rows are limited to the workspace."""
    form = entity_form_class(kind)(**kwargs)
    for name, target in kind.references.items():
        form.fields[name].queryset = target.objects.for_workspace(workspace)
    # Uniqueness is per workspace; validate_unique needs the workspace set before it runs.
    form.instance.workspace = workspace
    return form
