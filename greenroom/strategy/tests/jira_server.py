"""A stand-in Jira Cloud site on 127.0.0.1 serving recorded answers, for tests and the
benchmark: ``POST /rest/api/3/search/jql`` pages by ``nextPageToken`` as Jira does (the last
page has ``isLast: true`` and no token), ``PUT /rest/api/3/issue/{key}`` answers 204 and is
recorded. Answers follow Atlassian's documented shapes (issue ``id``, ``key``, ``self``,
``fields`` with ``status.statusCategory.key``)."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
CATEGORIES = {
    "To Do": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "In Progress": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "Done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
STATUSES = {"To Do": "To Do", "In Progress": "In Progress", "In Review": "In Progress",
            "Done": "Done", "Won't Do": "Done"}  # fmt: skip


def issue(
    base: str, number: int, key: str, summary: str, kind: str, status: str, **fields: Any
) -> dict:
    """One issue as the search answer holds it."""
    category = CATEGORIES[STATUSES[status]]
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": str(number),
        "self": f"{base}/rest/api/3/issue/{number}",
        "key": key,
        "fields": {
            "summary": summary,
            "issuetype": {
                "id": "10000" if kind == "Epic" else "10001",
                "name": kind,
                "subtask": False,
                "hierarchyLevel": 1 if kind == "Epic" else 0,
            },
            "status": {
                "self": f"{base}/rest/api/3/status/{number % 7 + 1}",
                "name": status,
                "id": str(number % 7 + 1),
                "statusCategory": {
                    "self": f"{base}/rest/api/3/statuscategory/{category['id']}",
                    **category,
                },
            },
            "labels": [],
            "duedate": None,
            "customfield_10016": None,
            **fields,
        },
    }


def recorded_issues(base: str, epics: int, children: int) -> list[dict]:
    """``epics`` epics of project PAY, each with ``children`` stories (3 points each, the
    first third done, the next third in review)."""
    found = []
    number = 10000
    for e in range(1, epics + 1):
        number += 1
        epic_key = f"PAY-{e}"
        found.append(issue(base, number, epic_key, f"Epic {e}", "Epic", "In Progress"))
        for c in range(children):
            number += 1
            third = c * 3 // children
            status = ("Done", "In Review", "To Do")[min(third, 2)]
            parent = {"id": str(number), "key": epic_key, "fields": {"summary": f"Epic {e}"}}
            found.append(
                issue(base, number, f"PAY-{epics + number}", f"Story {c} of {e}", "Story",
                      status, parent=parent, customfield_10016=3.0)
            )  # fmt: skip
    return found


def pages_of(issues: list[dict], size: int) -> list[dict]:
    """Search answers of ``size`` issues, chained by ``nextPageToken``."""
    pages = []
    for start in range(0, len(issues), size):
        last = start + size >= len(issues)
        page: dict[str, Any] = {"issues": issues[start : start + size], "isLast": last}
        if not last:
            page["nextPageToken"] = f"token-{start + size}"
        pages.append(page)
    return pages or [{"issues": [], "isLast": True}]


class JiraSite:
    """What the stand-in serves and what it was sent."""

    def __init__(self) -> None:
        self.pages: list[dict] = []
        self.searches: list[dict] = []
        self.edits: list[tuple[str, dict]] = []
        self.auth: list[str] = []
        self.url = ""
        self.busy = 0  # answer this many searches with 429 first
        self.refusal: tuple[int, dict] | None = None  # answer searches with this error

    def serve(self, pages: list[dict]) -> None:
        self.pages = pages


def _handler(site: JiraSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def _answer(self, status: int, body: Any = None) -> None:
            raw = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            site.auth.append(self.headers.get("Authorization", ""))
            if self.path != "/rest/api/3/search/jql":
                return self._answer(404, {"errorMessages": ["No such resource"], "errors": {}})
            body = self._body()
            if site.refusal is not None:
                return self._answer(*site.refusal)
            if site.busy:
                site.busy -= 1
                self.send_response(429)
                self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "0")
                return self.end_headers()
            site.searches.append(body)
            token = body.get("nextPageToken")
            index = (
                0
                if not token
                else 1
                + next(i for i, p in enumerate(site.pages) if p.get("nextPageToken") == token)
            )
            return self._answer(200, site.pages[index])

        def do_PUT(self) -> None:
            prefix = "/rest/api/3/issue/"
            if not self.path.startswith(prefix):
                return self._answer(404, {"errorMessages": ["No such resource"], "errors": {}})
            site.edits.append((self.path[len(prefix) :], self._body()))
            return self._answer(204)

    return Handler


@contextmanager
def jira_site() -> Iterator[JiraSite]:
    """A stand-in Jira served from a thread on a free port of 127.0.0.1."""
    site = JiraSite()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
