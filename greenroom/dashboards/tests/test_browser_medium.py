"""Every dashboard at MEDIUM scale, as a CPO sees it (issue 11's "Done when"): the medium
sandbox built by ``greenroom demo --scale medium`` and served, each dashboard page opened in
Chromium at desktop and phone width with every chart drawn, nothing wider than the screen, no
console error and figures written as people read them; screenshots in
test-results/screenshots/medium-*.png, and the board pack of the sandbox's last complete
quarter written from it, its PDF pages as PNG beside them, for a human to look at.

The build takes minutes (about 2 on two quiet cores, 11.5 at a load average of 8.7), so the
module runs only when GREENROOM_BROWSER_MEDIUM=1. It builds its own sandbox on SQLite in a temporary
folder, whatever the pass's database: this is about what the pages show, not the database.
"""

import os
import re
import resource
import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pptx import Presentation

from greenroom.dashboards.selectors import DASHBOARDS
from greenroom.testing.browser import EMAILS, SCREENSHOTS, sign_in
from greenroom.testing.browser_support import (
    PageProblems,
    block_other_hosts,
    build_sandbox,
    greenroom_command,
    served,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("GREENROOM_BROWSER_MEDIUM") != "1",
        reason="builds the medium sandbox (minutes): set GREENROOM_BROWSER_MEDIUM=1 to run it",
    ),
]

BUILD_TIMEOUT = 1_500  # seconds: about 120 quiet, 690 seen at a load average of 8.7
SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
# Each dashboard page by a short name: the four fixed dashboards, the executive headline on
# home, data health, the insights feed and the sandbox's team dashboard (found by its name).
PAGES = {
    "home": "/",
    **{key: f"/dashboards/{key}/" for key in DASHBOARDS},
    "health": "/data/health/",
    "insights": "/data/notable-changes/",
    "team": "Invoicing team",
}
# A figure as the dashboards write it: $11.7M, 950, 12,345, 98.8 %, 12.5, -$2.5K, a change
# with a typographic minus, or a dash for none.
FIGURE = re.compile(r"(\u2212|-)?[$€£]?\d{1,3}(,\d{3})*(\.\d+)?[KMBT]?( %)?|—")
EXACT_MONEY = re.compile(r"-?[$€£]\d{1,3}(,\d{3})*\.\d{2}")
# A number of four digits or more written without thousands separators (years aside).
UNSEPARATED = re.compile(r"(?<![\d.,:/-])(?!(19|20)\d\d\b)\d{4,}(?![\d/-])")
TIMINGS = SCREENSHOTS / "medium-timings.txt"


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.fixture(scope="module")
def medium_env(tmp_path_factory) -> dict[str, str]:
    """A medium sandbox built by the ``greenroom`` command on SQLite, in its own folder."""
    data_dir = tmp_path_factory.mktemp("medium")
    env = {**os.environ, "GREENROOM_DATA_DIR": str(data_dir)}
    env.pop("GREENROOM_DATABASE_URL", None)  # SQLite in the data folder, on either pass
    started, cpu = time.monotonic(), _cpu_of_children()
    build_sandbox(data_dir, env, scale="medium", timeout=BUILD_TIMEOUT)
    _record(
        "medium build",
        wall=time.monotonic() - started,
        cpu=_cpu_of_children() - cpu,
        fresh=True,
    )
    return env


@pytest.fixture(scope="module")
def medium_url(medium_env) -> str:
    data_dir = Path(medium_env["GREENROOM_DATA_DIR"])
    with served(medium_env, data_dir / "serve.log") as base_url:
        yield base_url


@pytest.fixture(scope="module")
def medium_state(headless_chromium, medium_url) -> dict:
    """The admin's signed-in cookies; the charting bundle built by a first request (several
    seconds, once)."""
    context = headless_chromium.new_context(base_url=medium_url)
    page = context.new_page()
    sign_in(page, EMAILS["admin"])
    page.wait_for_url(f"{medium_url}/")
    page.goto("/dashboards/executive/", timeout=120_000)
    src = page.locator("script[src*='/dashboards/assets/']").get_attribute("src")
    assert context.request.get(src, timeout=120_000).ok
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def medium_page(headless_chromium, medium_url, medium_state):
    context = headless_chromium.new_context(base_url=medium_url, storage_state=medium_state)
    context.set_default_timeout(30_000)
    block_other_hosts(context, medium_url)
    yield context.new_page()
    context.close()


