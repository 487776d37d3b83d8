"""What sources adds to the shell: the sources list in the sidebar, their state on the data
overview, data freshness on the scorecard, finding a source by name, and naming the source
a job run is about on the jobs list."""

from django.urls import reverse

from greenroom import registry
from greenroom.accounts.models import User, Workspace
from greenroom.accounts.requests import MemberRequest
from greenroom.jobs.labels import argument_label_register
from greenroom.registry import Measure, NavEntry, OverviewCard, SearchProvider, SearchResult
from greenroom.sources import selectors
from greenroom.sources.choices import STATUS_TONE


def _summary(request: MemberRequest) -> dict:
    sources = list(selectors.source_list(workspace=request.workspace))
    return {"sources": [(source, STATUS_TONE.get(source.status, "muted")) for source in sources]}


def _search(*, workspace: Workspace, actor: User, query: str, limit: int) -> list:
    return [
        SearchResult(
            source.name,
            reverse("sources:detail", args=[source.pk]),
            "data source",
            source.get_kind_display(),
        )
        for source in selectors.source_search(workspace=workspace, query=query, limit=limit)
    ]


def _source_names(workspace: Workspace, ids: set[int]) -> dict[int, str]:
    return dict(
        selectors.source_list(workspace=workspace).filter(pk__in=ids).values_list("pk", "name")
    )


argument_label_register(job="*", argument="source_id", label="source", namer=_source_names)

registry.register(
    NavEntry("data", "Sources", "sources:list", weight=20),
    OverviewCard(
        key="data-sources",
        section="data",
        title="Data sources",
        weight=100,
        template="sources/_summary.html",
        context=_summary,
        wide=True,
    ),
    Measure(
        key="data-freshness",
        title="Data freshness",
        explanation="Enabled data sources whose data was last committed within 24 hours "
        "and whose last sync was not rejected or failed.",
        weight=500,
        compute=selectors.sources_fresh,
    ),
    SearchProvider(key="sources", title="Data sources", search=_search, weight=400),
)
