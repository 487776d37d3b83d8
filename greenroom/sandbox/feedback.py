"""The sandbox company's feedback, written as the exports of the tools it comes from.

Support tickets (Zendesk CSV), chat conversations (Intercom CSV), cases of sales-led accounts
(Salesforce Case CSV), sales calls (Gong-style CSV) and Google Play reviews, about 20,000
items at medium scale, each from a contact of the sandbox's CRM exports (reviews come from
the public: they match no one). Planted themes tie to the sandbox's products and lean to the
segments that would ask for them (SSO to enterprise, Excel exports to mid-market...), so the
opportunities built from them show real demand. ``sandbox_feedback`` then loads the files
through the feedback importers, and product ops' first triage (taxonomy, opportunities,
highlights, one shipped) through the feedback services.
"""

import csv
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from greenroom.accounts.models import User, Workspace
from greenroom.feedback import importing, services, suggestions
from greenroom.feedback.choices import OpportunityStatus
from greenroom.feedback.models import FeedbackItem, Opportunity
from greenroom.organisation.models import ProductArea
from greenroom.sandbox.crm import CrmFiles

SIZES = {"small": 6000, "medium": 20000, "large": 30000, "bench": 100000}
# source kind, share of items, file name
SOURCES = [
    ("zendesk", 0.40, "zendesk-tickets.csv"),
    ("intercom", 0.20, "intercom-conversations.csv"),
    ("salesforce", 0.15, "salesforce-cases.csv"),
    ("gong", 0.10, "gong-calls.csv"),
    ("app_review", 0.15, "play-reviews.csv"),
]
# theme: (product area, share, segment it leans to, tag, phrasings)
THEMES = {
    "SAML single sign-on": (
        "Permissions & SSO",
        0.09,
        "Enterprise",
        "sso",
        [
            "We need SAML SSO with Okta before we can roll out to the whole company.",
            "Our security team requires single sign-on (SAML) and SCIM provisioning.",
            "Can you support Azure AD SSO? IT will not approve another password.",
        ],
    ),
    "Export reports to Excel": (
        "Scheduled reports",
        0.08,
        "Mid-market",
        "exports",
        [
            "Please let us export scheduled reports to Excel, finance lives in spreadsheets.",
            "The CSV export breaks our umlauts; an XLSX export would fix it.",
            "Exporting a dashboard to Excel would save me an hour every Monday.",
        ],
    ),
    "Slack integration for notifications": (
        "Integrations",
        0.07,
        "SMB",
        "integrations",
        [
            "Send task notifications to Slack channels instead of email.",
            "A Slack integration would help, nobody reads the email digests.",
        ],
    ),
    "Recurring tasks": (
        "Tasks & boards",
        0.06,
        "SMB",
        "tasks",
        [
            "I want tasks that repeat every week without copying them by hand.",
            "Recurring tasks are the one thing keeping us on our old tool.",
        ],
    ),
    "Invoices in the customer's language": (
        "Invoicing",
        0.05,
        "Mid-market",
        "invoicing",
        [
            "Our German customers need invoices in German with the VAT line.",
            "Invoice PDFs should follow the customer's language and currency.",
        ],
    ),
    "Audit log of permission changes": (
        "Permissions & SSO",
        0.04,
        "Enterprise",
        "audit",
        [
            "Compliance asks who changed permissions and when; we need an audit log.",
            "An exportable audit trail of admin actions is required by our auditors.",
        ],
    ),
    "App crashes on start": (
        "Notifications",
        0.05,
        "",
        "mobile",
        [
            "The app crashes every time I open it after the update.",
            "Crashes on start on my Pixel, please fix.",
        ],
    ),
}
NOISE = [
    "How do I reset my password?",
    "Thanks, the new board view is great.",
    "The page was slow this morning.",
    "Where can I change my billing address?",
    "Love the product, keep going!",
    "Can I move a project to another workspace?",
    "Dark mode would be nice.",
    "The onboarding emails were helpful.",
]


@dataclass(frozen=True)
class FeedbackFiles:
    paths: dict[str, Path]


