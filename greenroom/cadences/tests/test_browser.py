"""Product ops opens next month's portfolio review, reads its pack (feedback's themes in it),
logs a decision against an insight, records it, and the scorecard's time to decision counts
it, beside its baseline and trend; then the two PMs mid-onboarding."""

import re

import pytest
from playwright.sync_api import expect

from greenroom.testing.browser import EMAILS, SCREENSHOTS, sign_in
from greenroom.testing.browser_support import PageProblems

pytestmark = pytest.mark.browser


def _decided_count(page) -> int:
    page.goto("/scorecard/")
    row = page.locator("[data-row=time-to-decision]")
    return int(row.locator("td").nth(3).inner_text().strip())


def test_it_runs_a_portfolio_review_and_the_scorecard_counts_its_decision(new_page, sandbox_url):
    page = new_page()
    problems = PageProblems(sandbox_url)
    problems.watch(page)
    sign_in(page, EMAILS["product_ops"])
    page.wait_for_url(f"{sandbox_url}/")
    before = _decided_count(page)
    # The decision cites one of the sandbox's research insights, by its address.
    page.goto("/research/insights/")
    hrefs = page.eval_on_selector_all(
        "a[href^='/research/insights/']", "links => links.map(link => link.getAttribute('href'))"
    )
    insight_url = next((h for h in hrefs if re.fullmatch(r"/research/insights/\d+/", h)), None)
    assert insight_url, hrefs

    page.goto("/cadences/")
    row = page.get_by_role("row").filter(has_text="Monthly portfolio review")
    row.get_by_role("link").nth(1).click()  # the next occurrence
    expect(page.get_by_role("heading", level=1)).to_contain_text("Monthly portfolio review")
    expect(page.get_by_role("heading", name="KPI snapshot")).to_be_visible()
    expect(page.locator("[data-pack-section=kpis]")).to_contain_text("MRR")
    themes = page.locator("[data-pack-section=feedback-themes]")
    # Feedback's own section now: the themes of the period, or that there was none yet.
    expect(themes).to_contain_text(re.compile(r"[Ff]eedback received|of feedback since"))
    expect(themes).not_to_contain_text("Not available yet")
    page.screenshot(path=SCREENSHOTS / "cadences-pack.png", full_page=True)

    page.get_by_role("link", name="Log a decision").click()
    page.get_by_label("Question").fill("Ship the usage-based Growth plan in Q1?")
    page.get_by_label("Decider").select_option(label="Priya Ops")
    page.get_by_label("Options").fill("Ship in Q1\nWait for Q2")
    page.get_by_role("button", name="Raise").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ship the usage-based Growth plan in Q1?"
    )

    page.get_by_label("Kind").select_option(label="Insight")
    page.get_by_label("Reference").fill(insight_url)
    page.get_by_label("Label").fill("Growth admins ask to pay by usage")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Growth admins ask to pay by usage")).to_be_visible()

    page.get_by_label("Ship in Q1").check()
    page.get_by_label("Why").fill("Nine of twelve interviews ask for it; NRR is flat.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_test_id("decided")).to_contain_text(re.compile(r"Decided"))
    page.screenshot(path=SCREENSHOTS / "cadences-decision.png", full_page=True)

    assert _decided_count(page) == before + 1
    row = page.locator("[data-row=time-to-decision]")
    expect(row.locator("svg.sparkline")).to_be_visible()
    expect(row).to_contain_text("than baseline")
    page.screenshot(path=SCREENSHOTS / "cadences-scorecard.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "cadences-scorecard-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/cadences/onboarding/")
    expect(page.get_by_role("row").filter(has_text="Nadia Newman")).to_contain_text("2 / 7")
    page.screenshot(path=SCREENSHOTS / "cadences-onboarding.png", full_page=True)
    page.get_by_role("link", name="Marco Manager").first.click()
    expect(page.get_by_test_id("progress")).to_contain_text("4 of 7 steps done")
    page.screenshot(path=SCREENSHOTS / "cadences-onboarding-pm.png", full_page=True)
    assert not problems.found, problems.found
