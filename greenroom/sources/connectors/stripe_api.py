"""Stripe's REST API: products, prices, customers, subscriptions, invoices and credit notes,
new ones by ``created`` and later changes to old ones through Stripe's events list.

Built on dlt's RESTClient (retries with backoff on 429 and 5xx, honouring ``Retry-After``,
and on connection errors; timeouts) with Stripe's own pagination: ``starting_after`` the last
id while ``has_more``. Each object type is one batch: every page is fetched first, then the
batch is committed with the new cursor (the newest ``created`` seen), so an interrupted sync
re-reads from the old cursor and the merge makes the repeat harmless. ``created[gte]`` (not
gt) keeps objects created in the same second as the cursor; they are merged again, not
duplicated.

A ``created`` cursor never sees a change to an old object (a subscription cancelled today but
created last year, a credit note voided, an invoice marked uncollectible). So each sync first
reads ``GET /v1/events`` since its own cursor (``events``), for the types in
``CHANGE_EVENTS``, and loads each changed object's newest snapshot (``data.object`` of its
latest event) in place of the one held: every change to an object emits an event, so its
latest event is its state when the list was read. The events batch comes before the lists:
a list read after it is newer still, and wins. The first sync only notes where events stand
(the lists give the current state). Stripe keeps events for 30 days: a source not synced for
longer is told to sync ``--full``.
"""

import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from requests import HTTPError, Response

from greenroom.metrics.rawschema import STRIPE_TABLES
from greenroom.sources.connectors.base import Batch, Connector
from greenroom.sources.connectors.files import scan
from greenroom.sources.connectors.stripe import prepare_objects, stripe_input_checks, stripe_stages

if TYPE_CHECKING:
    from dlt.sources.helpers.rest_client import RESTClient

logger = logging.getLogger(__name__)

# Read in this order: a price names its product, a subscription its customer and prices.
OBJECTS = {
    "products": {},
    "prices": {},
    "customers": {},
    "subscriptions": {"status": "all"},
    "invoices": {},
    "credit_notes": {},
}
# Stripe's events that carry a changed object Greenroom keeps (at most 20: the `types`
# filter's limit). Creations are left to the lists; `invoice.upcoming` has no id, so is not
# read. `customer.deleted` carries the customer as it was before the deletion: it is kept,
# marked ``"deleted": true`` (what Stripe answers for a deleted customer's id), because the
# customers list no longer shows it and its invoices are still its history.
CHANGE_EVENTS = (
    "product.updated",
    "price.updated",
    "customer.updated",
    "customer.deleted",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.pending_update_applied",
    "customer.subscription.pending_update_expired",
    "invoice.updated",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "credit_note.created",
    "credit_note.updated",
    "credit_note.voided",
)
# Lists Stripe embeds in an object, first page only: the field holding each.
EMBEDDED = {"invoice": "lines", "subscription": "items", "credit_note": "lines"}
EVENTS_KEPT_S = 30 * 24 * 3600  # Stripe lists events of the last 30 days only
DEFAULT_BASE_URL = "https://api.stripe.com"


class StripeApiError(RuntimeError):
    """Stripe refused a request for good (a bad key, a missing permission, retries spent)."""


