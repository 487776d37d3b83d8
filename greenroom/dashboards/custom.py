"""Reads of custom dashboards: which a member may see, and each tile drawn through
``metrics.selectors`` with the same chart builders as the fixed dashboards.

A tile stores its metric, slice and filter by name. When one of them no longer exists (a
metric renamed, a segment gone from the data, a grain the metric stopped offering), the tile
is drawn as a short explanation of what is missing and what to do, never a server error.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet

from greenroom.accounts.models import Membership, User, Workspace
from greenroom.accounts.permissions import ABILITIES
from greenroom.dashboards import charts, periods
from greenroom.dashboards.choices import ChartType
from greenroom.dashboards.forms import DIMENSIONS
from greenroom.dashboards.models import CustomDashboard, Tile
from greenroom.metrics import selectors as metrics
from greenroom.organisation import selectors as organisation
from greenroom.organisation.models import Person

# Metrics whose rows are more than one figure per period and slice (per feature, per cohort
# week): their fixed dashboards draw them; a tile would draw a tangle.
_NOT_TILEABLE_COLUMNS = {"feature", "weeks_since"}


def team_ids_of(*, workspace: Workspace, user: User) -> set[int]:
    """The teams ``user`` is in: the person linked to their login, or else the person with
    their email (organisation imports carry emails, not logins); as strategy reads it."""
    people = Person.objects.for_workspace(workspace).filter(team__isnull=False)
    linked = set(people.filter(user=user).values_list("team_id", flat=True))
    if linked or not user.email:
        return linked
    by_email = people.filter(user__isnull=True, email__iexact=user.email)
    return set(by_email.values_list("team_id", flat=True))


def may_manage(membership: Membership | None) -> bool:
    return membership is not None and membership.has_role(ABILITIES["manage_dashboards"])


def custom_dashboard_list(
    *, workspace: Workspace, user: User, membership: Membership | None
) -> QuerySet[CustomDashboard]:
    """The custom dashboards ``user`` may read: all for product ops and admins; otherwise
    those published to one of their teams."""
    rows = CustomDashboard.objects.for_workspace(workspace).prefetch_related("teams")
    if may_manage(membership):
        return rows
    return rows.filter(teams__in=team_ids_of(workspace=workspace, user=user)).distinct()


def custom_dashboard_get(
    *, workspace: Workspace, user: User, membership: Membership | None, pk: int
) -> CustomDashboard | None:
    """One dashboard the user may read, with its tiles in order, or None."""
    tiles = Prefetch("tiles", queryset=Tile.objects.order_by("position", "pk"))
    return (
        custom_dashboard_list(workspace=workspace, user=user, membership=membership)
        .prefetch_related(tiles)
        .filter(pk=pk)
        .first()
    )


def tileable_metrics() -> list[dict]:
    """The metric definitions a tile may show (one figure per period and slice)."""
    return [
        d for d in metrics.metric_definitions() if not _NOT_TILEABLE_COLUMNS & set(d["columns"])
    ]


@dataclass
class TileView:
    """A tile as drawn: its chart (and headline for a number), or why it cannot be drawn."""

    tile: Tile
    title: str
    problem: str = ""
    chart: charts.Chart | None = None
    unit: str = "count"
    headline: dict | None = None
    slice_label: str = ""
    period_label: str = ""


def render_tile(
    tile: Tile, *, workspace: Workspace, as_of: date, values: dict[str, list[str]]
) -> TileView:
    """Read the tile's metric for its slice, grain and period and build its chart."""
    definitions = {d["name"]: d for d in metrics.metric_definitions()}
    definition = definitions.get(tile.metric)
    view = TileView(tile=tile, title=tile.title or tile.metric, slice_label=_slice_label(tile))
    if definition is None:
        view.problem = (
            f"This tile shows the metric “{tile.metric}”, which no longer exists. "
            "Product ops can edit the tile to choose another metric, or remove it."
        )
        return view
    view.title = tile.title or definition["title"]
    view.unit = definition["unit"]
    problem = _slice_problem(tile, definition, values)
    if problem:
        view.problem = problem
        return view
    try:
        period = periods.parse(tile.period, as_of=as_of)
    except periods.PeriodError as error:
        view.problem = f"{error} Product ops can edit the tile's period."
        return view
    view.period_label = period.label
    end = min(as_of, periods.month_add(period.last, 1) - timedelta(days=1))
    try:
        result = metrics.metric(
            tile.metric,
            workspace=workspace,
            by=[tile.by] if tile.by else [],
            where={tile.filter_dimension: [tile.filter_value]} if tile.filter_dimension else None,
            grain=tile.grain,
            period=(period.first, end),
        )
    except metrics.QueryError as error:
        view.problem = f"This tile cannot be computed: {error}"
        return view
    rows = result.rows
    if not rows:
        view.problem = (
            f"No {definition['title']} for {view.slice_label or 'everything'} in "
            f"{period.label}: nothing in the data matches."
        )
        return view
    if tile.by == "product":  # the data has products' keys; people know their names
        names = organisation.product_names(workspace=workspace)
        rows = [{**r, "product": names.get(r["product"], r["product"])} for r in rows]
    _draw(view, tile, definition, rows)
    return view


