"""The sandbox company's fixed shape: Harbor Systems, a B2B software company.

Names and structure are fixed so screenshots and docs stay recognisable; sizes and the
people in each team vary with the scale and the seed.
"""

COMPANY = "Harbor Systems"
REPORTING_CURRENCY = "USD"

# product line -> products -> (key, launched, owner team, areas -> owner team)
PORTFOLIO = {
    "Core Platform": {
        "owner": "Projects & Tasks",
        "products": {
            "Harbor Workspace": (
                "workspace",
                "2019-04-01",
                "Projects & Tasks",
                {
                    "Projects": "Projects & Tasks",
                    "Tasks & boards": "Projects & Tasks",
                    "Permissions & SSO": "Access & Admin",
                    "Notifications": "Notifications",
                },
            ),
            "Harbor Automate": (
                "automate",
                "2021-09-01",
                "Workflow",
                {
                    "Workflow builder": "Workflow",
                    "Triggers & schedules": "Workflow",
                    "Integrations": "Integrations",
                },
            ),
        },
    },
    "Analytics": {
        "owner": "Dashboards",
        "products": {
            "Harbor Insights": (
                "insights",
                "2022-05-01",
                "Dashboards",
                {
                    "Dashboards": "Dashboards",
                    "Scheduled reports": "Reporting",
                    "Data connectors": "Data Platform",
                },
            ),
        },
    },
    "Payments": {
        "owner": "Invoicing",
        "products": {
            # Launched inside the two years of sandbox history, so the data shows a launch.
            "Harbor Pay": (
                "pay",
                "2026-03-02",
                "Invoicing",
                {
                    "Invoicing": "Invoicing",
                    "Checkout": "Checkout & Payouts",
                    "Payouts": "Checkout & Payouts",
                },
            ),
        },
    },
}

TEAMS = {
    "Projects & Tasks": "Projects, tasks and boards in Harbor Workspace.",
    "Access & Admin": "Sign-in, SSO, permissions and the admin console.",
    "Notifications": "Email, in-app and mobile notifications across products.",
    "Workflow": "The workflow builder, triggers and schedules.",
    "Integrations": "Connectors to Slack, Salesforce, Jira and 40 other tools.",
    "Dashboards": "Dashboards and charts in Harbor Insights.",
    "Reporting": "Scheduled and exported reports.",
    "Data Platform": "Data connectors and the pipelines behind Insights.",
    "Invoicing": "Invoices and billing in Harbor Pay.",
    "Checkout & Payouts": "Checkout pages, payment methods and payouts.",
    "Mobile": "The iOS and Android apps.",
    "Growth": "Sign-up, onboarding, trials and upgrades.",
}

TEAM_ROLES = [
    ("Product Manager", 1),
    ("Engineering Manager", 1),
    ("Product Designer", 1),
    ("Senior Software Engineer", 2),
    ("Software Engineer", 4),
    ("QA Engineer", 1),
    ("Data Analyst", 1),
]

REGIONS = {
    "North America": ("NA", {"United States": "US", "Canada": "CA"}),
    "Europe, Middle East & Africa": (
        "EMEA",
        {
            "UK & Ireland": "GB,IE",
            "DACH": "DE,AT,CH",
            "France & Benelux": "FR,BE,NL,LU",
            "Nordics": "SE,NO,DK,FI,IS",
            "Southern Europe": "ES,IT,PT",
        },
    ),
    "Asia Pacific": (
        "APAC",
        {"Australia & New Zealand": "AU,NZ", "Japan": "JP", "Singapore & SEA": "SG,MY,TH,ID"},
    ),
    "Latin America": ("LATAM", {"Brazil": "BR", "Mexico": "MX"}),
}

SEGMENTS = [
    ("SMB", 1, 99, "Small businesses, mostly self-serve."),
    ("Mid-market", 100, 999, "Sales-assisted companies with a few hundred employees."),
    ("Enterprise", 1000, None, "Large companies with procurement, SSO and an account team."),
]

PLANS = [
    ("Starter", "starter", "29.00", "Up to 10 seats; self-serve."),
    ("Team", "team", "79.00", "Unlimited projects and automation."),
    ("Business", "business", "199.00", "SSO, audit log and advanced reporting."),
    ("Enterprise", "enterprise", "1200.00", "Custom contract, SLA and a success manager."),
]

# Demo sign-ins, one per role; the password is printed by `greenroom demo`.
DEMO_PASSWORD = "greenroom-demo"
DEMO_USERS = [
    ("admin@harbor.example", "Ada", "Admin", "admin"),
    ("ops@harbor.example", "Priya", "Ops", "product_ops"),
    ("pm@harbor.example", "Marco", "Manager", "product_manager"),
    ("viewer@harbor.example", "Vera", "Viewer", "viewer"),
]
