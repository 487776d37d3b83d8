"""Reads for data health and notable changes, always scoped to one workspace."""

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from greenroom import registry
from greenroom.accounts.choices import Role
from greenroom.accounts.models import Membership, User, Workspace
from greenroom.customers import selectors as customers
from greenroom.customers.models import Account
from greenroom.health import detection, discrepancies
from greenroom.health.freshness import Freshness, freshness
from greenroom.health.models import DashboardView, Finding
from greenroom.metrics import selectors as metrics
from greenroom.metrics import store
from greenroom.organisation import selectors as organisation
from greenroom.registry import Ratio
from greenroom.sources import selectors as sources
from greenroom.sources.choices import RunStatus
from greenroom.sources.models import Source, SyncRun

# How far back the page looks for syncs, rejected rows and dashboard views.
WINDOW = timedelta(days=30)
LARGEST = 10  # mismatches listed per check
FAILED = (RunStatus.FAILED, RunStatus.REJECTED, RunStatus.PARTLY_LOADED)


# --- sources ---------------------------------------------------------------------------


def source_health(*, workspace: Workspace, now: datetime | None = None) -> list[dict]:
    """Each source with its freshness against its schedule and its last sync."""
    now = now or timezone.now()
    rows = []
    for source in sources.source_list(workspace=workspace):
        state = freshness(
            schedule=source.schedule,
            last_synced_at=source.last_synced_at,
            last_run_failed=source.status in (RunStatus.FAILED, RunStatus.REJECTED),
            now=now,
        )
        rows.append({"source": source, "freshness": state})
    order = {"failing": 0, "late": 1, "invalid": 2, "never": 3, "fresh": 4, "manual": 5}
    return sorted(rows, key=lambda r: (order[r["freshness"].state], r["source"].name))


def _runs(workspace: Workspace) -> QuerySet[SyncRun]:
    return SyncRun.objects.filter(source__in=sources.source_list(workspace=workspace))


def failed_runs(*, workspace: Workspace, limit: int = 20) -> list[SyncRun]:
    """Syncs in the window that failed, were rejected or loaded only part, newest first."""
    since = timezone.now() - WINDOW
    return list(
        _runs(workspace)
        .filter(status__in=FAILED, started_at__gte=since)
        .select_related("source")
        .order_by("-started_at", "-pk")[:limit]
    )


def rows_over_time(*, workspace: Workspace) -> list[dict]:
    """Rows loaded per source per day in the window (tidy rows for a chart)."""
    since = timezone.now() - WINDOW
    totals: Counter = Counter()
    for name, started, loaded in (
        _runs(workspace)
        .filter(started_at__gte=since)
        .values_list("source__name", "started_at", "rows_loaded")
    ):
        totals[(name, timezone.localdate(started))] += loaded
    return [
        {"period": day, "source": name, "value": loaded, "status": "complete", "partial": False}
        for (name, day), loaded in sorted(totals.items(), key=lambda i: (i[0][1], i[0][0]))
    ]


def sources_freshness_list(*, workspace: Workspace) -> list[tuple[Source, Freshness]]:
    """(source, freshness) pairs, worst first: the data overview card."""
    return [(r["source"], r["freshness"]) for r in source_health(workspace=workspace)]


# --- discrepancies ---------------------------------------------------------------------


def _crm_accounts(workspace: Workspace) -> list[discrepancies.CrmAccount]:
    rows = Account.objects.for_workspace(workspace).values_list(
        "pk", "name", "lifecycle_stage", "crm_arr"
    )
    return [discrepancies.CrmAccount(pk, name, stage, arr) for pk, name, stage, arr in rows]


def crm_billing_checks(*, workspace: Workspace) -> dict:
    """The CRM against billing: churned but paying, customers without billing, ARR gaps;
    each the largest few and the count. ``None`` without billing data to compare with."""
    if not metrics.business_data_available(workspace=workspace):
        return {"available": False}
    accounts = _crm_accounts(workspace)
    billing: dict[int, Decimal] = customers.accounts_billing_arr(workspace=workspace)
    checks = {
        "churned_paying": discrepancies.churned_but_paying(accounts, billing),
        "customer_unbilled": discrepancies.customers_without_billing(accounts, billing),
        "arr": discrepancies.arr_mismatches(accounts, billing),
    }
    return {
        "available": bool(accounts),
        **{key: found[:LARGEST] for key, found in checks.items()},
        **{f"{key}_count": len(found) for key, found in checks.items()},
    }


