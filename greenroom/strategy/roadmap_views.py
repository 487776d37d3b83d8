"""Pages of the roadmaps: a team's board (drag and drop, with a move form that works without
JavaScript; PNG), the list, the portfolio across teams (read-only for viewers; CSV, PDF and
PNG), an item's form with its evidence and history, the template, adherence and snapshots."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from greenroom import registry
from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.exports import export_response
from greenroom.lib.lists import Column, Listing, render_list
from greenroom.organisation.models import Team
from greenroom.registry import EvidenceKind
from greenroom.strategy import pdf, png, selectors, services
from greenroom.strategy.choices import DRIVERS, Scoring
from greenroom.strategy.forms import (
    MoveForm,
    RoadmapEvidenceForm,
    RoadmapItemForm,
    RoadmapTemplateForm,
    SnapshotDiffForm,
)
from greenroom.strategy.models import RoadmapItem

LINK = "link"
# Opportunities are linked directly (feedback is below strategy); a roadmap item is not
# evidence for another.
_NOT_EVIDENCE = {"opportunity", "roadmap-item"}


def may_edit_item(request: MemberRequest, item: RoadmapItem | None) -> bool:
    """Product ops edit any roadmap; a product manager their own team's."""
    if can(request, "manage_roadmaps"):
        return True
    if not can(request, "edit_team_roadmap"):
        return False
    if item is None:
        return True  # a new one: the form offers their teams only
    return item.team_id in selectors.team_ids_of(workspace=request.workspace, user=request.user)


def _item(request: MemberRequest, pk: int) -> RoadmapItem:
    item = selectors.roadmap_item_get(workspace=request.workspace, pk=pk)
    if item is None:
        raise Http404("No roadmap item with this id in this workspace.")
    return item


def _require_item(request: MemberRequest, item: RoadmapItem | None) -> None:
    if not may_edit_item(request, item):
        raise PermissionDenied("Only product ops and the item's own team may change it.")


@login_required
@ability_required("view")
def board(request: MemberRequest) -> HttpResponseBase:
    teams = list(Team.objects.for_workspace(request.workspace).order_by("name", "pk"))
    mine = selectors.team_ids_of(workspace=request.workspace, user=request.user)
    wanted = request.GET.get("team", "")
    team = next((t for t in teams if str(t.pk) == wanted), None)
    team = team or next((t for t in teams if t.pk in mine), None) or (teams[0] if teams else None)
    template = selectors.roadmap_template(workspace=request.workspace)
    columns = selectors.board(workspace=request.workspace, team_id=team.pk) if team else []
    items = [item for column in columns for item in column.items]
    warnings = selectors.dependency_warnings(items, template.columns)
    missing = {i.pk: selectors.missing_from_template(i, template.required) for i in items}
    if team is not None and request.GET.get("export") == "png":
        body = png.board_png(team=team.name, columns=columns, warnings=warnings, missing=missing)
        return _download(body, "image/png", f"roadmap-{slugify(team.name) or team.pk}.png")
    can_edit = team is not None and (
        can(request, "manage_roadmaps") or (can(request, "edit_team_roadmap") and team.pk in mine)
    )
    context = {
        "teams": teams,
        "team": team,
        "columns": columns,
        "template": template,
        "count": len(items),
        "warnings": warnings,
        "scores": selectors.item_scores(
            workspace=request.workspace, items=items, template=template
        ),
        "missing": missing,
        "can_edit": can_edit,
        "can_manage": can(request, "manage_roadmaps"),
        "can_add": can(request, "manage_roadmaps") or (can(request, "edit_team_roadmap") and mine),
    }
    return render(request, "strategy/roadmap_board.html", context)


COLUMNS = [
    Column("Item", "title", "title", value=lambda i: i.title),
    Column("Team", "team", "team__name", value=lambda i: i.team.name),
    Column("Column", "column", "column", value=lambda i: i.column),
    Column("Status", "status", "status", value=lambda i: i.get_status_display()),
    Column("Serves", value=lambda i: str(i.key_result or i.objective or i.initiative or "")),
    Column(
        "Key result status",
        value=lambda i: i.key_result.get_status_display() if i.key_result else "",
    ),
    Column(
        "Revenue unlocked",
        "revenue",
        "revenue_unlocked",
        value=lambda i: i.revenue_unlocked,
        numeric=True,
    ),
    Column("Cost reduced", "cost", "cost_reduced", value=lambda i: i.cost_reduced, numeric=True),
    Column("Market opened", value=lambda i: str(i.market_opened or "")),
    Column("Confidence", "confidence", "confidence", value=lambda i: i.confidence, numeric=True),
    Column("Score", value=lambda i: i.score.value, numeric=True),
    Column("Updated", "updated", "updated_at", value=lambda i: i.updated_at),
]


