"""How many decimals each currency's minor unit has: ISO 4217, and Stripe's own amounts.

ISO 4217's table comes from the ``iso4217`` package, which ships the maintenance agency's
published list (SIX) and is re-released when it changes. CLDR (Babel's
``get_currency_precision``) is not used: it gives the digits people are shown, so it says 0
for AFN, ALL, COP, HUF, IDR, IQD, IRR, KPW, LAK, LBP, MGA, MMK, SOS, SYP and YER where ISO
4217 says 2 (3 for IQD), and an amount read with it would be off by 100 or 1,000.

Stripe writes amounts as integers in its own idea of the minor unit (docs: "Supported
currencies", minor units in API amounts): its zero-decimal currencies (BIF, CLP, DJF, GNF,
JPY, KMF, KRW, MGA, PYG, RWF, UGX, VND, VUV, XAF, XOF, XPF), its three-decimal ones (BHD, JOD,
KWD, OMR, TND), and two decimals for every other currency. That is ISO 4217 except where
Stripe says otherwise, listed in STRIPE_DIFFERS_FROM_ISO.
"""

from functools import cache

from iso4217 import Currency

# Stripe's documented departures from ISO 4217: ISK is zero-decimal in ISO but Stripe keeps
# it two-decimal for backwards compatibility (amounts end in 00); MGA is two-decimal in ISO
# (its minor unit is a fifth) and zero-decimal at Stripe.
STRIPE_DIFFERS_FROM_ISO = {"ISK": 2, "MGA": 0}
# Stripe's default, and the one for codes ISO no longer lists (BGN, HRK, SLL...): two.
DEFAULT_DECIMALS = 2


@cache
def iso_decimals() -> dict[str, int]:
    """ISO 4217 code → decimals of its minor unit, for every currency that has one (funds
    such as gold, XAU, have none and are left out)."""
    return {c.code: c.exponent for c in Currency if c.exponent is not None}


def stripe_decimals(code: str) -> int:
    """Decimals of a Stripe amount in ``code`` (any case): 0 for JPY, 3 for KWD, 2 for USD."""
    code = code.upper()
    if code in STRIPE_DIFFERS_FROM_ISO:
        return STRIPE_DIFFERS_FROM_ISO[code]
    return iso_decimals().get(code, DEFAULT_DECIMALS)


def stripe_divisor_sql(column: str) -> str:
    """SQL giving the number to divide a Stripe amount in ``column``'s (lower-case) currency
    by to get major units; only the currencies that are not two-decimal are spelled out."""
    codes = set(iso_decimals()) | set(STRIPE_DIFFERS_FROM_ISO)
    by_decimals: dict[int, list[str]] = {}
    for code in sorted(codes):
        decimals = stripe_decimals(code)
        if decimals != DEFAULT_DECIMALS:
            by_decimals.setdefault(decimals, []).append(f"'{code.lower()}'")
    cases = " ".join(
        f"WHEN {column} IN ({', '.join(codes)}) THEN {10**decimals}"
        for decimals, codes in sorted(by_decimals.items())
    )
    return f"(CASE {cases} ELSE {10**DEFAULT_DECIMALS} END)"
