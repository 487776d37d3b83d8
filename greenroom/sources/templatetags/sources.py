from django import template

from greenroom.sources import selectors
from greenroom.sources.choices import STATUS_TONE

register = template.Library()


@register.inclusion_tag("sources/_summary.html", takes_context=True)
def sources_summary(context) -> dict:
    """The workspace's sources in brief: status and freshness of each, for overview pages."""
    request = context["request"]
    sources = list(selectors.source_list(workspace=request.workspace))
    for source in sources:
        source.tone = STATUS_TONE.get(source.status, "muted")
    return {"sources": sources}