def payroll_checks(*, workspace: Workspace) -> dict:
    """HR's loaded people cost per team against the ledger's payroll lines, for the last
    month both cover."""
    if not metrics.business_data_available(workspace=workspace):
        return {"available": False}
    with store.reader(workspace.pk) as connection:
        hr = connection.execute(
            """
            SELECT team, month, fte, people_cost FROM model.team_costs WHERE fte > 0
            """
        ).fetchall()
        ledger = connection.execute(
            """
            SELECT cost_centre, CAST(date_trunc('month', date) AS DATE), account,
                   coalesce(description, ''), CAST(amount AS DOUBLE), lower(currency)
            FROM (SELECT * FROM raw.costs QUALIFY row_number() OVER
                  (PARTITION BY entry_id ORDER BY _loaded_at DESC) = 1)
            """
        ).fetchall()
    reporting = workspace.reporting_currency.lower()
    payroll: dict[tuple[str, date], float] = defaultdict(float)
    other_currency = False
    for team, month, account, description, amount, currency in ledger:
        if discrepancies.is_payroll(account or "", description):
            if currency != reporting:
                other_currency = True
            payroll[(team, month)] += amount
    hr_cost = {(team, month): cost for team, month, _fte, cost in hr}
    people = {(team, month): fte for team, month, fte, _cost in hr}
    months = sorted({m for _t, m in payroll} & {m for _t, m in hr_cost})
    if not months:
        return {"available": True, "no_payroll": not payroll, "month": None, "rows": []}
    # The last month is often still running in the ledger: the last complete one is read.
    month = months[-2] if len(months) > 1 else months[-1]
    found = discrepancies.payroll_mismatches(hr_cost, payroll, people, month=month)
    return {
        "available": True,
        "no_payroll": False,
        "month": month,
        "rows": found[:LARGEST],
        "count": len(found),
        "other_currency": other_currency,
    }


# --- dashboard views -------------------------------------------------------------------


def dashboard_views_by_role(*, workspace: Workspace, days: int = 30) -> list[dict]:
    """Per dashboard: views and distinct members per role in the last ``days``."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        DashboardView.objects.for_workspace(workspace)
        .filter(viewed_at__gte=since)
        .values("dashboard", "role")
        .annotate(views=Count("id"), members=Count("user", distinct=True))
        .order_by("dashboard", "role")
    )
    table: dict[str, dict] = {}
    for row in rows:
        entry = table.setdefault(row["dashboard"], {"dashboard": row["dashboard"], "roles": {}})
        entry["roles"][row["role"]] = (row["views"], row["members"])
    for entry in table.values():
        entry["cells"] = [entry["roles"].get(code) for code in Role.values]
        entry["views"] = sum(views for views, _members in entry["roles"].values())
    return sorted(table.values(), key=lambda e: (-e["views"], e["dashboard"]))


def dashboard_readers(*, workspace: Workspace, days: int = 30, role: str = "") -> Ratio:
    """Members (of ``role``, or all) who opened a dashboard in the last ``days``, of all such
    members: how accessible the data is (a product ops success measure)."""
    since = timezone.now() - timedelta(days=days)
    viewers = DashboardView.objects.for_workspace(workspace).filter(viewed_at__gte=since)
    members = Membership.objects.for_workspace(workspace)
    if role:
        members = members.filter(role=role)
    counts = members.aggregate(
        readers=Count("id", filter=Q(user__in=viewers.values("user"))), members=Count("id")
    )
    return Ratio(counts["readers"], counts["members"])


# --- notable changes -------------------------------------------------------------------


def finding_list(
    *, workspace: Workspace, user: User | None = None, show: str = "open"
) -> QuerySet[Finding]:
    """The workspace's notable changes: open (not dismissed), followed by ``user``,
    dismissed, or all; newest period first."""
    rows = Finding.objects.for_workspace(workspace)
    if show == "open":
        rows = rows.filter(dismissed_at__isnull=True)
    elif show == "followed" and user is not None:
        rows = rows.filter(followers=user)
    elif show == "dismissed":
        rows = rows.filter(dismissed_at__isnull=False)
    return rows.annotate(
        followed=Count("followers", filter=Q(followers=user))
        if user
        else Count("pk", filter=Q(pk=None))
    ).order_by("-period", "-z", "-pk")


def finding_get(*, workspace: Workspace, pk: int) -> Finding:
    """One notable change of the workspace, or 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Finding.objects.for_workspace(workspace), pk=pk)


