"""Checks between sources: where the CRM, billing, HR and the ledger disagree.

Pure functions over plain rows (the selectors gather them), largest mismatch first, so each
check is tested on hand-worked examples. Amounts are in the workspace's reporting currency.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from greenroom.dashboards.formatting import change

# ARR differences smaller than this share of billing ARR (or one currency unit) are rounding.
ARR_TOLERANCE = Decimal("0.01")
# Ledger payroll within this share of HR's loaded cost agrees (accruals, rounding, FX).
PAYROLL_TOLERANCE = 0.05
# Ledger lines whose account or description holds one of these words are payroll.
PAYROLL_WORDS = ("payroll", "salar", "wage")


@dataclass(frozen=True)
class CrmAccount:
    """What the CRM says about an account."""

    pk: int
    name: str
    stage: str
    crm_arr: Decimal | None


@dataclass(frozen=True)
class Mismatch:
    """One disagreement: the account or team, both sides' figures, and the gap."""

    subject: str
    pk: int | None
    crm: Decimal | float | None
    billing: Decimal | float | None
    gap: Decimal | float
    detail: str = ""


def churned_but_paying(
    accounts: Iterable[CrmAccount], billing_arr: Mapping[int, Decimal]
) -> list[Mismatch]:
    """Accounts the CRM calls churned that billing still charges, largest billing ARR first."""
    found = [
        Mismatch(a.name, a.pk, a.crm_arr, billing_arr[a.pk], billing_arr[a.pk])
        for a in accounts
        if a.stage == "churned" and billing_arr.get(a.pk, Decimal(0)) > 0
    ]
    return sorted(found, key=lambda m: (-m.gap, m.subject))


def customers_without_billing(
    accounts: Iterable[CrmAccount], billing_arr: Mapping[int, Decimal]
) -> list[Mismatch]:
    """Accounts the CRM calls customers that billing does not charge, largest CRM ARR first
    (accounts with no CRM ARR last)."""
    found = [
        Mismatch(a.name, a.pk, a.crm_arr, None, a.crm_arr or Decimal(0))
        for a in accounts
        if a.stage == "customer" and billing_arr.get(a.pk, Decimal(0)) <= 0
    ]
    return sorted(found, key=lambda m: (-m.gap, m.subject))


def arr_mismatches(
    accounts: Iterable[CrmAccount], billing_arr: Mapping[int, Decimal]
) -> list[Mismatch]:
    """Accounts whose CRM ARR differs from billing ARR beyond rounding (1 % of billing ARR,
    at least one unit), largest absolute gap first; gap = CRM - billing."""
    found = []
    for a in accounts:
        billed = billing_arr.get(a.pk)
        if a.crm_arr is None or billed is None or billed <= 0:
            continue
        gap = a.crm_arr - billed
        if abs(gap) > max(ARR_TOLERANCE * billed, Decimal(1)):
            found.append(
                Mismatch(a.name, a.pk, a.crm_arr, billed, gap, change(float(gap / billed)))
            )
    return sorted(found, key=lambda m: (-abs(float(m.gap)), m.subject))


def is_payroll(account: str, description: str) -> bool:
    """Whether a ledger line is payroll, by the words of its account or description."""
    text = f"{account} {description}".lower()
    return any(word in text for word in PAYROLL_WORDS)


def payroll_mismatches(
    hr_cost: Mapping[tuple[str, date], float],
    ledger_payroll: Mapping[tuple[str, date], float],
    headcount: Mapping[tuple[str, date], float],
    *,
    month: date,
) -> list[Mismatch]:
    """Per team, HR's loaded people cost for ``month`` against the ledger's payroll lines
    booked to the team that month, beyond 5 %; largest absolute gap first; gap = HR - ledger.
    A team on one side only is a mismatch of its whole amount."""
    teams = {team for team, m in (*hr_cost, *ledger_payroll) if m == month}
    found = []
    for team in teams:
        hr = hr_cost.get((team, month), 0.0)
        ledger = ledger_payroll.get((team, month), 0.0)
        gap = hr - ledger
        if abs(gap) > PAYROLL_TOLERANCE * max(abs(hr), abs(ledger)):
            people = headcount.get((team, month), 0.0)
            share = f"{change(gap / ledger)} vs ledger" if ledger else "no payroll in the ledger"
            found.append(Mismatch(team, None, hr, ledger, gap, f"{people:g} people; {share}"))
    return sorted(found, key=lambda m: (-abs(float(m.gap)), m.subject))
