"""Browser-test fixtures shared by every app: one small sandbox built and served by the
``greenroom`` command, and one headless Chromium, for the whole test session.

Registered for all tests by the root conftest (``pytest_plugins``), so every browser test
shares the same server and browser instead of starting its own. A test against another
sandbox (the dashboards' medium-scale screenshots) takes ``headless_chromium`` alone, so the
small sandbox is not built for it.
"""

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from greenroom.sandbox.company import DEMO_PASSWORD, DEMO_USERS
from greenroom.testing.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    block_other_hosts,
    build_sandbox,
    dedicated_database,
    greenroom_command,
    served,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
EMAILS = {role: email for email, _, _, role in DEMO_USERS}
# The served sandbox's environment, for the processes a test starts beside it.
_SANDBOX_ENV: dict[str, str] = {}


@pytest.fixture(scope="session")
def sandbox_env(tmp_path_factory) -> Iterator[dict[str, str]]:
    """The environment (data folder, database) of a small sandbox built by the ``greenroom``
    command, for the whole session; a test that needs background jobs run starts a worker
    with it (the server runs none)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    data_dir = tmp_path_factory.mktemp("sandbox")
    env = {**os.environ, "GREENROOM_DATA_DIR": str(data_dir)}
    with dedicated_database(env):
        _SANDBOX_ENV.update(env)
        build_sandbox(data_dir, env)
        yield env


@pytest.fixture(scope="session")
def sandbox_url(sandbox_env) -> Iterator[str]:
    """The sandbox served by ``greenroom serve``, for the whole session."""
    data_dir = Path(sandbox_env["GREENROOM_DATA_DIR"])
    with served(sandbox_env, data_dir / "serve.log") as base_url:
        yield base_url


@pytest.fixture(scope="session")
def headless_chromium():
    """Debian's Chromium, launched once per session, whichever sandbox it is pointed at."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def chromium(sandbox_url, headless_chromium):
    """The browser for tests against the small sandbox (built and served first)."""
    return headless_chromium


@pytest.fixture
def new_page(chromium, sandbox_url):
    """Open a page in a fresh browser context (cookies of its own), closed after the test."""
    contexts = []

    def open_page(storage_state: dict | None = None):
        context = chromium.new_context(
            base_url=sandbox_url, viewport=VIEWPORT, storage_state=storage_state
        )
        context.set_default_timeout(10_000)
        block_other_hosts(context, sandbox_url)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="session")
def admin_state(chromium, sandbox_url) -> dict:
    """The admin's signed-in cookies, so the page walk signs in once, not once per page."""
    context = chromium.new_context(base_url=sandbox_url)
    page = context.new_page()
    sign_in(page, EMAILS["admin"])
    page.wait_for_url(f"{sandbox_url}/")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def admin_page(new_page, admin_state):
    return new_page(admin_state)


@pytest.fixture
def job_worker(sandbox_url, tmp_path) -> Iterator[None]:
    """A job worker beside the sandbox (served with --no-worker, so pages tests stay quiet),
    for a test that queues jobs: a sync and the refresh it starts."""
    with open(tmp_path / "worker.log", "w") as log:
        process = subprocess.Popen(
            greenroom_command("worker", "--no-scheduler"),
            env=_SANDBOX_ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
