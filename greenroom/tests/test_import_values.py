"""Amounts in imported files follow one rule (docs/import-formats.md), the one billing files
follow: a value read wrongly is worse than one refused."""

from decimal import Decimal

import pytest

from greenroom.lib.imports.values import BadValue, as_money


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234.50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("$1,234.50", "1234.50"),
        ("1.234,50 €", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1.234.567", "1234567.00"),
        ("12,50", "12.50"),
        ("EUR 99", "99.00"),
    ],
)
def test_it_reads_each_separator_style(text, amount):
    assert as_money(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["1,234,5", "1e5", "ten", "-5", "(12.00)"])
def test_it_refuses_what_would_need_a_guess_or_is_negative(text):
    with pytest.raises(BadValue):
        as_money(text)
