"""The Stripe API connector against recorded responses served on 127.0.0.1."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from greenroom.sources import services
from greenroom.sources.choices import RunStatus, SourceStatus
from greenroom.sources.tests.conftest import FIXTURES, query

RECORDED = json.loads((FIXTURES / "stripe_api_responses.json").read_text())


class FakeStripe:
    """Serves the recorded pages by path and ``starting_after``; can fail or stall on cue."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        self.fail_once: set[str] = set()  # "path?starting_after" answered 500 once
        self.stall: set[str] = set()  # answered after a long pause
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                parsed = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                fake.requests.append((parsed.path, params))
                if self.headers.get("Authorization") != "Bearer sk_test_123":
                    return self._send(401, {"error": {"type": "invalid_request_error"}})
                key = f"{parsed.path}?{params.get('starting_after', '')}"
                if key in fake.stall:
                    time.sleep(1.5)
                if key in fake.fail_once:
                    fake.fail_once.discard(key)
                    return self._send(500, {"error": {"type": "api_error"}})
                page = RECORDED.get(parsed.path, {}).get(params.get("starting_after", ""))
                if page is None:
                    return self._send(404, {"error": {"type": "invalid_request_error"}})
                self._send(200, page)

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                except (BrokenPipeError, ConnectionResetError):
                    return
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The client may have given up waiting (the timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

        return Handler


@pytest.fixture
def stripe(monkeypatch):
    fake = FakeStripe()
    fake.thread.start()
    monkeypatch.setenv("STRIPE_TEST_KEY", "sk_test_123")
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _source(workspace, stripe, **settings):
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
            **settings,
        },
    )


def test_it_pages_with_starting_after_and_retries_a_500(workspace, stripe):
    stripe.fail_once.add("/v1/customers?cus_004")
    run = services.source_sync(source=_source(workspace, stripe))
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert query("SELECT count(*), count(DISTINCT id) FROM raw.stripe_customers") == [(5, 5)]
    customer_calls = [p for path, p in stripe.requests if path == "/v1/customers"]
    assert [c.get("starting_after") for c in customer_calls] == [
        None,
        "cus_004",
        "cus_004",
        "cus_002",
    ]
    assert all(c["limit"] == "2" for c in customer_calls)
    assert query("SELECT id, parent_id FROM raw.stripe_subscription_items") == [
        ("si_R001", "sub_R001")
    ]
    assert query("SELECT id, parent_id FROM raw.stripe_invoice_lines") == [("il_R001", "in_R001")]
    subscription_call = next(p for path, p in stripe.requests if path == "/v1/subscriptions")
    assert subscription_call["status"] == "all"  # cancelled ones too


def test_the_next_sync_asks_only_for_objects_created_since_the_cursor(workspace, stripe):
    source = _source(workspace, stripe)
    first = services.source_sync(source=source)
    newest = max(c["created"] for p in RECORDED["/v1/customers"].values() for c in p["data"])
    assert first.cursor_after["created"]["customers"] == newest
    stripe.requests.clear()
    second = services.source_sync(source=source)
    first_call = next(p for path, p in stripe.requests if path == "/v1/customers")
    assert first_call["created[gte]"] == str(newest)
    # The recorded server answers with everything again: merged, not duplicated.
    assert second.status == RunStatus.SUCCEEDED
    assert query("SELECT count(*) FROM raw.stripe_customers") == [(5,)]


def test_a_timeout_fails_the_sync_and_commits_nothing_of_that_object(workspace, stripe):
    stripe.stall.add("/v1/customers?cus_004")
    source = _source(workspace, stripe, timeout_s=0.3, max_attempts=2)
    with pytest.raises(Exception, match=r"(?i)timed? ?out"):
        services.source_sync(source=source)
    source.refresh_from_db()
    assert source.status == SourceStatus.FAILED
    run = source.runs.get()
    assert run.status == RunStatus.FAILED and "timeout" in run.message.lower()
    assert query("SELECT count(*) FROM raw.stripe_customers") == [(0,)]
    # The batches before it (events, products, prices) are kept; the cursor has no customers.
    cursors = query("SELECT DISTINCT cursor FROM meta.batches")
    assert cursors and all("customers" not in cursor for (cursor,) in cursors)


def test_it_says_which_variable_to_set_when_the_key_is_missing(workspace, stripe, monkeypatch):
    monkeypatch.delenv("STRIPE_TEST_KEY")
    with pytest.raises(RuntimeError, match="STRIPE_TEST_KEY"):
        services.source_sync(source=_source(workspace, stripe))