def _people(files: CrmFiles) -> list[tuple[str, str, str, str]]:
    """(email, name, contact id, account id) of the CRM exports' contacts."""
    people = []
    with files.salesforce_contacts.open(newline="") as handle:
        for row in csv.DictReader(handle):
            name = f"{row['First Name']} {row['Last Name']}"
            people.append((row["Email"], name, row["Contact ID"], row["Account ID"]))
    with files.hubspot_contacts.open(newline="") as handle:
        for row in csv.DictReader(handle):
            name = f"{row['First Name']} {row['Last Name']}"
            people.append((row["Email"], name, row["Record ID"], row["Associated Company ID"]))
    return people


def _segments(files: CrmFiles) -> dict[str, str]:
    with files.salesforce_accounts.open(newline="") as handle:
        found = {row["Account ID"]: row["Segment"] for row in csv.DictReader(handle)}
    with files.hubspot_companies.open(newline="") as handle:
        found.update({row["Record ID"]: "SMB" for row in csv.DictReader(handle)})
    return found


def feedback_generate(
    *, out_dir: Path, scale: str, seed: int, crm: CrmFiles, now: datetime | None = None
) -> FeedbackFiles:
    """Write the feedback exports for ``scale``, deterministically from ``seed``."""
    now = now or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rng = np.random.default_rng(seed * 31 + 12)
    people, segments = _people(crm), _segments(crm)
    by_segment: dict[str, list[int]] = {}
    for index, (_, _, _, account) in enumerate(people):
        by_segment.setdefault(segments.get(account, "SMB"), []).append(index)
    total = SIZES[scale]
    names = list(THEMES)
    shares = np.array([THEMES[n][1] for n in names])
    # Theme of each item (-1: noise), source, author, age in days (recent ones more often).
    # Index len(names) is noise, turned into -1.
    theme = rng.choice(len(names) + 1, size=total, p=[*shares, 1 - shares.sum()])
    theme = np.where(theme == len(names), -1, theme)
    source = rng.choice(len(SOURCES), size=total, p=[s[1] for s in SOURCES])
    age = np.minimum(rng.exponential(120, size=total), 729).astype(int)
    pick = rng.random(size=total)
    everyone = np.arange(len(people))
    authors = rng.choice(everyone, size=total)
    for t, name in enumerate(names):
        lean = THEMES[name][2]
        pool = np.array(by_segment.get(lean, everyone))
        # Two thirds of a theme's items come from the segment it leans to.
        chosen = (theme == t) & (pick < 0.67) & (len(pool) > 0)
        authors[chosen] = rng.choice(pool, size=int(chosen.sum()))
    rows: dict[str, list[list]] = {kind: [] for kind, _, _ in SOURCES}
    rand = random.Random(seed)
    for n in range(total):
        kind = SOURCES[source[n]][0]
        if theme[n] >= 0:
            title = names[theme[n]]
            text = rand.choice(THEMES[title][4])
        else:
            title, text = "Question", rand.choice(NOISE)
        when = now - timedelta(days=int(age[n]), minutes=n % 1440)
        email, name, contact_id, account_id = people[authors[n]]
        rows[kind].append(
            _row(
                kind,
                n,
                when,
                title,
                text,
                email,
                name,
                contact_id,
                account_id,
                THEMES[title][3] if theme[n] >= 0 else "",
            )
        )
    paths = {}
    for kind, _, filename in SOURCES:
        paths[kind] = out_dir / filename
        with paths[kind].open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS[kind])
            writer.writerows(rows[kind])
    return FeedbackFiles(paths)


HEADERS = {
    "zendesk": [
        "Id",
        "Requester",
        "Requester email",
        "Subject",
        "Tags",
        "Status",
        "Via",
        "Created at",
        "Description",
    ],
    "intercom": [
        "Conversation ID",
        "Created at",
        "User email",
        "User name",
        "Conversation first message",
    ],
    "salesforce": [
        "Case Number",
        "Subject",
        "Description",
        "Contact ID",
        "Account ID",
        "Case Origin",
        "Date/Time Opened",
    ],
    "gong": ["Call ID", "Title", "Date", "CRM account ID", "Brief"],
    "app_review": [
        "Package Name",
        "Review Submit Date and Time",
        "Star Rating",
        "Review Title",
        "Review Text",
        "Review Link",
    ],
}


