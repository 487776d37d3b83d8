"""The sandbox company's customers, written as the CRM exports users would import.

Sales-led accounts (mid-market and enterprise) live in Salesforce, self-serve ones in
HubSpot; each tool's files use its own column names. Research consent and a year of past
outreach come as Greenroom's generic CSVs. ``crm_load`` then imports them all through the
customer importers, exactly as a user would, after adding the sales and success teams.
"""

import csv
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pycountry
from faker import Faker

from greenroom.accounts.models import Workspace
from greenroom.customers import services as customer_services
from greenroom.organisation.services import organisation_import
from greenroom.sandbox import company

# accounts, sales reps per region, success managers
SIZES = {
    "small": (420, 2, 3),
    "medium": (3000, 4, 10),
    "large": (6000, 6, 18),
    "bench": (20000, 10, 40),
}
# share of accounts, (min, max) employees, (min, max) contacts
SEGMENT_MIX = {
    "SMB": (0.5, (5, 99), (1, 4)),
    "Mid-market": (0.35, (100, 999), (4, 9)),
    "Enterprise": (0.15, (1000, 20000), (7, 14)),
}
REGION_WEIGHTS = {
    "North America": 0.4,
    "Europe, Middle East & Africa": 0.35,
    "Asia Pacific": 0.15,
    "Latin America": 0.1,
}
PLAN_BY_SEGMENT = {
    "SMB": [("Starter", 0.6), ("Team", 0.4)],
    "Mid-market": [("Team", 0.5), ("Business", 0.5)],
    "Enterprise": [("Business", 0.3), ("Enterprise", 0.7)],
}
# persona, share, job titles
PERSONAS = [
    ("admin", 0.3, ["IT Administrator", "Workspace Admin", "Systems Administrator"]),
    ("end user", 0.35, ["Project Manager", "Marketing Specialist", "Engineer", "Designer"]),
    ("manager", 0.17, ["Head of Operations", "Team Lead", "Engineering Manager"]),
    ("executive", 0.1, ["VP Operations", "CTO", "COO"]),
    ("finance", 0.08, ["Finance Manager", "Controller"]),
]
# research kind, share of contacts opted in
CONSENT_RATES = [
    ("interview", 0.25),
    ("survey", 0.45),
    ("prototype_test", 0.3),
    ("beta", 0.15),
    ("early_access", 0.2),
]
STUDIES = [
    ("Onboarding interviews", "interview"),
    ("NPS survey", "survey"),
    ("Automate builder prototype", "prototype_test"),
    ("Insights beta", "beta_invite"),
    ("Harbor Pay early access", "early_access"),
    ("Permissions redesign test", "prototype_test"),
    ("Churn interviews", "interview"),
]
SF_ACCOUNT_COLUMNS = [
    "Account ID", "Account Name", "Website", "Billing Country", "Employees", "Industry",
    "Type", "Account Owner", "Customer Success Manager", "Segment", "Plan", "ARR",
    "Strategic Account",
]  # fmt: skip
SF_CONTACT_COLUMNS = [
    "Contact ID", "Account ID", "First Name", "Last Name", "Title", "Email", "Phone",
    "Persona", "Email Opt Out",
]  # fmt: skip
HS_COMPANY_COLUMNS = [
    "Record ID", "Company name", "Company Domain Name", "Country/Region",
    "Number of Employees", "Industry", "Lifecycle Stage", "Company owner", "Plan",
    "Annual Recurring Revenue",
]  # fmt: skip
HS_CONTACT_COLUMNS = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title", "Persona",
    "Associated Company ID", "Lifecycle Stage", "Unsubscribed from all email",
]  # fmt: skip
INDUSTRIES = ["Software", "Manufacturing", "Retail", "Healthcare", "Finance", "Education"]


@dataclass(frozen=True)
class CrmFiles:
    sales_team: Path
    salesforce_accounts: Path
    salesforce_contacts: Path
    hubspot_companies: Path
    hubspot_contacts: Path
    consent: Path
    outreach: Path


def crm_files(out_dir: Path) -> CrmFiles:
    """Where ``crm_generate`` writes (or wrote) each file in ``out_dir``."""
    return CrmFiles(*(out_dir / name for name in (
        "sales-team.json", "salesforce-accounts.csv", "salesforce-contacts.csv",
        "hubspot-companies.csv", "hubspot-contacts.csv", "research-consent.csv",
        "outreach.csv",
    )))  # fmt: skip


