"""Stripe's REST API: customers, subscriptions and invoices, incrementally by ``created``.

Built on dlt's RESTClient (retries with backoff on 5xx and connection errors, timeouts) with
Stripe's own pagination: ``starting_after`` the last id while ``has_more``. Each object type
is one batch: every page is fetched first, then the batch is committed with the new cursor
(the newest ``created`` seen), so an interrupted sync re-reads from the old cursor and the
merge makes the repeat harmless. ``created[gte]`` (not gt) keeps objects created in the
same second as the cursor; they are merged again, not duplicated.

Limitation (Stripe's, documented): a ``created`` cursor does not see later changes to old
objects (a subscription cancelled today but created last year). A full re-sync
(``--full``) re-reads everything.
"""

import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

from greenroom.sources.connectors.base import Batch, Connector
from greenroom.sources.connectors.files import scan
from greenroom.sources.connectors.stripe import prepare_objects, stripe_input_checks, stripe_stages

logger = logging.getLogger(__name__)

OBJECTS = {
    "customers": {},
    "subscriptions": {"status": "all"},
    "invoices": {},
}
DEFAULT_BASE_URL = "https://api.stripe.com"


class StartingAfterPaginator(BasePaginator):
    """Stripe's cursor pagination: ``starting_after`` = the last object's id."""

    def __init__(self) -> None:
        super().__init__()
        self.last_id: str | None = None

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        body = response.json()
        items = body.get("data") or []
        if body.get("has_more") and items:
            self.last_id = items[-1]["id"]
        else:
            self._has_next_page = False

    def update_request(self, request: Request) -> None:
        # Only ever set as a dict by this paginator and dlt's client.
        params = request.params if isinstance(request.params, dict) else {}
        request.params = {**params, "starting_after": self.last_id}


class StripeApiConnector(Connector):
    """Reads customers, subscriptions and invoices from Stripe's API (or a compatible URL)."""

    kind = "stripe_api"
    tables = (
        "stripe_customers",
        "stripe_subscriptions",
        "stripe_subscription_items",
        "stripe_invoices",
        "stripe_invoice_lines",
    )

    def client(self) -> RESTClient:
        key_env = self.settings.get("api_key_env") or "STRIPE_API_KEY"
        key = os.environ.get(key_env, "")
        if not key:
            raise RuntimeError(
                f"No Stripe API key: set the environment variable {key_env} "
                "(the source's api_key_env setting names it)."
            )
        session = Client(
            request_timeout=float(self.settings.get("timeout_s", 30)),
            request_max_attempts=int(self.settings.get("max_attempts", 5)),
            request_backoff_factor=float(self.settings.get("backoff_s", 1)),
            request_max_retry_delay=30,
        ).session
        return RESTClient(
            base_url=self.settings.get("base_url") or DEFAULT_BASE_URL,
            auth=BearerTokenAuth(key),
            session=session,
            data_selector="data",
        )

    def batches(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        client = self.client()
        wanted = self.settings.get("objects") or list(OBJECTS)
        for name in wanted:
            since = cursor.get("created", {}).get(name)
            path, newest, count = self._fetch(client, name, since)
            yield Batch(
                label=f"{name} (created ≥ {since or 'the start'})",
                prepare=_prepare_from(path),
                stages=stripe_stages(),
                input_checks=stripe_input_checks(),
                advance_cursor=_advance(name, newest or since),
                notices=[f"{name}: {count} objects fetched"],
            )

    def _fetch(self, client: RESTClient, name: str, since: int | None) -> tuple[Path, int, int]:
        params: dict[str, Any] = {"limit": int(self.settings.get("page_size", 100))}
        params.update(OBJECTS.get(name, {}))
        if since is not None:
            params["created[gte]"] = since
        newest, count = since or 0, 0
        with tempfile.NamedTemporaryFile(
            "w", suffix=".jsonl", delete=False, encoding="utf-8"
        ) as handle:
            try:
                for page_no, page in enumerate(
                    client.paginate(
                        f"/v1/{name}", params=params, paginator=StartingAfterPaginator()
                    ),
                    start=1,
                ):
                    for item in page:
                        handle.write(json.dumps(item) + "\n")
                        newest = max(newest, int(item.get("created") or 0))
                        count += 1
                    logger.info("Stripe %s: page %d, %d objects so far", name, page_no, count)
            except BaseException:
                Path(handle.name).unlink(missing_ok=True)
                raise
        return Path(handle.name), newest, count


def _advance(name: str, created: int | None):
    def advance(current: dict[str, Any]) -> dict[str, Any]:
        return {**current, "created": {**current.get("created", {}), name: created}}

    return advance


def _prepare_from(path: Path):
    def prepare(conn) -> int:
        try:
            return prepare_objects(conn, scan(path, 0, has_header=False), drop=set())
        finally:
            path.unlink(missing_ok=True)

    return prepare
