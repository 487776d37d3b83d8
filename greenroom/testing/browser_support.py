"""What the browser test needs around the browser: a served sandbox and a page watcher.

The sandbox is built and served by the real ``greenroom`` command in subprocesses, so the
test drives what a user gets from ``greenroom demo`` (gunicorn, WhiteNoise, the manifest
static storage), not Django's test server.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, never a downloaded one; no sandbox because CI containers run as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# One per test process, so two runs against the same server do not drop each other's.
BROWSER_DATABASE = f"greenroom_browser_{os.getpid()}"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
# Serious and critical axe findings fail the test; minor and moderate ones are only printed.
BLOCKING_IMPACTS = {"serious", "critical"}


def free_port() -> int:
    """A TCP port nobody listens on right now (the server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def greenroom_command(*args: str) -> list[str]:
    """The ``greenroom`` command of this interpreter's environment."""
    return [sys.executable, "-m", "greenroom.cli", *args]


@contextmanager
def dedicated_database(env: dict[str, str]) -> Iterator[None]:
    """When ``env`` points at PostgreSQL, swap in a fresh database for the served sandbox.

    The sandbox is built with real commits by other processes, so it cannot live inside
    pytest-django's test database (a transaction the served sandbox never sees).
    """
    url = env.get("GREENROOM_DATABASE_URL", "")
    if urlsplit(url).scheme not in POSTGRES_SCHEMES:
        yield
        return
    import psycopg

    admin_url = urlsplit(url)._replace(path="/postgres").geturl()
    _recreate(psycopg, admin_url, create=True)
    env["GREENROOM_DATABASE_URL"] = urlsplit(url)._replace(path=f"/{BROWSER_DATABASE}").geturl()
    try:
        yield
    finally:
        _recreate(psycopg, admin_url, create=False)


def _recreate(psycopg, admin_url: str, *, create: bool) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        # FORCE ends connections a killed server may have left behind.
        connection.execute(f"DROP DATABASE IF EXISTS {BROWSER_DATABASE} WITH (FORCE)")
        if create:
            connection.execute(f"CREATE DATABASE {BROWSER_DATABASE}")


def build_sandbox(
    data_dir: Path, env: dict[str, str], *, scale: str = "small", timeout: float = 300
) -> None:
    """``greenroom demo --scale SCALE --no-serve`` into ``data_dir``, its output in
    ``data_dir/build.log``; failing with the end of that log if it fails or takes longer than
    ``timeout`` seconds."""
    command = greenroom_command("demo", "--scale", scale, "--no-serve", "--data-dir", str(data_dir))
    log_path = data_dir / "build.log"
    with log_path.open("w") as log:
        try:
            result = subprocess.run(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"'greenroom demo --scale {scale}' did not finish in {timeout:.0f} s; "
                f"the end of its log ({log_path}):\n{log_tail(log_path)}"
            ) from None
    if result.returncode != 0:
        raise RuntimeError(
            f"'greenroom demo --scale {scale}' failed ({result.returncode}); "
            f"the end of its log ({log_path}):\n{log_tail(log_path)}"
        )


def log_tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log, for a failure message."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def served(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """``greenroom serve`` on a free port until the block ends; yields its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = greenroom_command("serve", "--port", str(port), "--no-worker")
    with log_path.open("w") as log:
        # A session of its own, so stopping it also stops the gunicorn workers it forks.
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_until_answering(process, f"{base_url}/login/", log_path)
            yield base_url
        finally:
            _stop(process)


def _wait_until_answering(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"'greenroom serve' exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError as error:
            # Answering with an error will not get better by waiting.
            raise RuntimeError(
                f"'greenroom serve' answered {url} with {error.code}:\n{log_path.read_text()}"
            ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"'greenroom serve' did not answer {url} in 120 s:\n{log_path.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and failed requests seen by one page, with the
    Content-Security-Policy violations among them kept apart so a test can name them."""

    base_url: str
    found: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"uncaught exception: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _console(self, message) -> None:
        where = message.location.get("url")
        # Chromium reports every refused script, style, eval or frame on the console.
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{message.text} ({where})")
        elif message.type == "error":
            self.found.append(f"console error: {message.text} ({where})")

    def _request_failed(self, request) -> None:
        # Aborted: the page navigated on (a click, a goto) before the request finished, e.g.
        # the favicon of the page being left. A request that really fails answers with a status
        # (seen in _response) or another net:: error.
        if request.failure == "net::ERR_ABORTED":
            return
        self.found.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.found.append(f"HTTP {response.status}: {response.request.method} {response.url}")


def block_other_hosts(context, base_url: str) -> None:
    """Refuse every request that leaves the served sandbox (a CDN, a font, analytics).

    Greenroom is self-hosted and vendors its assets, so such a request is a bug; refusing
    it makes the bug show up as a failed request instead of a slow, flaky network call.
    """
    origin = base_url.rstrip("/")

    def route(route) -> None:
        url = route.request.url
        if url.startswith((origin + "/", "data:", "blob:")) or url == origin:
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", route)


def axe_report(violations: list[dict]) -> str:
    """axe violations as readable lines: rule, impact, help, and where."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            if node.get("failureSummary"):
                summary = " ".join(node["failureSummary"].split())
                lines.append(f"       {summary[:240]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