def crm_generate(
    *, out_dir: Path, scale: str, seed: int, organisation: Path, now: datetime | None = None
) -> CrmFiles:
    """Write the CRM exports for ``scale`` into ``out_dir``, deterministically from ``seed``
    (and ``now``, which anchors the year of outreach; today at midnight UTC by default)."""
    if scale not in SIZES:
        raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SIZES)}")
    now = now or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(seed * 7919 + 2)
    fake = Faker("en_US")
    fake.seed_instance(seed + 2)
    org = json.loads(organisation.read_text())
    accounts_n, reps_per_region, csm_n = SIZES[scale]
    files = crm_files(out_dir)
    used_names = {person["name"] for person in org["people"]}
    reps, csms, team_doc = _sales_team(fake, used_names, reps_per_region, csm_n)
    files.sales_team.write_text(json.dumps(team_doc, indent=2) + "\n")
    markets = {m["name"]: m for m in org["markets"]}
    accounts = [_account(rng, fake, n, markets, reps, csms) for n in range(accounts_n)]
    contacts = [c for account in accounts for c in _contacts(rng, fake, account)]
    _write_accounts(files, accounts)
    _write_contacts(files, contacts)
    _write_consent(rng, files.consent, contacts, now)
    product_managers = [p["name"] for p in org["people"] if p["title"] == "Product Manager"]
    _write_outreach(rng, files.outreach, contacts, product_managers, now)
    return files


def _sales_team(fake: Faker, used: set[str], per_region: int, csm_n: int):
    def person(title: str, team: str) -> dict:
        while True:
            name = f"{fake.first_name()} {fake.last_name()}"
            if name not in used:
                used.add(name)
                email = name.lower().replace(" ", ".").replace("'", "") + "@harbor.example"
                return {"name": name, "title": title, "email": email, "team": team}

    reps = {
        region: [person(f"Account Executive, {region}", "Sales") for _ in range(per_region)]
        for region in REGION_WEIGHTS
    }
    csms = [person("Customer Success Manager", "Customer Success") for _ in range(csm_n)]
    document = {
        "format": "greenroom.organisation/1",
        "teams": [
            {"name": "Sales", "description": "Account executives, one group per region."},
            {"name": "Customer Success", "description": "Success managers of larger accounts."},
        ],
        "people": [p for group in reps.values() for p in group] + csms,
    }
    return reps, csms, document


def _pick(rng: random.Random, weighted: dict | list) -> str:
    items = list(weighted.items()) if isinstance(weighted, dict) else weighted
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def _account(rng, fake, n: int, markets: dict, reps: dict, csms: list) -> dict:
    segment = _pick(rng, {name: mix[0] for name, mix in SEGMENT_MIX.items()})
    low, high = SEGMENT_MIX[segment][1]
    employees = int(math.exp(rng.uniform(math.log(low), math.log(high))))
    region = _pick(rng, REGION_WEIGHTS)
    market = rng.choice([m for m in markets.values() if m["region"] == region])
    country = rng.choice(market["countries"].split(","))
    plan = _pick(rng, PLAN_BY_SEGMENT[segment])
    price = {name: float(p) for name, _, p, _ in company.PLANS}[plan]
    seats = max(3, int(employees * rng.uniform(0.05, 0.4)))
    # List prices are per pack of 5 seats (Enterprise: per 50) and per month.
    arr = round(price * 12 * max(1, seats / (50 if plan == "Enterprise" else 5)), -1)
    name = f"{fake.company()} {n}" if n % 7 == 0 else fake.company()
    domain = "".join(ch for ch in name.lower() if ch.isalnum())[:30] + f"{n}.example"
    return {
        "n": n,
        "crm": "salesforce" if segment != "SMB" else "hubspot",
        "id": f"001{n:07d}AAA" if segment != "SMB" else str(5000000 + n),
        "name": name,
        "domain": domain,
        "country": country,
        "employees": employees,
        "industry": rng.choice(INDUSTRIES),
        "segment": segment,
        "plan": plan,
        "arr": arr,
        "owner": rng.choice(reps[region]),
        "csm": rng.choice(csms) if segment != "SMB" else None,
        "strategic": segment == "Enterprise" and rng.random() < 0.2,
        "churned": rng.random() < 0.06,
    }


def _contacts(rng, fake, account: dict) -> list[dict]:
    low, high = SEGMENT_MIX[account["segment"]][2]
    people = []
    for index in range(rng.randint(low, high)):
        persona = _pick(rng, [(p[0], p[1]) for p in PERSONAS])
        titles = next(p[2] for p in PERSONAS if p[0] == persona)
        first, last = fake.first_name(), fake.last_name()
        people.append(
            {
                "account": account,
                "id": (
                    f"003{account['n']:06d}{index:02d}AA"
                    if account["crm"] == "salesforce"
                    else str(90000000 + account["n"] * 20 + index)
                ),
                "first": first,
                "last": last,
                "email": f"{first}.{last}.{index}@{account['domain']}".lower().replace("'", ""),
                "phone": fake.numerify("+1 ###-###-####"),
                "title": rng.choice(titles),
                "persona": persona,
                "opt_out": rng.random() < 0.02,
            }
        )
    return people


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    # CRLF line ends, as both tools write them.
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_accounts(files: CrmFiles, accounts: list[dict]) -> None:
    sf = [
        [
            a["id"], a["name"], f"https://www.{a['domain']}", a["country"], a["employees"],
            a["industry"], "Former Customer" if a["churned"] else "Customer - Direct",
            a["owner"]["name"], a["csm"]["name"] if a["csm"] else "", a["segment"], a["plan"],
            f"{a['arr']:.2f}", "1" if a["strategic"] else "0",
        ]
        for a in accounts
        if a["crm"] == "salesforce"
    ]  # fmt: skip
    hs = [
        [
            a["id"], a["name"], a["domain"], _country_name(a["country"]), a["employees"],
            a["industry"], "other" if a["churned"] else "customer", a["owner"]["email"],
            a["plan"], f"{a['arr']:.0f}",
        ]
        for a in accounts
        if a["crm"] == "hubspot"
    ]  # fmt: skip
    _write_csv(files.salesforce_accounts, SF_ACCOUNT_COLUMNS, sf)
    _write_csv(files.hubspot_companies, HS_COMPANY_COLUMNS, hs)


