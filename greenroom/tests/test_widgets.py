"""OptionsSelect writes what Django's own Select writes, only faster."""

from django import forms

from greenroom.lib.widgets import FilterForm, OptionsSelect

CHOICES = [
    ("", "Any"),
    ("a&b", 'Tom "&" Jerry <script>'),
    ("Group", [("g1", "First"), ("g2", "Second")]),
    (3, "Three"),
]


def _both(value, attrs=None) -> tuple[str, str]:
    django_select = forms.Select(attrs=attrs, choices=CHOICES)
    ours = OptionsSelect(attrs=attrs, choices=CHOICES)
    return (
        django_select.render("pick", value, attrs={"id": "id_pick"}),
        ours.render("pick", value, attrs={"id": "id_pick"}),
    )


def _normalised(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines())


def test_it_writes_the_same_html_as_djangos_select():
    for value in ("", "a&b", "g2", 3, None, "missing"):
        theirs, ours = _both(value, attrs={"class": "wide", "disabled": True, "hidden": False})
        assert _normalised(ours) == _normalised(theirs), value


def test_it_escapes_labels_and_values():
    _, ours = _both("a&b")
    assert "<script>" not in ours
    assert 'value="a&amp;b" selected' in ours


class _Filters(FilterForm):
    kind = forms.ChoiceField(choices=[("", "Any"), ("x", "X")], required=False)
    level = forms.TypedChoiceField(choices=[(1, "One")], coerce=int, required=False)
    q = forms.CharField(required=False)


def test_it_swaps_every_select_of_a_filter_form_and_keeps_its_value():
    form = _Filters({"kind": "x"})
    assert isinstance(form.fields["kind"].widget, OptionsSelect)
    assert isinstance(form.fields["level"].widget, OptionsSelect)
    assert not isinstance(form.fields["q"].widget, OptionsSelect)
    assert form.is_valid()
    assert '<option value="x" selected>X</option>' in str(form["kind"])
