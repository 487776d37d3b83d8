"""Numbers as people read them, on hand-worked cases."""

from datetime import date

import pytest
from django.template import Context, Template

from greenroom.dashboards import formatting, periods

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        ("", "—"),
        (float("nan"), "—"),
        (0, "0"),
        (-0.3, "0"),
        (12.5, "13"),  # half up, not to even
        (950, "950"),
        (999.49, "999"),
        (999.5, "1.0K"),
        (1234, "1.2K"),
        (999_949, "999.9K"),
        (999_950, "1.0M"),  # the rounding carries into the next unit
        (11_713_522.70, "11.7M"),
        (-2_500, "-2.5K"),
        (1_250_000_000, "1.3B"),
        (999_950_000, "1.0B"),
    ],
)
def test_it_writes_compact_figures(value, shown):
    assert formatting.compact(value) == shown


def test_it_writes_money_with_its_symbol_and_the_exact_figure():
    assert formatting.compact_money(11_713_522.70) == "$11.7M"
    assert formatting.compact_money(-2_500) == "-$2.5K"
    assert formatting.compact_money(999_950, "EUR") == "€1.0M"
    assert formatting.compact_money(1_000, "CHF") == "CHF 1.0K"
    assert formatting.exact_money(11_713_522.7) == "$11,713,522.70"
    assert formatting.exact_money(-0.5) == "-$0.50"
    assert formatting.exact_money(None) == "—"


def test_it_writes_percentages_and_changes_with_one_decimal():
    assert formatting.percent(0.98765) == "98.8 %"
    assert formatting.percent(0) == "0.0 %"
    assert formatting.percent(None) == "—"
    assert formatting.change(0.0421) == "+4.2 %"
    assert formatting.change(-0.1) == f"{MINUS}10.0 %"
    assert formatting.change(-0.0004) == "0.0 %"  # rounds to nothing: no sign
    assert formatting.change(None) == "—"
    assert formatting.points(0.012) == "+1.2 pts"
    assert formatting.points(-0.031) == f"{MINUS}3.1 pts"
    assert formatting.integer(103771.4) == "103,771"
    assert formatting.decimal(1234.56) == "1,234.6"


def test_it_separates_thousands_in_large_percentages_and_changes():
    # CRM ARR of $2.9M against $86.1K billed: a gap of 32.722 times, +3,272.2 %.
    assert formatting.change(32.722) == "+3,272.2 %"
    assert formatting.change(-12.5) == f"{MINUS}1,250.0 %"
    assert formatting.percent(12.5) == "1,250.0 %"
    assert formatting.points(10.0) == "+1,000.0 pts"
    assert formatting.change(9.994) == "+999.4 %"  # below a thousand: no separator


def test_it_puts_the_exact_figure_on_hover_and_escapes_it():
    html = Template("{% load dashboard_format %}{% figure v 'currency' 'USD' %}").render(
        Context({"v": 11_713_522.7})
    )
    assert html == '<span class="figure" title="$11,713,522.70">$11.7M</span>'
    ratio = Template("{% load dashboard_format %}{% figure v 'ratio' %}").render(
        Context({"v": None})
    )
    assert ">—<" in ratio


@pytest.mark.parametrize(
    ("code", "first", "last", "label"),
    [
        (None, date(2025, 6, 1), date(2026, 5, 1), "Last 12 months"),
        ("3m", date(2026, 3, 1), date(2026, 5, 1), "Last 3 months"),
        ("ytd", date(2026, 1, 1), date(2026, 5, 1), "2026 to date"),
        ("2025", date(2025, 1, 1), date(2025, 12, 1), "2025"),
        ("2025Q4", date(2025, 10, 1), date(2025, 12, 1), "Q4 2025"),
        ("2026q1", date(2026, 1, 1), date(2026, 3, 1), "Q1 2026"),
    ],
)
def test_it_reads_periods_against_the_as_of_date(code, first, last, label):
    period = periods.parse(code, as_of=date(2026, 5, 31))
    assert (period.first, period.last, period.label) == (first, last, label)


@pytest.mark.parametrize("code", ["2025Q5", "13m", "<script>", "1800", "2099", "x" * 40])
def test_it_refuses_a_period_it_cannot_read_with_a_message(code):
    with pytest.raises(periods.PeriodError) as error:
        periods.parse(code, as_of=date(2026, 5, 31))
    assert str(error.value)


def test_it_counts_months_across_years():
    assert periods.month_add(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert periods.month_add(date(2025, 11, 1), 14) == date(2027, 1, 1)
    assert periods.parse("24m", as_of=date(2026, 5, 2)).months == 24


def test_it_colours_a_change_by_which_way_is_better():
    render = Template("{% load dashboard_format %}{{ v|trend_class:better }}").render
    assert render(Context({"v": 0.05, "better": "up"})) == "good"
    assert render(Context({"v": -0.002, "better": "down"})) == "good"  # churn falling
    assert render(Context({"v": 0.002, "better": "down"})) == "bad"
    assert render(Context({"v": 0.0001, "better": "up"})) == "flat"
    assert render(Context({"v": None, "better": "up"})) == "flat"