def newest_findings(*, workspace: Workspace, limit: int = 5) -> list[Finding]:
    """The newest open notable changes: the executive overview's card."""
    return list(
        Finding.objects.for_workspace(workspace)
        .filter(dismissed_at__isnull=True)
        .order_by("-period", "-found_at", "-pk")[:limit]
    )


def notables(
    *, workspace: Workspace, since: date, until: date, limit: int = 8
) -> list[registry.Notable]:
    """Open notable changes of the periods from ``since`` up to ``until`` (excluded), the
    strongest first: the board pack's and the weekly digest's insight feed."""
    rows = (
        Finding.objects.for_workspace(workspace)
        .filter(dismissed_at__isnull=True, period__gte=since, period__lt=until)
        .order_by("-period", "-found_at", "-pk")[: limit * 4]
    )
    strongest = sorted(rows, key=lambda row: (row.period, row.strength()), reverse=True)[:limit]
    return [
        registry.Notable(
            title=row.title,
            detail=row.summary,
            url=reverse("health:finding", args=[row.pk]),
            found_on=row.found_at.date(),
        )
        for row in strongest
    ]


def detect(*, workspace: Workspace) -> list[detection.Candidate]:
    """Every detector over the workspace's published metrics (empty without business data)."""
    if not metrics.business_data_available(workspace=workspace):
        return []
    found: list[detection.Candidate] = []
    products = organisation.product_names(workspace=workspace)
    reads = (
        ("logo_churn", ["segment"], detection.segment_churn),
        ("feature_adoption", ["product"], partial(detection.feature_adoption, products=products)),
        ("cost_to_revenue", ["product"], partial(detection.cost_vs_revenue, products=products)),
    )
    for name, by, detector in reads:
        try:
            rows = metrics.metric(name, workspace=workspace, by=by, grain="month").rows
        except Exception:
            continue
        found += detector(rows)
    usage, names = _large_account_usage(workspace)
    found += detection.account_usage(usage, names)
    return found


def _large_account_usage(workspace: Workspace) -> tuple[list[dict], dict[str, str]]:
    """Events per complete month for the largest accounts by their last month's MRR."""
    with store.reader(workspace.pk) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT schema_name || '.' || table_name FROM duckdb_tables()"
            ).fetchall()
        }
        if not {"rollup.user_days", "rollup.revenue_accounts"} <= tables:
            return [], {}
        bounds = connection.execute("SELECT max(day) FROM rollup.user_days").fetchone()
        last_day = bounds[0] if bounds else None
        cursor = connection.execute(
            """
            WITH last AS (SELECT max(period) AS period FROM rollup.revenue_accounts),
            largest AS (
                SELECT r.account_id FROM rollup.revenue_accounts r, last
                WHERE r.period = last.period AND r.mrr > 0
                ORDER BY r.mrr DESC, r.account_id LIMIT $n
            )
            SELECT coalesce(k.account_id, u.account_key) AS account_id,
                   CAST(date_trunc('month', u.day) AS DATE) AS period,
                   CAST(sum(u.events) AS BIGINT) AS events
            FROM rollup.user_days u LEFT JOIN model.account_keys k ON k.key = u.account_key
            JOIN largest l ON l.account_id = coalesce(k.account_id, u.account_key)
            WHERE u.account_key IS NOT NULL
            GROUP BY ALL ORDER BY 1, 2
            """,
            {"n": detection.LARGE_ACCOUNTS},
        )
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    running = _running_month(last_day)
    for row in rows:
        row["partial"] = row["period"] == running
    ids = {row["account_id"] for row in rows}
    named = customers.accounts_by_keys(workspace=workspace, keys=ids)
    return rows, {key: account.name for key, account in named.items()}


def _running_month(last_day: date | None) -> date | None:
    """The month ``last_day`` falls in when it is not that month's last day (still running)."""
    if last_day is None:
        return None
    if (last_day + timedelta(days=1)).month != last_day.month:
        return None
    return last_day.replace(day=1)
