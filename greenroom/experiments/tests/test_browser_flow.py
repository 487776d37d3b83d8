"""Experiments in a real browser: a PM sizes an experiment with the calculator, reads the
sandbox's experiments analysed from its usage events, meets the planted sample-ratio
mismatch (ship refused until acknowledged), and records a decision.

Run with ``pytest -m browser``; screenshots land in test-results/screenshots/experiments-*.png.
"""

import pytest
from playwright.sync_api import expect

from greenroom.testing.browser import EMAILS, SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser


def test_it_designs_reads_blocks_an_srm_ship_and_decides(new_page):
    pm = new_page()
    sign_in(pm, EMAILS["product_manager"])
    pm.goto("/experiments/design/")
    pm.get_by_label("Baseline", exact=True).fill("0.1")
    pm.get_by_label("Minimum detectable effect").fill("0.02")
    pm.get_by_label("Daily users", exact=True).fill("1000")
    pm.get_by_role("button", name="Calculate").click()
    expect(pm.get_by_test_id("per-arm")).to_have_text("3623")
    pm.screenshot(path=SCREENSHOTS / "experiments-design.png", full_page=True)

    pm.goto("/experiments/new/")
    pm.get_by_label("Name").fill("Shorter signup form")
    pm.get_by_label("Hypothesis").fill("Fewer fields get more visitors to sign up.")
    pm.get_by_label("Primary metric").fill("Signed up")
    pm.get_by_label("Event", exact=True).fill("signup")
    pm.get_by_label("Baseline").fill("0.1")
    pm.get_by_label("Minimum detectable effect").fill("0.02")
    pm.screenshot(path=SCREENSHOTS / "experiments-new.png", full_page=True)
    pm.get_by_role("button", name="Register").click()
    expect(pm.get_by_role("heading", level=1)).to_contain_text("Shorter signup form")
    expect(pm.get_by_text("3623 per arm")).to_be_visible()
    pm.get_by_role("button", name="Start (freezes the plan)").click()
    expect(pm.get_by_role("heading", level=1)).to_contain_text("Running")
    pm.screenshot(path=SCREENSHOTS / "experiments-registered.png", full_page=True)

    pm.goto("/experiments/")
    expect(pm.get_by_role("link", name="Onboarding checklist")).to_be_visible()
    pm.screenshot(path=SCREENSHOTS / "experiments-list.png", full_page=True)
    pm.get_by_role("link", name="Onboarding checklist").click()
    expect(pm.get_by_test_id("analysed")).to_contain_text("25 users left out")
    pm.screenshot(path=SCREENSHOTS / "experiments-effect.png", full_page=True)

    pm.goto("/experiments/")
    pm.get_by_role("link", name="New editor").click()
    expect(pm.get_by_test_id("srm-warning")).to_contain_text("Sample-ratio mismatch")
    pm.screenshot(path=SCREENSHOTS / "experiments-srm.png", full_page=True)
    pm.get_by_label("Decision").select_option("ship")
    pm.get_by_label("Rationale").fill("Saves went up.")
    pm.get_by_role("button", name="Record the decision").click()
    expect(pm.get_by_role("status")).to_contain_text("acknowledge it before shipping")
    pm.get_by_role("button", name="Acknowledge the mismatch").click()
    pm.get_by_label("Decision").select_option("iterate")
    pm.get_by_label("Rationale").fill("Exposure logging drops a quarter of the treatment; fix it.")
    pm.get_by_label("Learning").fill("Client-side flag calls lose exposures: log them server-side.")
    pm.get_by_role("button", name="Record the decision").click()
    expect(pm.get_by_role("heading", level=1)).to_contain_text("Decided")
    expect(pm.get_by_role("link", name="an insight in research")).to_be_visible()
    pm.screenshot(path=SCREENSHOTS / "experiments-decided.png", full_page=True)

    # A beta recruits consenting contacts; the outreach log shows each invitation.
    pm.goto("/experiments/betas/")
    expect(pm.get_by_role("link", name="Workflow builder v2")).to_be_visible()
    pm.screenshot(path=SCREENSHOTS / "experiments-betas.png", full_page=True)
    pm.get_by_role("link", name="New programme").click()
    pm.get_by_label("Name").fill("Bulk edit")
    pm.get_by_label("Flag key").fill("bulk-edit")
    pm.get_by_label("Feature in the usage data").fill("projects")
    pm.get_by_role("button", name="Open the programme").click()
    expect(pm.get_by_role("heading", level=1)).to_contain_text("Bulk edit")
    pm.get_by_label("How many to invite").fill("5")
    pm.get_by_role("button", name="Invite", exact=True).click()
    expect(pm.get_by_role("status")).to_contain_text("Invited 5, each logged as outreach")
    expect(pm.get_by_test_id("usage")).to_contain_text("participating account")
    pm.screenshot(path=SCREENSHOTS / "experiments-beta-recruited.png", full_page=True)
    pm.set_viewport_size({"width": 390, "height": 844})
    pm.screenshot(path=SCREENSHOTS / "experiments-beta-phone.png", full_page=True)
    pm.set_viewport_size({"width": 1280, "height": 800})
    pm.get_by_role("link", name="Outreach log").click()
    expect(pm.get_by_role("cell", name="Beta invite")).to_have_count(5)
    pm.screenshot(path=SCREENSHOTS / "experiments-beta-outreach.png", full_page=True)

    # Launches: readiness at several levels, one launch's checklist and go/no-go.
    pm.goto("/experiments/launches/")
    expect(pm.get_by_role("link", name="Payouts in 30 currencies")).to_be_visible()
    pm.screenshot(path=SCREENSHOTS / "experiments-launches.png", full_page=True)
    pm.get_by_role("link", name="Payouts in 30 currencies").click()
    expect(pm.get_by_test_id("readiness")).to_contain_text("50 %")
    pm.screenshot(path=SCREENSHOTS / "experiments-launch.png", full_page=True)
    pm.goto("/experiments/launches/calendar/")
    expect(pm.get_by_test_id("feed-url")).to_contain_text(".ics")
    pm.screenshot(path=SCREENSHOTS / "experiments-launch-calendar.png", full_page=True)
