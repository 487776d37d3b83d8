"""Writes greenroom/tests/data/feedback_planted_themes.csv: 300 feedback items with six planted
themes about the sandbox's products (Workspace, Automate, Insights, Pay), for the themes and
suggestion tests and benchmarks/feedback.py. Deterministic; run again only to change it.

    python benchmarks/planted_feedback.py
"""

import csv
import datetime as dt
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "greenroom/tests/data/feedback_planted_themes.csv"
PER_THEME = 50

THEMES = {
    "sso-login": (
        [
            "SSO login to {p} fails with our {idp} setup",
            "Single sign-on keeps logging us out of {p}",
            "Can we get SAML SSO with {idp} for {p}?",
            "Users cannot sign in through {idp}, SSO redirect loops",
            "{idp} single sign on broke after the last release",
            "Login via SSO shows an error page for half the team",
        ],
        {
            "p": ["Workspace", "the workspace", "Workspace boards"],
            "idp": ["Okta", "Azure AD", "Google Workspace", "OneLogin"],
        },
    ),
    "export-csv": (
        [
            "Exporting the {r} to CSV times out",
            "CSV export of {r} is missing columns",
            "The {r} export produces a broken CSV file in Excel",
            "Please let us export {r} as CSV with all fields",
            "Export to CSV from {r} gives garbled characters",
            "Download as CSV button on {r} does nothing",
        ],
        {"r": ["dashboards", "scheduled reports", "Insights reports", "the connectors page"]},
    ),
    "dark-mode": (
        [
            "Please add a dark mode to {p}",
            "Dark theme for {p} would be great for late nights",
            "Any plans for dark mode? {p} is too bright",
            "Would love a night mode / dark theme in {p}",
            "Our team asks for dark mode in {p} every week",
        ],
        {"p": ["Workspace", "Automate", "Insights", "the mobile app"]},
    ),
    "slow-dashboards": (
        [
            "{d} take {n} seconds to load",
            "Insights {d} are really slow since last week",
            "Loading {d} is painfully slow with many connectors",
            "Performance of {d} is terrible, spinner for {n}s",
            "{d} freeze the browser when the date range is a year",
        ],
        {
            "d": ["Dashboards", "Our dashboards", "Sales dashboards", "Big dashboards"],
            "n": ["20", "30", "45", "60"],
        },
    ),
    "invoice-payouts": (
        [
            "Invoices in Pay show the wrong {x}",
            "Payouts arrive {n} days late through Pay",
            "Invoice PDF from Pay has the {x} missing",
            "Pay checkout charged the customer twice, invoice duplicated",
            "Payout report does not match the invoices total",
        ],
        {"x": ["VAT number", "currency", "tax rate", "billing address"], "n": ["3", "5", "10"]},
    ),
    "workflow-integrations": (
        [
            "Automate workflow builder needs a {app} integration",
            "Workflow schedules in Automate skip runs on {day}",
            "Please add a {app} trigger to the workflow builder",
            "Integration with {app} stopped syncing in Automate",
            "Workflows fail silently when the {app} integration token expires",
        ],
        {
            "app": ["Slack", "Jira", "Salesforce", "HubSpot", "Zendesk"],
            "day": ["Mondays", "weekends", "the first of the month"],
        },
    ),
}
NOISE = [
    "",
    " Thanks!",
    " 🙏",
    " This is blocking us.",
    " <p>Sent from our support portal</p>",
    " Regards, the ops team",
    " &nbsp;Urgent",
]


def items(seed: int = 12) -> list[dict[str, str]]:
    """The planted items, shuffled, with a month date (sso-login rises over the half year)."""
    rng = random.Random(seed)
    rows = []
    for theme, (templates, slots) in THEMES.items():
        for _ in range(PER_THEME):
            text = rng.choice(templates).format(**{k: rng.choice(v) for k, v in slots.items()})
            text += rng.choice(NOISE)
            month = (
                min(6, 1 + int(rng.triangular(0, 6, 6)))
                if theme == "sso-login"
                else rng.randint(1, 6)
            )
            date = dt.date(2026, month, rng.randint(1, 28))
            rows.append({"text": text, "theme": theme, "date": date.isoformat()})
    rng.shuffle(rows)
    return rows


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "theme", "date"])
        writer.writeheader()
        writer.writerows(items())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