class StripeApiConnector(Connector):
    """Reads Stripe's billing objects from its API (or a compatible URL), changes included."""

    kind = "stripe_api"
    tables = tuple(STRIPE_TABLES.values())

    @property
    def key_env(self) -> str:
        return self.settings.get("api_key_env") or "STRIPE_API_KEY"

    def client(self) -> "RESTClient":
        key = os.environ.get(self.key_env, "")
        if not key:
            raise RuntimeError(
                f"No Stripe API key: set the environment variable {self.key_env} "
                "(the source's api_key_env setting names it)."
            )
        # Imported here: dlt takes about a second to load, and every process loads the
        # connectors' registry while only a Stripe API sync needs its client.
        from greenroom.sources.connectors.stripe_http import stripe_client

        return stripe_client(
            base_url=self.settings.get("base_url") or DEFAULT_BASE_URL,
            key=key,
            timeout_s=float(self.settings.get("timeout_s", 30)),
            max_attempts=int(self.settings.get("max_attempts", 5)),
            backoff_s=float(self.settings.get("backoff_s", 1)),
            max_retry_delay_s=float(self.settings.get("max_retry_delay_s", 30)),
        )

    def batches(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        client = self.client()
        if self.settings.get("events", True):
            yield self._changes(client, cursor.get("events"))
        wanted = self.settings.get("objects") or list(OBJECTS)
        for name in (name for name in OBJECTS if name in wanted):
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

    def _pages(self, client: "RESTClient", path: str, params: dict[str, Any]) -> Iterator[Any]:
        from greenroom.sources.connectors.stripe_http import starting_after_paginator

        try:
            yield from client.paginate(path, params=params, paginator=starting_after_paginator())
        except HTTPError as error:
            raise _refused(error, path, self.key_env) from None

    def _fetch(self, client: "RESTClient", name: str, since: int | None) -> tuple[Path, int, int]:
        params: dict[str, Any] = {"limit": int(self.settings.get("page_size", 100))}
        params.update(OBJECTS.get(name, {}))
        if since is not None:
            params["created[gte]"] = since
        newest, count = since or 0, 0
        with tempfile.NamedTemporaryFile(
            "w", suffix=".jsonl", delete=False, encoding="utf-8"
        ) as handle:
            try:
                for page_no, page in enumerate(self._pages(client, f"/v1/{name}", params), 1):
                    for item in page:
                        self._complete(client, item)
                        handle.write(json.dumps(item) + "\n")
                        newest = max(newest, int(item.get("created") or 0))
                        count += 1
                    logger.info("Stripe %s: page %d, %d objects so far", name, page_no, count)
            except BaseException:
                Path(handle.name).unlink(missing_ok=True)
                raise
        return Path(handle.name), newest, count

    def _complete(self, client: "RESTClient", thing: dict) -> None:
        """Read the rest of an embedded list Stripe cut short (an invoice's lines past the
        first ten, a subscription's items) from the list's own ``url``, so the loader
        replaces the parent's children with the whole list, not the first page."""
        field = EMBEDDED.get(str(thing.get("object")))
        embedded = thing.get(field) if field else None
        if not isinstance(embedded, dict) or not embedded.get("has_more"):
            return
        url = urlsplit(str(embedded.get("url") or ""))
        params: dict[str, Any] = dict(parse_qsl(url.query))
        params["limit"] = 100
        children = [child for page in self._pages(client, url.path, params) for child in page]
        thing[field] = {**embedded, "data": children, "has_more": False}

    def _changes(self, client: "RESTClient", since: int | None) -> Batch:
        """The objects changed since the events cursor, each at its latest event."""
        params: dict[str, Any] = {
            "limit": int(self.settings.get("page_size", 100)),
            "types[]": list(CHANGE_EVENTS),
        }
        if since is None:
            return self._first_changes(client, params)
        params["created[gte]"] = since
        latest: dict[tuple[str, str], tuple[int, dict]] = {}
        events, newest, server_now = 0, since, None
        for page in self._pages(client, "/v1/events", params):
            server_now = server_now or _server_time(page.response)
            for event in page:
                events += 1
                newest = max(newest, _keep_latest(latest, event))
        for _, doc in latest.values():
            self._complete(client, doc)
        path = _write_lines(doc for _, doc in latest.values())
        notices = [_changes_notice(events, latest)]
        if server_now is not None and server_now - since > EVENTS_KEPT_S:
            notices.append(_stale_notice(self.name, since))
        return Batch(
            label=f"changes (events since {_date(since)})",
            prepare=_prepare_from(path),
            stages=stripe_stages(),
            input_checks=stripe_input_checks(),
            advance_cursor=_advance_events(newest),
            notices=notices,
        )

    def _first_changes(self, client: "RESTClient", params: dict[str, Any]) -> Batch:
        # The lists that follow give every object's current state: only note where the
        # events stand (the newest one, else Stripe's clock), so the next sync starts there.
        try:
            page = client.get("/v1/events", params={**params, "limit": 1})
            page.raise_for_status()
        except HTTPError as error:
            raise _refused(error, "/v1/events", self.key_env) from None
        items = page.json().get("data") or []
        start = int(items[0]["created"]) if items else _server_time(page) or int(time.time())
        path = _write_lines(iter(()))
        return Batch(
            label="changes (first sync: events from now on)",
            prepare=_prepare_from(path),
            stages=stripe_stages(),
            input_checks=stripe_input_checks(),
            advance_cursor=_advance_events(start),
            notices=[
                f"events: later changes to objects (cancellations, upgrades, credit notes, "
                f"voided invoices) are read from Stripe's events from {_date(start)} on"
            ],
        )


def _keep_latest(latest: dict[tuple[str, str], tuple[int, dict]], event: dict) -> int:
    """Keep ``event``'s object in ``latest`` unless a newer event of it is there; its time."""
    created = int(event.get("created") or 0)
    thing = (event.get("data") or {}).get("object") or {}
    kind, object_id = str(thing.get("object") or ""), str(thing.get("id") or "")
    held = latest.get((kind, object_id))
    # Events come newest first: of two in the same second, the one listed first is newer.
    if kind in STRIPE_TABLES and object_id and (held is None or created > held[0]):
        deleted = str(event.get("type") or "").endswith(".deleted") and kind == "customer"
        latest[(kind, object_id)] = (created, {**thing, "deleted": True} if deleted else thing)
    return created


def _refused(error: HTTPError, path: str, key_env: str) -> Exception:
    """A clear message for Stripe's error answer (its own message quoted; never the key)."""
    response = error.response
    if response is None:
        return error
    status = response.status_code
    try:
        said = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        said = response.reason or ""
    if status == 401:
        return StripeApiError(
            f"Stripe refused the API key in {key_env} (401: {said}). The key is wrong, "
            f"expired or was rolled: create a new restricted key with read access in Stripe's "
            f"dashboard (Developers → API keys) and set {key_env} to it."
        )
    if status == 403:
        return StripeApiError(
            f"The API key in {key_env} may not read {path} (403: {said}). Give the "
            "restricted key read access to products, prices, customers, subscriptions, "
            "invoices, credit notes and events."
        )
    if status == 429:
        return StripeApiError(
            f"Stripe kept answering 429 (too many requests) for {path} after every retry: "
            "sync again later, or raise the source's max_attempts."
        )
    return StripeApiError(f"Stripe answered {status} for {path} after its retries: {said}")


def _server_time(response: Response) -> int | None:
    try:
        return int(parsedate_to_datetime(response.headers["Date"]).timestamp())
    except (KeyError, TypeError, ValueError):
        return None


def _date(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))


