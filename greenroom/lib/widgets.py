"""Form widgets for pages drawn on every request.

Django renders each ``<option>`` of a select through two template includes (the option and its
attributes): a list page's filter bar with fifty options spent about ten milliseconds there,
most of the page's time. ``OptionsSelect`` writes the same HTML in Python, escaping with the
standard library's ``html.escape`` (what Django's ``escape`` does, without its lazy-string
wrapper, which alone cost more than the options).
"""

from html import escape

from django import forms
from django.utils.safestring import SafeString, mark_safe


def _attributes(attrs: dict) -> str:
    """HTML attributes as Django's ``attrs.html`` writes them: ``True`` alone, ``False`` and
    ``None`` left out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


class OptionsSelect(forms.Select):
    """A ``Select`` whose options are written without templates; the HTML is Django's own."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = "".join(
                f'<option value="{escape(str(option["value"]))}"'
                f"{_attributes(option['attrs'])}>{escape(str(option['label']))}</option>"
                for option in options
            )
            if group_name:
                rendered = f'<optgroup label="{escape(str(group_name))}">{rendered}</optgroup>'
            groups.append(rendered)
        attributes = _attributes(widget["attrs"])
        # Every value above is escaped.
        return mark_safe(
            f'<select name="{escape(str(widget["name"]))}"{attributes}>{"".join(groups)}</select>'
        )


class FilterForm(forms.Form):
    """The base of every list's filter form: its selects are ``OptionsSelect``s."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = OptionsSelect(attrs=field.widget.attrs, choices=field.widget.choices)
                field.widget.is_required = field.required
