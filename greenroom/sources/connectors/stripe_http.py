"""Stripe's HTTP client: dlt's RESTClient (retries with backoff on 429 and 5xx, honouring
``Retry-After``, and on connection errors; timeouts) with Stripe's cursor pagination.

A module of its own so that dlt, about a second to import, is loaded only by a Stripe API sync
(``stripe_api`` imports it on first use), not by every process that lists the connectors.
"""

from typing import Any

from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response


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


def starting_after_paginator() -> StartingAfterPaginator:
    return StartingAfterPaginator()


def stripe_client(
    *,
    base_url: str,
    key: str,
    timeout_s: float,
    max_attempts: int,
    backoff_s: float,
    max_retry_delay_s: float,
) -> RESTClient:
    session = Client(
        request_timeout=timeout_s,
        request_max_attempts=max_attempts,
        request_backoff_factor=backoff_s,
        request_max_retry_delay=max_retry_delay_s,
    ).session
    return RESTClient(
        base_url=base_url, auth=BearerTokenAuth(key), session=session, data_selector="data"
    )