@login_required
@ability_required("view")
def item_list(request: MemberRequest) -> HttpResponseBase:
    template = selectors.roadmap_template(workspace=request.workspace)
    rows = selectors.roadmap_item_list(workspace=request.workspace)

    def prepare(page: list[RoadmapItem]) -> None:
        # Weighted scores are relative to the items scored together: the whole portfolio.
        scores = selectors.item_scores(
            workspace=request.workspace, items=list(rows), template=template
        )
        for item in page:
            item.score = scores[item.pk]  # type: ignore[attr-defined]

    listing = Listing(
        request,
        rows,
        columns=COLUMNS,
        default_sort="team",
        rows_template="strategy/roadmap_list.html#rows",
        export_name="roadmap-items",
        prepare=prepare,
        noun=("item", "items"),
    )
    if listing.export_format:
        return listing.export()
    return render_list(request, "strategy/roadmap_list.html", {"listing": listing})


@login_required
@ability_required("view")
def portfolio_view(request: MemberRequest) -> HttpResponseBase:
    group = request.GET.get("group", "intent")
    group = group if group in selectors.GROUPINGS else "intent"
    found = selectors.portfolio(workspace=request.workspace, group=group)
    export = request.GET.get("export", "")
    if export == "csv":
        return export_response(_portfolio_rows(found), filename="portfolio", format="csv")
    if export == "pdf":
        body = pdf.portfolio_pdf(portfolio=found, grouping=selectors.GROUPINGS[group])
        return _download(body, "application/pdf", "portfolio.pdf")
    if export == "png":
        body = png.portfolio_png(portfolio=found, grouping=selectors.GROUPINGS[group])
        return _download(body, "image/png", "portfolio.png")
    context = {"portfolio": found, "group": group, "groupings": selectors.GROUPINGS}
    return render(request, "strategy/roadmap_portfolio.html", context)


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _portfolio_rows(found: selectors.Portfolio):
    yield [
        "Group",
        "Item",
        "Team",
        "Column",
        "Status",
        "Serves",
        "Key result status",
        "Key result progress",
        "Warnings",
    ]
    for group in found.groups:
        for item in group.items:
            kr = item.key_result
            yield [
                group.label,
                item.title,
                item.team,
                item.column,
                item.get_status_display(),
                item.serves(),
                kr.get_status_display() if kr else "",
                kr.progress if kr else None,
                " ".join(found.warnings.get(item.pk, [])),
            ]


def _evidence_kinds() -> list[tuple[str, str]]:
    kinds = [
        (kind.key, kind.title)
        for kind in registry.entries(EvidenceKind)
        if kind.key not in _NOT_EVIDENCE
    ]
    return [(LINK, "A link with a note"), *kinds]


# Other apps' sections of an item's page (the decisions behind its changes), registered so
# that strategy never imports them.
ITEM_PAGE = "strategy.roadmap_item"


def _panels(request: MemberRequest, item: RoadmapItem) -> list[dict]:
    return [
        {"title": p.title, "template": p.template, "context": p.context(request, item)}
        for p in registry.panels(ITEM_PAGE)
        if can(request, p.ability)
    ]


