"""Likely duplicate accounts and contacts, and what merging each pair would keep.

Pairs come from exact keys first (email, domain, a CRM id appearing on two rows) and then
from fuzzy names inside small blocks (contacts of one account; accounts sharing a country
and the first letters of their normalised name), so the search stays fast at 100,000
contacts. The older row is kept; the other one's values fill its blanks.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz

from greenroom.accounts.models import Workspace
from greenroom.customers.models import EXTERNAL_IDS, Account, Contact

NAME_SCORE = 92
LIMIT = 100
COMPANY_SUFFIXES = re.compile(
    r"\b(inc|llc|ltd|limited|gmbh|ag|bv|nv|sa|sas|as|ab|oy|plc|corp|corporation|co|group)\b\.?"
)
ACCOUNT_FIELDS = (
    "name", "domain", "country", "industry", "employees", "segment", "market", "region",
    "plan", "crm_arr", "owner", "success_manager", *EXTERNAL_IDS,
)  # fmt: skip
CONTACT_FIELDS = (
    "first_name", "last_name", "email", "phone", "title", "role", "account", *EXTERNAL_IDS,
)  # fmt: skip


@dataclass
class Pair:
    """Two rows that look like one, why, and the row a merge would leave."""

    kind: str
    keep: Account | Contact
    other: Account | Contact
    reasons: list[str]
    rows: list[dict] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def merged_values(keep, other, fields: tuple[str, ...]) -> tuple[list[dict], list[str]]:
    """Per field: the kept value, the other's, the result; and the CRM-id conflicts that
    make a merge impossible (two different ids from the same system)."""
    rows, conflicts = [], []
    for name in fields:
        mine, theirs = getattr(keep, name), getattr(other, name)
        result = mine if mine not in (None, "") else theirs
        rows.append({"field": name, "keep": mine, "other": theirs, "result": result})
        if name in EXTERNAL_IDS and mine and theirs and mine != theirs:
            conflicts.append(
                f"both have a {name.replace('_', ' ')} ({mine} and {theirs}): they are two "
                "records in that system; merge them there first"
            )
    return rows, conflicts


def _pair(kind: str, first, second, reasons: list[str], fields) -> Pair:
    keep, other = sorted((first, second), key=lambda row: row.pk)
    rows, conflicts = merged_values(keep, other, fields)
    return Pair(kind, keep, other, reasons, rows, conflicts)


def _shared_ids(rows) -> dict[tuple[int, int], list[str]]:
    owners: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        for name in EXTERNAL_IDS:
            if row[name]:
                owners[row[name]].add(row["pk"])
    found: dict[tuple[int, int], list[str]] = defaultdict(list)
    for value, pks in owners.items():
        for a, b in combinations(sorted(pks), 2):
            found[(a, b)].append(f"the id {value} is on both")
    return found


def _normal_company(name: str) -> str:
    return " ".join(COMPANY_SUFFIXES.sub(" ", name.lower().replace(",", " ")).split())


def duplicate_accounts(*, workspace: Workspace, limit: int = LIMIT) -> list[Pair]:
    """Likely duplicate accounts: same domain, same CRM id, or near-identical names."""
    rows = list(
        Account.objects.for_workspace(workspace).values(
            "pk", "name", "domain", "country", *EXTERNAL_IDS
        )
    )
    reasons: dict[tuple[int, int], list[str]] = _shared_ids(rows)
    by_domain: dict[str, list[int]] = defaultdict(list)
    blocks: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        if row["domain"]:
            by_domain[row["domain"]].append(row["pk"])
        normal = _normal_company(row["name"])
        blocks[(row["country"], normal[:3])].append({**row, "normal": normal})
    for domain, pks in by_domain.items():
        for a, b in combinations(sorted(pks), 2):
            reasons[(a, b)].append(f"same domain {domain}")
    for block in blocks.values():
        for one, other in combinations(block, 2):
            score = fuzz.token_sort_ratio(one["normal"], other["normal"])
            if score >= NAME_SCORE:
                key = tuple(sorted((one["pk"], other["pk"])))
                reasons[key].append(f"similar names ({score:.0f}%)")
    return _pairs("accounts", Account, workspace, reasons, ACCOUNT_FIELDS, limit)


def duplicate_contacts(*, workspace: Workspace, limit: int = LIMIT) -> list[Pair]:
    """Likely duplicate contacts: same email, same CRM id, or near-identical names at the
    same account."""
    rows = list(
        Contact.objects.for_workspace(workspace)
        .filter(erased_at__isnull=True)
        .values("pk", "first_name", "last_name", "email", "account_id", *EXTERNAL_IDS)
    )
    reasons = _shared_ids(rows)
    by_email: dict[str, list[int]] = defaultdict(list)
    by_account: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        if row["email"]:
            by_email[row["email"]].append(row["pk"])
        by_account[row["account_id"]].append(row)
    for email, pks in by_email.items():
        for a, b in combinations(sorted(pks), 2):
            reasons[(a, b)].append(f"same email {email}")
    for people in by_account.values():
        for one, other in combinations(people, 2):
            names = [f"{p['first_name']} {p['last_name']}".lower() for p in (one, other)]
            score = fuzz.token_sort_ratio(*names)
            if score >= NAME_SCORE:
                reasons[tuple(sorted((one["pk"], other["pk"])))].append(
                    f"similar names at the same account ({score:.0f}%)"
                )
    return _pairs("contacts", Contact, workspace, reasons, CONTACT_FIELDS, limit)


def _pairs(kind, model, workspace, reasons: dict, fields, limit: int) -> list[Pair]:
    keys = sorted(reasons)[:limit]
    wanted = {pk for key in keys for pk in key}
    related = [
        f
        for f in fields
        if f in {"segment", "market", "region", "plan", "owner", "success_manager", "account"}
    ]
    loaded = model.objects.for_workspace(workspace).filter(pk__in=wanted).select_related(*related)
    by_pk = {row.pk: row for row in loaded}
    return [
        _pair(kind, by_pk[a], by_pk[b], reasons[(a, b)], fields)
        for a, b in keys
        if a in by_pk and b in by_pk
    ]
