"""Write the sandbox company's source files, deterministically from a seed.

The generator only writes files in the formats users import; ``greenroom demo`` then loads
them through the same import code users use. Later capabilities add their own files here.
"""

import json
import random
from dataclasses import dataclass
from pathlib import Path

from faker import Faker

from greenroom.sandbox import company

SCALES = {
    # people per team is multiplied by this; later capabilities size accounts and events too
    "small": {"team_size": 0.6},
    "medium": {"team_size": 1.0},
    "large": {"team_size": 1.5},
}


@dataclass(frozen=True)
class SandboxFiles:
    organisation: Path
    users: Path


def generate(*, out_dir: Path, scale: str = "medium", seed: int = 7) -> SandboxFiles:
    """Write every sandbox source file into ``out_dir`` and say where they are."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    files = SandboxFiles(out_dir / "organisation.json", out_dir / "users.json")
    _write(files.organisation, organisation_document(rng, fake, SCALES[scale]["team_size"]))
    _write(files.users, users_document())
    return files


def _write(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def organisation_document(rng: random.Random, fake: Faker, team_size: float) -> dict:
    """The organisation import document (docs/import-formats.md) for the sandbox company."""
    teams, people = _teams_and_people(rng, fake, team_size)
    lines, products, areas = _portfolio()
    regions, markets = _geography()
    return {
        "format": "greenroom.organisation/1",
        "teams": teams,
        "people": people,
        "product-lines": lines,
        "products": products,
        "product-areas": areas,
        "regions": regions,
        "markets": markets,
        "segments": [
            {
                "name": name,
                "min_employees": low,
                "max_employees": high,
                "rank": rank,
                "description": text,
            }
            for rank, (name, low, high, text) in enumerate(company.SEGMENTS)
        ],
        "plans": [
            {
                "name": name,
                "code": code,
                "list_price_monthly": price,
                "currency": "USD",
                "rank": rank,
                "description": text,
            }
            for rank, (name, code, price, text) in enumerate(company.PLANS)
        ],
    }


def _teams_and_people(rng: random.Random, fake: Faker, team_size: float):
    teams, people, used_names = [], [], set()
    for team_name, description in company.TEAMS.items():
        members = []
        for title, count in company.TEAM_ROLES:
            # Engineering headcount varies by team; the leads are always there.
            scaled = (
                count if count == 1 else max(1, round(count * team_size * rng.uniform(0.6, 1.4)))
            )
            members += [title] * scaled
        for title in members:
            first, last = _unused_name(fake, used_names)
            name = f"{first} {last}"
            email = f"{first}.{last}".lower().replace(" ", "").replace("'", "") + "@harbor.example"
            people.append({"name": name, "title": title, "email": email, "team": team_name})
        # Some teams are hiring: their plan is above the people they have.
        plan = len(members) + (rng.choice([0, 0, 1, 2]))
        teams.append({"name": team_name, "description": description, "headcount_plan": plan})
    return teams, people


def _unused_name(fake: Faker, used: set[str]) -> tuple[str, str]:
    # People are matched by name on import, so names must not repeat within the company.
    while True:
        first, last = fake.first_name(), fake.last_name()
        if f"{first} {last}" not in used:
            used.add(f"{first} {last}")
            return first, last


def _portfolio():
    lines, products, areas = [], [], []
    for line_name, line in company.PORTFOLIO.items():
        lines.append({"name": line_name, "owner_team": line["owner"]})
        for product_name, (key, launched, owner, product_areas) in line["products"].items():
            products.append(
                {
                    "name": product_name,
                    "key": key,
                    "product_line": line_name,
                    "owner_team": owner,
                    "launched_on": launched,
                }
            )
            areas += [
                {"name": area, "product": product_name, "owner_team": area_owner}
                for area, area_owner in product_areas.items()
            ]
    return lines, products, areas


def _geography():
    regions, markets = [], []
    for region_name, (code, region_markets) in company.REGIONS.items():
        regions.append({"name": region_name, "code": code})
        markets += [
            {"name": market, "region": region_name, "countries": countries}
            for market, countries in region_markets.items()
        ]
    return regions, markets


def users_document() -> dict:
    """The demo sign-ins, one per role."""
    return {
        "users": [
            {"email": email, "first_name": first, "last_name": last, "role": role}
            for email, first, last, role in company.DEMO_USERS
        ]
    }
