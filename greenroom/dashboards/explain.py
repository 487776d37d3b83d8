"""'Explain this number': a metric's meaning, formula, slice, sources with their freshness,
the query that produced it, and the accounts behind it where that makes sense."""

from datetime import date

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from greenroom.dashboards.selectors import COST_DIMENSIONS, with_names
from greenroom.metrics import selectors as metrics

# Metrics whose figure is made of accounts' movements: the accounts can be listed.
_ACCOUNT_MOVEMENTS = {
    "logo_churn": ("churn",),
    "mrr_movements": ("new", "expansion", "reactivation", "contraction", "churn"),
    "nrr": ("expansion", "contraction", "churn"),
    "grr": ("contraction", "churn"),
}
ACCOUNTS_SHOWN = 50
# Commonmark without raw HTML: the docs are ours, but nothing they contain is run as markup.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def render_markdown(text: str) -> SafeString:
    """Markdown (docs/metrics.md) as HTML; raw HTML in the source is escaped, not passed on."""
    return mark_safe(_MARKDOWN.render(text))


def _month(request, context: dict) -> date | None:
    given = request.GET.get("month", "")
    try:
        day = date.fromisoformat(given)
        return date(day.year, day.month, 1)
    except ValueError:
        if given:
            context.setdefault("problems", []).append(
                f"Ignored month={given[:20]!r}: write a date such as 2026-10-01."
            )
    scope = context.get("scope")
    return scope.reference if scope else None


def explain(request, name: str, context: dict) -> dict:
    """The explain page's context (``status`` 404 for a metric that does not exist)."""
    try:
        doc = metrics.metric_documentation(name)
    except metrics.QueryError as error:
        return {"status": 404, "missing": str(error)}
    out: dict = {
        "doc": doc,
        "docs_html": render_markdown(doc["section"]) if doc["section"] else "",
    }
    scope = context.get("scope")
    if scope is None:
        return out
    dimensions = set(doc["dimensions"])
    where = {k: v for k, v in scope.where.items() if k in dimensions}
    ignored = sorted(set(scope.where) - set(where))
    month = _month(request, context)
    grain = "month" if "month" in doc["grains"] else doc["default_grain"]
    result = metrics.metric(name, workspace=scope.workspace, where=where, grain=grain)
    row = next(
        (
            r
            for r in result.rows
            if hasattr(r.get("period"), "year")
            and date(r["period"].year, r["period"].month, 1) == month
        ),
        None,
    )
    out.update(
        month=month,
        where=where,
        ignored=ignored,
        row=row,
        extra=[(c, row.get(c)) for c in doc["columns"][2:-1] if row and c in row],
        freshness=result.freshness,
        lineage=result.lineage,
        sql=metrics.metric_sql(name, workspace=scope.workspace, where=where, grain=grain),
        query={"metric": name, "where": where, "grain": grain},
    )
    kinds = _ACCOUNT_MOVEMENTS.get(name)
    if kinds and month and grain == "month":
        moved = [
            m
            for m in metrics.account_movements(workspace=scope.workspace, month=month, where=where)
            if m["movement"] in kinds
        ]
        out.update(
            accounts=with_names(scope.workspace, moved[:ACCOUNTS_SHOWN]),
            accounts_total=len(moved),
            accounts_amount=sum(m["amount"] for m in moved),
            account_kinds=kinds,
        )
    if name in ("cost", "headcount") and set(scope.where) - set(COST_DIMENSIONS):
        out["cost_note"] = True
    return out
