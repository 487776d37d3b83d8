"""The Stripe API connector as Stripe really changes: products, prices and credit notes read,
later changes to old objects caught through ``GET /v1/events``, rate limits and refused keys.

A local HTTP server holds Stripe's state as objects shaped like its API reference
(fixtures/stripe_api_changes.json, API version 2024-06-20) and answers list requests the way
Stripe does: newest first, ``created[gte]``, ``limit``, ``starting_after``/``has_more``, and
for events the ``types[]`` filter.
"""

import contextlib
import copy
import json
import threading
import time
from datetime import date
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from greenroom.metrics import store
from greenroom.metrics.refresh import refresh_connection
from greenroom.metrics.tests.conftest import Computed
from greenroom.metrics.tests.raw import REFERENCE
from greenroom.sources import services
from greenroom.sources.choices import RunStatus, SourceStatus
from greenroom.sources.connectors.stripe_api import CHANGE_EVENTS, StripeApiError
from greenroom.sources.tests.conftest import FIXTURES, query

STATE = json.loads((FIXTURES / "stripe_api_changes.json").read_text())
KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"


class StripeServer:
    """Stripe's list endpoints over an in-memory state; can rate-limit or fail on cue."""

    def __init__(self, state: dict[str, list[dict]]) -> None:
        self.state = copy.deepcopy(state)
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.times: list[float] = []
        self.rate_limited = 0  # answer this many requests 429 with Retry-After: 1
        self.now = 1775000000  # Stripe's clock (2026-04-01), sent as the Date header
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def change(self, changes: dict[str, list[dict]]) -> None:
        """Objects replaced by id (or added), and events added."""
        for name, objects in changes.items():
            held = self.state.setdefault(name, [])
            for thing in objects:
                held[:] = [t for t in held if t["id"] != thing["id"]] + [thing]

    def page(self, name: str, params: dict[str, list[str]]) -> dict:
        # Newest first; a list of an object's lines (no created) keeps its order.
        items = sorted(self.state.get(name, []), key=lambda t: -t.get("created", 0))
        if "created[gte]" in params:
            items = [t for t in items if t["created"] >= int(params["created[gte]"][0])]
        if "types[]" in params:
            items = [t for t in items if t["type"] in params["types[]"]]
        if "starting_after" in params:
            ids = [t["id"] for t in items]
            items = items[ids.index(params["starting_after"][0]) + 1 :]
        limit = int(params.get("limit", ["10"])[0])
        return {
            "object": "list",
            "data": items[:limit],
            "has_more": len(items) > limit,
            "url": f"/v1/{name}",
        }

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                parsed = urlparse(self.path)
                params = parse_qs(parsed.query)
                fake.requests.append((parsed.path, params))
                fake.times.append(time.monotonic())
                if self.headers.get("Authorization") != f"Bearer {KEY}":
                    return self._send(401, _error("Invalid API Key provided: sk_test_****_bad"))
                if fake.rate_limited:
                    fake.rate_limited -= 1
                    return self._send(429, _error("Too many requests"), {"Retry-After": "1"})
                self._send(200, fake.page(parsed.path.removeprefix("/v1/"), params))

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Date", formatdate(fake.now, usegmt=True))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)

        return Handler


def _error(message: str) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error"}}


@pytest.fixture
def stripe(monkeypatch):
    fake = StripeServer(STATE["before"])
    fake.thread.start()
    monkeypatch.setenv("STRIPE_TEST_KEY", KEY)
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def source(workspace, stripe):
    return services.source_create(
        actor=None,
        workspace=workspace,
        name="stripe",
        kind="stripe_api",
        settings={
            "base_url": stripe.url,
            "api_key_env": "STRIPE_TEST_KEY",
            "page_size": 2,
            "backoff_s": 0.01,
        },
    )


