from django import forms

from greenroom.accounts.choices import Role
from greenroom.accounts.models import Workspace


class UserInviteForm(forms.Form):
    """Add a member; they receive a link to choose their password."""

    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. “Warehouse sync”."
    )


class WorkspaceSettingsForm(forms.ModelForm):
    """The company's name and brand colour, as its board pack and digests show them."""

    class Meta:
        model = Workspace
        fields = ["name", "brand_colour"]
        labels = {"name": "Company name", "brand_colour": "Brand colour"}
        widgets = {"brand_colour": forms.TextInput(attrs={"type": "color"})}


class EmailPreferencesForm(forms.Form):
    """One box per registered kind of email; ticked means the member gets it."""

    def __init__(self, kinds, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind.key] = forms.BooleanField(
                label=kind.title, help_text=kind.description, required=False
            )

    def wanted(self) -> set[str]:
        return {key for key, on in self.cleaned_data.items() if on}
