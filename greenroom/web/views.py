from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from greenroom import registry
from greenroom.accounts.permissions import ability_required
from greenroom.accounts.requests import MemberRequest
from greenroom.web import selectors
from greenroom.web.forms import MIN_QUERY, SearchForm
from greenroom.web.shell import cards_for, section_get, visible

# Results per provider: a glance in the box, more on the search page.
BOX_RESULTS = 5
PAGE_RESULTS = 25


@login_required
@ability_required("view")
def home(request: MemberRequest) -> HttpResponse:
    return render(request, "web/home.html", {"cards": cards_for(request, "home")})


@login_required
@ability_required("view")
def overview(request: MemberRequest, section: str) -> HttpResponse:
    context = {"section": section_get(section), "cards": cards_for(request, section)}
    return render(request, "web/overview.html", context)


@login_required
@ability_required("view")
def search(request: MemberRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    groups = []
    if len(query) >= MIN_QUERY:
        groups = selectors.search(
            workspace=request.workspace,
            actor=request.user,
            query=query,
            providers=visible(request, registry.entries(registry.SearchProvider)),
            limit=BOX_RESULTS if request.htmx else PAGE_RESULTS,
        )
    context = {"form": form, "query": query, "groups": groups, "min_query": MIN_QUERY}
    template = "web/search.html" + ("#results" if request.htmx else "")
    return render(request, template, context, status=200 if form.is_valid() else 400)