def _refreshed(workspace) -> tuple[dict, dict, dict]:
    """MRR in total and by product at each month's end, and billings by month (USD)."""
    with store.writer(workspace.id) as conn:
        refresh_connection(conn, reference=REFERENCE, as_of=date(2026, 3, 31))
        computed = Computed(conn)
        by_product = {
            (row["period"], row["product"]): row["value"]
            for row in computed.rows("mrr", by=["product"])
        }
        billings = dict(
            conn.execute(
                "SELECT date_trunc('month', day)::DATE, sum(amount) FROM model.billings "
                "GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
        return computed.series("mrr"), by_product, billings


JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def test_it_reads_products_prices_and_credit_notes_into_the_revenue_model(
    workspace, stripe, source
):
    run = services.source_sync(source=source)
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert query(
        "SELECT (SELECT count(*) FROM raw.stripe_products), "
        "(SELECT count(*) FROM raw.stripe_prices), "
        "(SELECT count(*) FROM raw.stripe_credit_notes)"
    ) == [(2, 2, 2)]
    mrr, by_product, billings = _refreshed(workspace)
    # Hand-worked: Beta pays 1,200 a year for Workspace (100 a month) from Jan 1; Acme 2 x
    # 50 a month for Insights from Jan 5. Prices name their products, products' names match
    # the organisation's products ("Harbor Insights" → insights).
    assert mrr == {JAN: 200.0, FEB: 200.0, MAR: 200.0}
    assert by_product[(MAR, "insights")] == 100.0
    assert by_product[(MAR, "workspace")] == 100.0
    # Credit notes change billings, never MRR (docs/metrics.md): 1,200 + 100 - 20 in
    # January, 100 - 10 in February, 100 in March.
    assert billings == {JAN: 1280.0, FEB: 90.0, MAR: 100.0}


def test_the_first_sync_notes_where_events_stand_and_loads_no_event(workspace, stripe, source):
    run = services.source_sync(source=source)
    calls = [params for path, params in stripe.requests if path == "/v1/events"]
    assert len(calls) == 1 and calls[0]["limit"] == ["1"]
    assert sorted(calls[0]["types[]"]) == sorted(CHANGE_EVENTS)
    newest_event = STATE["before"]["events"][0]["created"]
    assert run.cursor_after["events"] == newest_event
    assert any("read from Stripe's events from 2026-03-05" in n for n in run.notices)


def test_a_later_sync_catches_a_cancellation_and_a_voided_credit_note_on_old_objects(
    workspace, stripe, source
):
    services.source_sync(source=source)
    stripe.change(STATE["after"])
    stripe.requests.clear()
    run = services.source_sync(source=source)
    assert run.status == RunStatus.SUCCEEDED, run.message
    events_call = next(params for path, params in stripe.requests if path == "/v1/events")
    assert events_call["created[gte]"] == [str(STATE["before"]["events"][0]["created"])]
    # The subscription and credit note are older than the lists' created cursors: only the
    # events bring their new state. Beta's two events: the newest (deleted) wins.
    subscriptions_call = next(p for path, p in stripe.requests if path == "/v1/subscriptions")
    beta_created = STATE["after"]["subscriptions"][0]["created"]
    assert int(subscriptions_call["created[gte]"][0]) > beta_created
    assert query(
        "SELECT id, doc->>'$.status', doc->>'$.ended_at' FROM raw.stripe_subscriptions ORDER BY id"
    ) == [("sub_Acme", "active", None), ("sub_Beta", "canceled", "1773532800")]
    assert query("SELECT id, doc->>'$.status' FROM raw.stripe_credit_notes ORDER BY id") == [
        ("cn_Acme1", "void"),
        ("cn_Acme2", "issued"),
    ]
    # The event at the cursor's second is read again (created[gte]): harmless, its invoice is
    # replaced by the same state.
    assert any(
        "4 read, 3 changed objects loaded at their latest state "
        "(1 credit_note, 1 invoice, 1 subscription)" in n
        for n in run.notices
    ), run.notices
    mrr, by_product, billings = _refreshed(workspace)
    # Beta cancelled at once on Mar 15: no MRR at March's end (a churn of 100); the voided
    # credit note no longer lowers January's billings.
    assert mrr == {JAN: 200.0, FEB: 200.0, MAR: 100.0}
    assert (MAR, "workspace") not in by_product or by_product[(MAR, "workspace")] == 0
    assert billings == {JAN: 1300.0, FEB: 90.0, MAR: 100.0}


def test_syncing_again_with_no_change_replaces_objects_and_duplicates_nothing(
    workspace, stripe, source
):
    services.source_sync(source=source)
    stripe.change(STATE["after"])
    services.source_sync(source=source)
    before = query("SELECT id, doc FROM raw.stripe_subscriptions ORDER BY id")
    run = services.source_sync(source=source)
    assert run.status == RunStatus.SUCCEEDED
    assert query("SELECT id, doc FROM raw.stripe_subscriptions ORDER BY id") == before
    assert query("SELECT count(*), count(DISTINCT id) FROM raw.stripe_credit_notes") == [(2, 2)]
    assert query("SELECT count(*), count(DISTINCT id) FROM raw.stripe_invoice_lines") == [(4, 4)]


def test_events_older_than_stripe_keeps_them_say_to_sync_in_full(workspace, stripe, source):
    services.source_sync(source=source)
    stripe.now += 45 * 24 * 3600
    run = services.source_sync(source=source)
    assert any("Stripe keeps them for 30 days" in n and "--full" in n for n in run.notices)


def test_it_waits_as_long_as_a_429_says_and_then_carries_on(workspace, stripe, source):
    stripe.rate_limited = 1
    run = services.source_sync(source=source)
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert stripe.times[1] - stripe.times[0] >= 0.9  # Retry-After: 1, not the 0.01 s backoff
    assert query("SELECT count(*) FROM raw.stripe_customers") == [(2,)]


def test_a_rate_limit_that_never_lifts_fails_with_a_clear_message(workspace, stripe, source):
    stripe.rate_limited = 100
    source.settings = {**source.settings, "max_attempts": 2, "max_retry_delay_s": 0.05}
    source.save()
    with pytest.raises(StripeApiError, match="429"):
        services.source_sync(source=source)
    run = source.runs.get()
    assert run.status == RunStatus.FAILED
    assert "kept answering 429" in run.message


def test_a_refused_key_says_which_variable_to_change_and_retries_nothing(
    workspace, stripe, source, monkeypatch
):
    monkeypatch.setenv("STRIPE_TEST_KEY", "sk_test_expired")
    with pytest.raises(StripeApiError) as raised:
        services.source_sync(source=source)
    message = str(raised.value)
    assert "Stripe refused the API key in STRIPE_TEST_KEY" in message
    assert "Invalid API Key provided" in message and "sk_test_expired" not in message
    assert len(stripe.requests) == 1  # a 401 is not retried
    source.refresh_from_db()
    assert source.status == SourceStatus.FAILED
    assert "refused the API key" in source.runs.get().message


def test_an_invoices_lines_past_the_embedded_page_are_read_from_the_lists_url(
    workspace, stripe, source
):
    # Stripe embeds an invoice's first lines only (has_more): the rest come from lines.url.
    invoice = copy.deepcopy(STATE["before"]["invoices"][0])
    first = invoice["lines"]["data"][0]
    lines = [first, *({**first, "id": f"{first['id']}_{n}"} for n in (2, 3))]
    invoice["lines"]["has_more"] = True
    stripe.change({"invoices": [invoice], f"invoices/{invoice['id']}/lines": lines})
    run = services.source_sync(source=source)
    assert run.status == RunStatus.SUCCEEDED, run.message
    calls = [params for path, params in stripe.requests if path.endswith("/lines")]
    assert calls and calls[0]["limit"] == ["100"]
    assert query(
        "SELECT count(*) FROM raw.stripe_invoice_lines WHERE parent_id = ?", [invoice["id"]]
    ) == [(3,)]


def test_a_deleted_customer_is_kept_marked_deleted_with_its_history(workspace, stripe, source):
    # Deleting a customer in Stripe cancels its subscriptions and drops it from the customers
    # list; the customer.deleted event carries the customer as it was before.
    services.source_sync(source=source)
    stripe.change(STATE["after"])
    beta = next(c for c in stripe.state["customers"] if c["id"] == "cus_PbBeta")
    stripe.state["customers"].remove(beta)
    deleted = {
        "id": "evt_5",
        "object": "event",
        "api_version": "2024-06-20",
        "created": 1773532801,
        "data": {"object": beta},
        "type": "customer.deleted",
    }
    stripe.change({"events": [deleted]})
    run = services.source_sync(source=source)
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert any("1 customer" in n for n in run.notices), run.notices
    assert query(
        "SELECT id, doc->>'$.name', doc->>'$.deleted' FROM raw.stripe_customers ORDER BY id"
    ) == [("cus_PaAcme", "Acme", None), ("cus_PbBeta", "Beta GmbH", "true")]
    mrr, _, _ = _refreshed(workspace)
    # Beta's history stays: its year of Workspace counted until it was cancelled.
    assert mrr == {JAN: 200.0, FEB: 200.0, MAR: 100.0}