def _row(kind, n, when, title, text, email, name, contact_id, account_id, tag) -> list:
    stamp = when.strftime("%Y-%m-%d %H:%M:%S +0000")
    if kind == "zendesk":
        return [100000 + n, name, email, title, tag, "solved", "Web", stamp, text]
    if kind == "intercom":
        return [f"ic{n}", when.isoformat(), email, name, text]
    if kind == "salesforce":
        return [f"{n:08d}", title, text, contact_id, account_id, "Web", when.isoformat()]
    if kind == "gong":
        return [
            f"call-{n}",
            f"Call: {title}",
            when.date().isoformat(),
            account_id,
            f"Customer said: {text}",
        ]
    stars = 1 + n % 3 if tag else 3 + n % 3
    link = f"https://play.google.com/store/apps/details?id=com.harbor&reviewId={n}"
    return ["com.harbor.app", when.isoformat(), stars, "", text, link]


def feedback_load(
    *, workspace: Workspace, files: FeedbackFiles, progress: Callable[[str], None]
) -> None:
    """Import the exports through the feedback importers, then a first triage."""
    for kind, path in files.paths.items():
        with path.open("rb") as stream:
            ingested = importing.feedback_import(
                actor=None, workspace=workspace, source_kind=kind, name=path.name, stream=stream
            )
        progress(f"  {ingested.report.summary()}")
    actor = User.objects.filter(
        memberships__workspace=workspace, memberships__role="product_ops"
    ).first()
    if actor is not None:
        _first_triage(workspace, actor)


def _first_triage(workspace: Workspace, actor: User) -> None:
    """Product ops' first pass: the taxonomy, one opportunity per theme with a few dozen
    passages linked, and one of them shipped."""
    areas = {a.name: a for a in ProductArea.objects.for_workspace(workspace)}
    for title, (area, _, _, tag, phrasings) in THEMES.items():
        services.tag_save(actor=actor, workspace=workspace, name=title, synonyms=tag)
        opportunity = services.opportunity_create(
            actor=actor,
            workspace=workspace,
            title=title,
            product_area=areas.get(area),
            description=f"Customers ask for: {phrasings[0]}",
        )
        pks = list(
            FeedbackItem.objects.for_workspace(workspace)
            .filter(text__in=phrasings, account__isnull=False)
            .order_by("received_at", "pk")
            .values_list("pk", flat=True)
        )
        # Forty passages spread over the two years, so the trend has a shape.
        chosen = pks[:: max(len(pks) // 40, 1)][:40]
        items = FeedbackItem.objects.for_workspace(workspace).filter(pk__in=chosen)
        for n, item in enumerate(items.order_by("received_at")):
            services.highlight_create(
                actor=actor,
                item=item,
                opportunity=opportunity,
                start=0,
                end=len(item.text),
                importance=1 + n % 3,
            )
    shipped = Opportunity.objects.for_workspace(workspace).get(title="Recurring tasks")
    services.opportunity_update(actor=actor, opportunity=shipped, status=OpportunityStatus.SHIPPED)


def sandbox_feedback(
    *,
    workspace: Workspace,
    out_dir: Path,
    scale: str,
    seed: int,
    crm: CrmFiles,
    progress: Callable[[str], None] = lambda _: None,
    files: FeedbackFiles | None = None,
) -> FeedbackFiles:
    """Import the sandbox's feedback exports (``files``, or written now) and triage them, then
    build the themes (``greenroom demo`` calls this)."""
    progress("Importing feedback from Zendesk, Intercom, Salesforce, Gong and Google Play")
    started = time.monotonic()
    files = files or feedback_generate(out_dir=out_dir, scale=scale, seed=seed, crm=crm)
    feedback_load(workspace=workspace, files=files, progress=progress)
    # Themes now; suggestions are learnt later by the "Learn suggestions" job (tens of seconds).
    progress(f"  {suggestions.themes_rebuild(workspace=workspace)} feedback themes built")
    progress(f"  feedback imported and triaged in {time.monotonic() - started:.1f} s")
    return files
