"""Each discrepancy check on a hand-worked example."""

from datetime import date
from decimal import Decimal as D

from greenroom.health import discrepancies as d

ACCOUNTS = [
    d.CrmAccount(1, "Acme", "churned", D("50000")),
    d.CrmAccount(2, "Globex", "churned", None),
    d.CrmAccount(3, "Initech", "churned", D("9000")),
    d.CrmAccount(4, "Umbrella", "customer", D("120000")),
    d.CrmAccount(5, "Hooli", "customer", D("30000")),
    d.CrmAccount(6, "Vandelay", "customer", D("10000")),
    d.CrmAccount(7, "Stark", "customer", D("20000")),
    d.CrmAccount(8, "Wayne", "prospect", D("5000")),
]
BILLING = {1: D("1070000"), 2: D("12000"), 5: D("30200"), 6: D("10050"), 7: D("15000"), 8: D("5")}


def test_it_lists_churned_accounts_still_paying_largest_billing_first():
    found = d.churned_but_paying(ACCOUNTS, BILLING)
    assert [(m.subject, m.billing) for m in found] == [
        ("Acme", D("1070000")),
        ("Globex", D("12000")),
    ]


def test_it_lists_crm_customers_billing_does_not_charge_largest_crm_arr_first():
    found = d.customers_without_billing(ACCOUNTS, {**BILLING, 6: D("0")})
    assert [(m.subject, m.crm) for m in found] == [
        ("Umbrella", D("120000")),
        ("Vandelay", D("10000")),
    ]


def test_it_lists_arr_gaps_beyond_one_percent_largest_first():
    # Acme: 50,000 - 1,070,000 = -1,020,000; Stark: 20,000 - 15,000 = +5,000 (+33.3 %);
    # Hooli: -200 is 0.66 % of 30,200 (rounding); Vandelay: -50 is 0.5 %; Wayne's 4,995 gap
    # on 5 of billing is +99,900 %.
    found = d.arr_mismatches(ACCOUNTS, BILLING)
    assert [(m.subject, m.gap, m.detail) for m in found] == [
        ("Acme", D("-1020000"), "\u221295.3 %"),  # a typographic minus, as on the dashboards
        ("Stark", D("5000"), "+33.3 %"),
        ("Wayne", D("4995"), "+99,900.0 %"),
    ]


def test_it_knows_payroll_lines_by_their_words():
    assert d.is_payroll("5100", "Monthly payroll run")
    assert d.is_payroll("Salaries and wages", "")
    assert not d.is_payroll("6100", "Cloud hosting")


def test_it_compares_hr_loaded_cost_with_ledger_payroll_per_team_beyond_five_percent():
    may = date(2026, 5, 1)
    hr = {("Core", may): 100_000.0, ("Growth", may): 50_000.0, ("Data", may): 40_000.0,
          ("Core", date(2026, 4, 1)): 1.0}  # fmt: skip
    ledger = {("Core", may): 97_000.0, ("Growth", may): 60_000.0, ("Ops", may): 8_000.0}
    people = {("Core", may): 8.0, ("Growth", may): 4.0, ("Data", may): 3.0}
    found = d.payroll_mismatches(hr, ledger, people, month=may)
    # Core: 3,000 is 3 % (agrees). Data: 40,000 against nothing. Growth: -10,000 is
    # 16.7 % of 60,000. Ops: no one in HR, 8,000 of payroll.
    assert [(m.subject, m.gap) for m in found] == [
        ("Data", 40_000.0),
        ("Growth", -10_000.0),
        ("Ops", -8_000.0),
    ]
    assert found[0].detail == "3 people; no payroll in the ledger"
    assert found[1].detail == "4 people; \u221216.7 % vs ledger"