def _changes_notice(events: int, latest: dict[tuple[str, str], tuple[int, dict]]) -> str:
    kinds: dict[str, int] = {}
    for kind, _ in latest:
        kinds[kind] = kinds.get(kind, 0) + 1
    detail = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    return f"events: {events} read, {len(latest)} changed objects loaded at their latest state" + (
        f" ({detail})" if detail else ""
    )


def _stale_notice(name: str, since: int) -> str:
    return (
        f"events: the last sync read Stripe's events up to {_date(since)}, more than 30 days "
        "ago, and Stripe keeps them for 30 days: changes to older objects in between may be "
        f"missed. Run `greenroom sources sync {name} --full` to read everything again."
    )


def _write_lines(docs: Iterator[dict]) -> Path:
    with tempfile.NamedTemporaryFile(
        "w", suffix=".jsonl", delete=False, encoding="utf-8"
    ) as handle:
        for doc in docs:
            handle.write(json.dumps(doc) + "\n")
    return Path(handle.name)


def _advance(name: str, created: int | None):
    def advance(current: dict[str, Any]) -> dict[str, Any]:
        return {**current, "created": {**current.get("created", {}), name: created}}

    return advance


def _advance_events(created: int):
    def advance(current: dict[str, Any]) -> dict[str, Any]:
        return {**current, "events": created}

    return advance


def _prepare_from(path: Path):
    def prepare(conn) -> int:
        try:
            return prepare_objects(conn, scan(path, 0, has_header=False), drop=set())
        finally:
            path.unlink(missing_ok=True)

    return prepare
