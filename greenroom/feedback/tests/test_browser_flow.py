"""Feedback in a real browser: a sales rep logs what a customer said on a call, product ops
links the passage to a new opportunity, the opportunity's demand shows the account's ARR, and
a PM's "has this been answered?" finds the research insight on it (the research repository).

Run with ``pytest -m browser``; screenshots land in test-results/screenshots/feedback-*.png
and research-*.png.
"""

import re

import pytest
from playwright.sync_api import expect

from greenroom.testing.browser import EMAILS, SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser

SAID = "On the renewal call they said: <b>bulk export of invoices</b> is a must before Q3."


def test_a_rep_logs_feedback_ops_link_it_and_demand_shows_the_arr(new_page):
    rep = new_page()
    sign_in(rep, EMAILS["product_manager"])
    rep.goto("/customers/accounts/?sort=-arr")
    first = rep.locator("#list tbody tr").first.locator("a").first
    name = first.inner_text()
    first.click()
    arr = rep.locator(".stat .value").first.inner_text()

    rep.goto("/feedback/log/")
    rep.get_by_label("Account", exact=True).fill(name[:12])
    rep.get_by_label(re.compile(re.escape(name))).first.check()
    rep.get_by_label("Title").fill("Bulk invoice export")
    rep.get_by_label("What the customer said").fill(SAID)
    rep.screenshot(path=SCREENSHOTS / "feedback-log.png", full_page=True)
    rep.get_by_role("button", name="Log feedback").click()
    expect(rep.get_by_role("heading", level=1)).to_have_text("Bulk invoice export")
    expect(rep.locator("#item-text")).to_have_text(SAID)  # shown as text, never as HTML
    item_url = rep.url

    ops = new_page()
    sign_in(ops, EMAILS["product_ops"])
    ops.goto(item_url)
    ops.get_by_label("…or a new opportunity").fill("Bulk export of invoices")
    ops.get_by_label("Importance to the customer").select_option(label="Critical")
    ops.get_by_role("button", name="Link the passage").click()
    expect(ops.get_by_role("status")).to_contain_text("Linked to “Bulk export of invoices”")
    ops.screenshot(path=SCREENSHOTS / "feedback-item.png", full_page=True)
    ops.get_by_role("link", name="Bulk export of invoices").first.click()
    expect(ops.locator("#demand-arr")).to_have_text(arr)
    ops.screenshot(path=SCREENSHOTS / "feedback-opportunity.png", full_page=True)

    ops.goto("/feedback/opportunities/")
    ops.screenshot(path=SCREENSHOTS / "feedback-opportunities.png", full_page=True)
    ops.goto("/feedback/?untriaged=on")
    ops.keyboard.press("j")
    ops.screenshot(path=SCREENSHOTS / "feedback-inbox.png", full_page=True)

    # A PM about to plan a study first asks whether it has been answered.
    rep.goto("/research/insights/")
    rep.get_by_label("Your question").fill("Do finance teams want figures in a spreadsheet?")
    rep.get_by_role("button", name="Look for answers").click()
    answers = rep.locator("#answers")
    # The first question learns the topics (seconds on a loaded machine).
    expect(answers).to_contain_text("Finance teams live in spreadsheets", timeout=60_000)
    rep.screenshot(path=SCREENSHOTS / "research-answered.png", full_page=True)
    answers.get_by_role("link", name=re.compile("Finance teams live in spreadsheets")).click()
    expect(rep.get_by_role("heading", level=2, name="Evidence")).to_be_visible()
    rep.screenshot(path=SCREENSHOTS / "research-insight.png", full_page=True)
    rep.get_by_role("link", name=re.compile("Export reports to Excel")).first.click()
    rep.screenshot(path=SCREENSHOTS / "research-study.png", full_page=True)
    rep.goto("/research/search/?q=spreadsheet")
    expect(rep.locator(".results li").first).to_be_visible()
    rep.screenshot(path=SCREENSHOTS / "research-search.png", full_page=True)
    rep.set_viewport_size({"width": 390, "height": 844})
    rep.goto("/research/insights/")
    rep.screenshot(path=SCREENSHOTS / "research-insights-phone.png", full_page=True)