def _slice_label(tile: Tile) -> str:
    parts = []
    if tile.filter_dimension:
        parts.append(f"{tile.filter_dimension} {tile.filter_value}")
    if tile.by and f"by {tile.by}" not in (tile.title or "").lower():  # not said twice
        parts.append(f"by {tile.by}")
    return ", ".join(parts)


def _slice_problem(tile: Tile, definition: dict, values: dict[str, list[str]]) -> str:
    offered = set(definition["dimensions"]) & set(DIMENSIONS)
    if tile.by and tile.by not in offered:
        return (
            f"This tile slices {definition['title']} by “{tile.by}”, which the metric is no "
            "longer sliced by. Product ops can edit the tile to choose another slice."
        )
    if tile.filter_dimension:
        if tile.filter_dimension not in offered:
            return (
                f"This tile filters on “{tile.filter_dimension}”, which {definition['title']} "
                "no longer offers. Product ops can edit the tile to remove the filter."
            )
        if tile.filter_value not in values.get(tile.filter_dimension, []):
            return (
                f"This tile is for {tile.filter_dimension} “{tile.filter_value}”, which no "
                "longer exists in the data (renamed or removed at the last refresh). Product "
                "ops can edit the tile to choose another."
            )
    if tile.grain not in definition["grains"]:
        return (
            f"{definition['title']} is not counted per {tile.grain}: it offers "
            f"{', '.join(definition['grains'])}. Product ops can edit the tile's grain."
        )
    if tile.chart == ChartType.NUMBER and tile.by:
        return (
            "A headline number is one figure: this tile also slices by "
            f"“{tile.by}”. Product ops can edit the tile to filter instead."
        )
    if tile.chart == ChartType.RANKED and not tile.by:
        return "Bars by slice need a dimension to slice by. Product ops can edit the tile."
    if _NOT_TILEABLE_COLUMNS & set(definition["columns"]):
        return (
            f"{definition['title']} has several figures per period (per feature or cohort "
            "week) and cannot be drawn as a tile; its fixed dashboard shows it."
        )
    return ""


def _draw(view: TileView, tile: Tile, definition: dict, rows: list[dict]) -> None:
    by, unit, title = tile.by or None, definition["unit"], view.title
    columns = ("period", *([by] if by else []), "value", "status")
    if tile.chart == ChartType.RANKED and by:
        latest = _latest(rows)
        ranked = [{by: r[by], "value": r["value"]} for r in rows if r["period"] == latest]
        spec = charts.bar(title, ranked, category=by, unit=unit)
        view.chart = charts.Chart(
            f"tile-{tile.pk}", title, spec, ranked, (by, "value"), metric=tile.metric
        )
        return
    if tile.chart == ChartType.BAR and by:
        # Side by side: a tile knows nothing of whether its metric's slices add up.
        spec = charts.grouped_bar(title, rows, series=by, unit=unit, grain=tile.grain)
    elif tile.chart == ChartType.BAR:
        series_rows = [{**r, "series": title} for r in rows]
        spec = charts.stacked_bar(title, series_rows, series="series", unit=unit, grain=tile.grain)
    else:
        spec = charts.line(title, rows, unit=unit, series=by, grain=tile.grain)
    view.chart = charts.Chart(f"tile-{tile.pk}", title, spec, rows, columns, metric=tile.metric)
    if tile.chart == ChartType.NUMBER:
        view.headline = _headline(rows, grain=tile.grain)


def _latest(rows: list[dict]):
    complete = [r["period"] for r in rows if not r["partial"]]
    return max(complete) if complete else max(r["period"] for r in rows)


def period_name(period: date, grain: str) -> str:
    """A period's start as people name the period: 31 May 2026, week of 25 May 2026,
    May 2026, Q2 2026."""
    if grain == "day":
        return f"{period.day} {period:%b %Y}"
    if grain == "week":
        return f"week of {period.day} {period:%b %Y}"
    if grain == "quarter":
        return f"Q{(period.month - 1) // 3 + 1} {period.year}"
    return f"{period:%b %Y}"


def _headline(rows: list[dict], *, grain: str) -> dict:
    """The newest complete period's figure and its change on the period before (a number
    tile is never sliced ``by``: one figure per period); the running period, marked "to
    date", when none is complete yet, as on the fixed dashboards."""
    periods_seen = sorted({r["period"] for r in rows})
    complete = [p for p in periods_seen if not any(r["partial"] for r in rows if r["period"] == p)]
    latest = complete[-1] if complete else periods_seen[-1]
    index = periods_seen.index(latest)
    before = periods_seen[index - 1] if index > 0 else None

    def value(period) -> float | None:
        found = [r["value"] for r in rows if r["period"] == period]
        return found[0] if found else None

    now, then = value(latest), value(before) if before is not None else None
    change = None if now is None or not then else now / then - 1
    return {
        "value": now,
        "previous": then,
        "change": change,
        "period": latest,
        "label": period_name(latest, grain),
        "compared": period_name(before, grain) if before is not None else "",
        "partial": latest not in complete,
    }