def _country_name(code: str) -> str:
    # HubSpot stores the country as a name.
    return pycountry.countries.get(alpha_2=code).name


def _write_contacts(files: CrmFiles, contacts: list[dict]) -> None:
    sf = [
        [
            c["id"], c["account"]["id"], c["first"], c["last"], c["title"], c["email"],
            c["phone"], c["persona"].title(), "1" if c["opt_out"] else "0",
        ]
        for c in contacts
        if c["account"]["crm"] == "salesforce"
    ]  # fmt: skip
    hs = [
        [
            c["id"], c["first"], c["last"], c["email"], c["phone"], c["title"],
            c["persona"].title(), c["account"]["id"], "customer",
            "true" if c["opt_out"] else "false",
        ]
        for c in contacts
        if c["account"]["crm"] == "hubspot"
    ]  # fmt: skip
    _write_csv(files.salesforce_contacts, SF_CONTACT_COLUMNS, sf)
    _write_csv(files.hubspot_contacts, HS_CONTACT_COLUMNS, hs)


def _write_consent(rng, path: Path, contacts: list[dict], now: datetime) -> None:
    rows = []
    for c in contacts:
        for kind, rate in CONSENT_RATES:
            if rng.random() >= rate:
                continue
            given = now - timedelta(days=rng.randint(30, 720))
            method = rng.choice(["web_form", "web_form", "email", "call", "in_app"])
            source = {
                "web_form": "Research panel sign-up form",
                "email": "Reply to a research invitation",
                "call": "Asked during a success call",
                "in_app": "In-product research opt-in",
            }[method]
            rows.append([c["email"], kind, "yes", given.date().isoformat(), method, source])
            if rng.random() < 0.05:
                withdrawn = given + timedelta(days=rng.randint(5, 25))
                stop = [c["email"], kind, "no", withdrawn.date().isoformat(), "email", "Stop"]
                rows.append(stop)
    _write_csv(path, ["contact", "kind", "granted", "given_at", "method", "source"], rows)


def _write_outreach(rng, path: Path, contacts: list[dict], pms: list[str], now: datetime):
    rows = []
    for c in contacts:
        for _ in range(rng.choices([0, 1, 2, 3], weights=[55, 30, 11, 4])[0]):
            study, kind = rng.choice(STUDIES)
            at = now - timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 600))
            outcome = rng.choices(["completed", "declined", "no_response"], weights=[60, 15, 25])[0]
            if (now - at).days < 14 and rng.random() < 0.5:
                outcome = "scheduled"
            rows.append(
                [
                    c["email"],
                    kind,
                    at.isoformat(timespec="minutes"),
                    rng.choice(pms),
                    study,
                    outcome,
                ]
            )
    _write_csv(path, ["contact", "kind", "at", "by", "study", "outcome"], rows)


def crm_load(
    *, workspace: Workspace, files: CrmFiles, progress: Callable[[str], None] = lambda _: None
) -> None:
    """Import the sandbox's CRM exports through the same importers users use."""
    report = organisation_import(
        actor=None,
        workspace=workspace,
        document=json.loads(files.sales_team.read_text()),
        source=str(files.sales_team),
    )
    progress(f"  sales and success teams: {report.summary()}")
    for kind, path in (
        ("accounts", files.salesforce_accounts),
        ("accounts", files.hubspot_companies),
        ("contacts", files.salesforce_contacts),
        ("contacts", files.hubspot_contacts),
        ("consent", files.consent),
        ("outreach", files.outreach),
    ):
        imported = customer_services.records_import(
            actor=None, workspace=workspace, kind=kind, name=path.name, data=path.read_bytes()
        )
        progress(f"  {imported.summary()}")


def sandbox_customers(
    *,
    workspace: Workspace,
    out_dir: Path,
    scale: str,
    seed: int,
    organisation: Path,
    progress: Callable[[str], None] = lambda _: None,
) -> CrmFiles:
    """Write the sandbox's CRM exports and import them (``greenroom demo`` calls this)."""
    progress("Importing the customers from Salesforce and HubSpot exports")
    files = crm_generate(out_dir=out_dir, scale=scale, seed=seed, organisation=organisation)
    crm_load(workspace=workspace, files=files, progress=progress)
    return files