@login_required
@ability_required("edit_team_roadmap")
def item_edit(request: MemberRequest, pk: int | None = None) -> HttpResponseBase:
    item = _item(request, pk) if pk is not None else None
    _require_item(request, item)
    template = selectors.roadmap_template(workspace=request.workspace)
    teams = None
    if not can(request, "manage_roadmaps"):
        teams = selectors.team_ids_of(workspace=request.workspace, user=request.user)
    initial = {}
    if item is None:
        initial = {"column": template.columns[-1], "team": request.GET.get("team")}
    form = RoadmapItemForm(
        request.POST or None,
        instance=copy.copy(item) if item else None,
        workspace=request.workspace,
        teams=teams,
        columns=template.columns,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.roadmap_item_save(
                actor=request.user,
                workspace=request.workspace,
                data=form.data_for_service(),
                instance=item,
                opportunities=list(form.cleaned_data["opportunities"]),
                dependencies=list(form.cleaned_data["dependencies"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved {saved}.")
            return redirect(f"{reverse('strategy:roadmap')}?team={saved.team_id}")
    context = {
        "form": form,
        "instance": item,
        "title": "roadmap item",
        "history": selectors.history(workspace=request.workspace, obj=item) if item else [],
        "panels": _panels(request, item) if item else [],
        "evidence_form": RoadmapEvidenceForm(_evidence_kinds()) if item else None,
        "missing": selectors.missing_from_template(item, template.required) if item else [],
        "back_url": reverse("strategy:roadmap"),
    }
    return render(request, "strategy/roadmap_item.html", context)


def _wants_json(request: MemberRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@login_required
@ability_required("edit_team_roadmap")
def item_move(request: MemberRequest, pk: int) -> HttpResponseBase:
    """Drag and drop posts here (answered in JSON); the move form too (redirected back)."""
    item = _item(request, pk)
    _require_item(request, item)
    form = MoveForm(request.POST)
    problem = ""
    if form.is_valid():
        try:
            services.roadmap_item_move(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as error:
            problem = " ".join(error.messages)
    else:
        problem = "Say which column to move the item to."
    if _wants_json(request):
        if problem:
            return JsonResponse({"error": problem}, status=400)
        return JsonResponse({"id": item.pk, "column": item.column, "position": item.position})
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, f"Moved “{item}” to {item.column}.")
    return redirect(f"{reverse('strategy:roadmap')}?team={item.team_id}")


@require_POST
@login_required
@ability_required("edit_team_roadmap")
def item_evidence(request: MemberRequest, pk: int) -> HttpResponseBase:
    item = _item(request, pk)
    _require_item(request, item)
    form = RoadmapEvidenceForm(_evidence_kinds(), request.POST)
    if form.is_valid():
        data = form.cleaned_data
        kind = next((k for k in registry.entries(EvidenceKind) if k.key == data["kind"]), None)
        try:
            services.roadmap_evidence_add(
                actor=request.user,
                item=item,
                kind=data["kind"],
                reference=data["reference"],
                url=data["url"],
                note=data["note"],
                resolve=kind.resolve if kind else None,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Evidence added.")
    else:
        messages.error(request, "The evidence was not added: choose a kind.")
    return redirect("strategy:roadmap_item", item.pk)


@login_required
@ability_required("manage_roadmaps")
def template_edit(request: MemberRequest) -> HttpResponseBase:
    template = selectors.roadmap_template(workspace=request.workspace)
    form = RoadmapTemplateForm.for_template(template, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.roadmap_template_save(
                actor=request.user, workspace=request.workspace, data=form.data_for_service()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Saved the roadmap template.")
            return redirect("strategy:roadmap_template")
    history = selectors.history(workspace=request.workspace, obj=template) if template.pk else []
    return render(
        request,
        "strategy/roadmap_template.html",
        {"form": form, "history": history, "drivers": DRIVERS, "weighted": Scoring.WEIGHTED},
    )


@login_required
@ability_required("manage_roadmaps")
def adherence(request: MemberRequest) -> HttpResponseBase:
    template = selectors.roadmap_template(workspace=request.workspace)
    rows = selectors.adherence(workspace=request.workspace)
    context = {
        "rows": rows,
        "required": selectors.template_field_labels(template.required),
        "share": selectors.ON_STANDARD_SHARE,
        "days": selectors.ON_STANDARD_DAYS,
        "on_standard": sum(1 for row in rows if row.on_standard),
    }
    return render(request, "strategy/roadmap_adherence.html", context)


@login_required
@ability_required("view")
def snapshots(request: MemberRequest) -> HttpResponseBase:
    if request.method == "POST":
        if not can(request, "manage_roadmaps"):
            raise PermissionDenied("Only product ops take roadmap snapshots.")
        taken = services.roadmap_snapshot_take(actor=request.user, workspace=request.workspace)
        messages.success(request, f"Snapshot “{taken}” taken.")
        return redirect("strategy:roadmap_snapshots")
    rows = list(selectors.snapshot_list(workspace=request.workspace)[:40])
    diff, before, after = None, None, None
    form = SnapshotDiffForm(request.GET or None)
    if form.is_valid():
        by_pk = {s.pk: s for s in rows}
        before, after = by_pk.get(form.cleaned_data["a"]), by_pk.get(form.cleaned_data["b"])
        if before and after:
            diff = selectors.snapshot_diff(before=before, after=after)
    elif len(rows) >= 2:
        before, after = rows[1], rows[0]
        diff = selectors.snapshot_diff(before=before, after=after)
    context = {
        "snapshots": rows,
        "diff": diff,
        "before": before,
        "after": after,
        "can_take": can(request, "manage_roadmaps"),
    }
    return render(request, "strategy/roadmap_snapshots.html", context)