def _record(name: str, *, wall: float, cpu: float, fresh: bool = False) -> None:
    """A timing line, printed and kept beside the screenshots (the load average with it:
    wall time on a shared machine says little alone)."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    line = f"{name}: {wall:.1f} s wall, {cpu:.1f} s CPU (load average {load})"
    print(line)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with TIMINGS.open("w" if fresh else "a") as out:
        out.write(line + "\n")


def _path(page, name: str) -> str:
    target = PAGES[name]
    if target.startswith("/"):
        return target
    page.goto("/dashboards/custom/")
    return page.get_by_role("link", name=target).first.get_attribute("href")


def _drawn(page) -> int:
    charts = page.locator(".chart[data-spec]")
    count = charts.count()
    expect(page.locator(".chart[data-spec] svg")).to_have_count(count, timeout=60_000)
    return count


def _badly_written(page) -> list[str]:
    """Figures not written as people read them: a figure that is not compact or has no exact
    amount on hover, and a number of four digits or more in a table or heading without
    thousands separators (account names, years and dates aside)."""
    found = []
    for figure in page.locator("main .figure").all():
        text, exact = figure.inner_text().strip(), figure.get_attribute("title") or ""
        if not FIGURE.fullmatch(text):
            found.append(f"figure {text!r} is not compact")
        if text[:1] in "$€£-" and text != "—" and not EXACT_MONEY.fullmatch(exact):
            found.append(f"figure {text!r} has no exact amount on hover ({exact!r})")
    cells = page.locator(
        "main td:not(:has(a[href*='/customers/'])), main h1, main h2, main h3, "
        "main figcaption, main .kpi .value, main .card p"
    )
    for text in cells.all_inner_texts():
        for match in UNSEPARATED.finditer(text):
            found.append(f"{match.group()!r} without thousands separators in {text[:80]!r}")
    return found


@pytest.mark.parametrize("name", list(PAGES))
def test_each_dashboard_at_medium_scale_draws_fits_and_reads_well(medium_page, medium_url, name):
    page = medium_page
    problems = PageProblems(medium_url)
    problems.watch(page)
    path = _path(page, name)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.goto(path, timeout=120_000)
        charts = _drawn(page)
        if name != "home":  # home draws figures only
            assert charts, f"{path} drew no chart"
        page.screenshot(path=SCREENSHOTS / f"medium-{name}-{size}.png", full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= viewport["width"], f"{path} is {wide} px wide at {size} px"
        assert not _badly_written(page), f"{path} at {size} px: {_badly_written(page)}"
    assert not problems.found + problems.csp_violations


def _last_complete_quarter(as_of: date) -> str:
    """The newest quarter ending on or before ``as_of``."""
    quarter = (as_of.month - 1) // 3 + 1
    ends = date(as_of.year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    if (ends - as_of).days == 1:  # as_of is the quarter's last day: it is complete
        return f"{as_of.year}Q{quarter}"
    year, quarter = (as_of.year, quarter - 1) if quarter > 1 else (as_of.year - 1, 4)
    return f"{year}Q{quarter}"


def test_last_complete_quarters_as_of_dates():
    assert _last_complete_quarter(date(2026, 12, 2)) == "2026Q3"
    assert _last_complete_quarter(date(2026, 12, 31)) == "2026Q4"
    assert _last_complete_quarter(date(2026, 2, 10)) == "2025Q4"
    assert _last_complete_quarter(date(2026, 6, 30)) == "2026Q2"


def test_the_board_pack_of_the_last_complete_quarter(medium_env, medium_page, tmp_path):
    """Written by ``greenroom boardpack`` from the medium sandbox: a deck of ten slides and a
    PDF of one page more (the definitions), each page drawn as PNG for a human to read."""
    response = medium_page.request.get("/api/v1/metrics/mrr?grain=month")
    assert response.ok, response.text()
    quarter = _last_complete_quarter(date.fromisoformat(response.json()["freshness"]["as_of"]))
    out = tmp_path / "pack"
    started, cpu = time.monotonic(), _cpu_of_children()
    result = subprocess.run(
        greenroom_command("boardpack", "--quarter", quarter, "--out", str(out)),
        env=medium_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    _record(
        f"medium board pack {quarter}",
        wall=time.monotonic() - started,
        cpu=_cpu_of_children() - cpu,
    )
    deck = next(out.glob("*.pptx"))
    document = next(out.glob("*.pdf"))
    slides = len(Presentation(str(deck)).slides)
    assert slides == 10
    pdf = document.read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type /Page\b", pdf))
    assert pages == slides + 1
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils): no page images")
    for old in SCREENSHOTS.glob("medium-board-pack-*.png"):
        old.unlink()
    drawn = subprocess.run(
        ["pdftoppm", "-png", "-r", "80", str(document), str(SCREENSHOTS / "medium-board-pack")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert drawn.returncode == 0, drawn.stderr
    assert len(list(SCREENSHOTS.glob("medium-board-pack-*.png"))) == pages
    for written in (deck, document):  # the files themselves, to open beside the pictures
        shutil.copy(written, SCREENSHOTS / f"medium-board-pack{written.suffix}")
