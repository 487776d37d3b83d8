from django import template

register = template.Library()


@register.filter
def attribute(row, name: str):
    """The value of ``row.<name>`` for a generic table cell; empty values show as a dash."""
    value = getattr(row, name, None)
    return "—" if value in (None, "") else value
