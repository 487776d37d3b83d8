"""Writes to the analytics store: the refresh, and publishing models to a warehouse."""

import logging
from collections.abc import Callable
from datetime import date

import ibis
from django.conf import settings

from greenroom.accounts.models import Workspace
from greenroom.metrics import signals, store
from greenroom.metrics.model import Reference
from greenroom.metrics.refresh import RefreshReport, refresh_connection
from greenroom.organisation.models import Market, Product, ProductArea

logger = logging.getLogger(__name__)


def reference_for(*, workspace: Workspace) -> Reference:
    """The organisation facts the model needs: product keys, markets, team ownership."""
    products = list(
        Product.objects.for_workspace(workspace).select_related("owner_team").order_by("key")
    )
    markets = [
        (code, market.name, market.region.name)
        for market in Market.objects.for_workspace(workspace).select_related("region")
        for code in market.country_codes()
    ]
    return Reference(
        reporting_currency=workspace.reporting_currency,
        products=[(p.key, p.name, p.owner_team.name if p.owner_team else "") for p in products],
        markets=markets,
        team_products=_team_products(workspace, products),
    )


def _team_products(workspace: Workspace, products: list[Product]) -> list[tuple]:
    # A team's cost is shared equally among the areas it owns; a team that owns a product
    # but none of its areas carries the product as one share.
    shares: dict[str, list[tuple[str, str]]] = {}
    areas = ProductArea.objects.for_workspace(workspace).filter(owner_team__isnull=False)
    for area in areas.select_related("product", "owner_team"):
        shares.setdefault(area.owner_team.name, []).append((area.product.key, area.name))
    for product in products:
        if product.owner_team is None:
            continue
        owned = shares.setdefault(product.owner_team.name, [])
        if not any(key == product.key for key, _ in owned):
            owned.append((product.key, ""))
    return [
        (team, key, area, 1.0 / len(owned))
        for team, owned in sorted(shares.items())
        for key, area in owned
    ]


def metrics_refresh(
    *,
    workspace: Workspace,
    full: bool = False,
    as_of: date | None = None,
    progress: Callable[[str], None] = logger.info,
) -> RefreshReport:
    """Refresh the workspace's model and rollup layers (as of ``as_of``, else as of the end of
    each family's data), publish them to the warehouse if one is set, then switch readers to
    them."""
    reference = reference_for(workspace=workspace)
    with store.writer(workspace.pk) as connection:
        report = refresh_connection(
            connection,
            reference=reference,
            as_of=as_of,
            full=full,
            progress=progress,
        )
        if settings.ANALYTICS_URL != "duckdb":
            progress(f"Publishing model and rollup tables to {_redacted(settings.ANALYTICS_URL)}")
            publish(
                connection,
                store.warehouse(settings.ANALYTICS_URL),
                schemas=warehouse_schemas(workspace.pk),
            )
        progress("Switching readers to the refreshed metrics")
        store.publish(connection, workspace.pk)
    # Outside the writer: listeners (apps above metrics) read the snapshot just published.
    signals.refreshed_notify(workspace=workspace, progress=progress)
    return report


def warehouse_schemas(workspace_id: int) -> dict[str, str]:
    """Where a workspace's model and rollup tables live on a warehouse."""
    return {schema: store.warehouse_schema(workspace_id, schema) for schema in ("model", "rollup")}


def publish(
    connection, backend: ibis.BaseBackend, *, schemas: dict[str, str] | None = None
) -> list[str]:
    """Copy every model and rollup table from the store into ``backend``, replacing them;
    ``schemas`` renames the schemas there (one pair per workspace)."""
    schemas = schemas or {"model": "model", "rollup": "rollup"}
    tables = connection.execute(
        """
        SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_catalog = current_database()
          AND table_schema IN ('model', 'rollup') AND table_type = 'BASE TABLE'
        ORDER BY 1, 2
        """
    ).fetchall()
    for schema in ("model", "rollup"):
        backend.create_database(schemas[schema], force=True)
    for schema, name in tables:
        data = connection.execute(f'SELECT * FROM {schema}."{name}"').to_arrow_table()
        if backend.name == "pyspark":
            # Ibis goes through pandas for Spark and turns missing strings into "NaN";
            # Spark 4 reads Arrow directly and keeps them missing.
            frame = backend._session.createDataFrame(data)
            frame.write.mode("overwrite").saveAsTable(f"{schemas[schema]}.{name}")
        else:
            backend.create_table(name, obj=data, database=schemas[schema], overwrite=True)
    return [f"{schemas[schema]}.{name}" for schema, name in tables]


def _redacted(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
