"""ISO 4217 currency codes and ISO 3166 countries, from pycountry (Debian's iso-codes)."""

from functools import cache

import pycountry

CURRENCIES: frozenset[str] = frozenset(currency.alpha_3 for currency in pycountry.currencies)
CURRENCIES_SQL = "(" + ", ".join(f"'{code}'" for code in sorted(CURRENCIES)) + ")"

# Names CRMs commonly hold that are not ISO short names.
COUNTRY_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "great britain": "GB",
    "usa": "US",
    "us": "US",
    "united states of america": "US",
    "south korea": "KR",
    "russia": "RU",
    "czech republic": "CZ",
    "the netherlands": "NL",
    "holland": "NL",
}


@cache
def country_rows() -> list[tuple[str, str]]:
    """(lower-case name or code, alpha-2) pairs for every way a country is commonly written."""
    rows: dict[str, str] = dict(COUNTRY_ALIASES)
    for country in pycountry.countries:
        for name in (
            country.alpha_2,
            country.alpha_3,
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
        ):
            if name:
                rows.setdefault(name.lower(), country.alpha_2)
    return sorted(rows.items())
