"""Turn one imported text value into a typed value, or say what is wrong with it.

Every parser takes the text as read (CSV and XLSX cells alike come out as stripped strings)
and raises ``BadValue`` with a message that says what was expected; the caller adds the
place (file, row, field) when it reports the problem.
"""

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

TRUE = {"yes", "y", "true", "1", "x", "opted in", "granted", "checked"}
FALSE = {"no", "n", "false", "0", "", "opted out", "withdrawn", "unchecked"}


class BadValue(ValueError):
    """A value that cannot be read; the message says what was expected."""


def as_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise BadValue(f"'{value}' is not yes or no")


def as_int(value: str) -> int | None:
    if not value:
        return None
    try:
        number = int(value.replace(",", "").replace(" ", ""))
    except ValueError:
        raise BadValue(f"'{value}' is not a whole number") from None
    if number < 0:
        raise BadValue(f"'{value}' must not be negative")
    return number


# The amount rule billing files follow too (sources/connectors/billing.py, in SQL there):
# each separator style that can be read without guessing, as a pattern and what to do with it.
_AMOUNT_AROUND = re.compile(r"[\s'\u00a0$€£¥₹]|^[A-Za-z]{1,3}|[A-Za-z]{1,3}$")
_AMOUNT_STYLES = (
    (re.compile(r"\d+(\.\d+)?"), lambda n: n),  # 1234.50; a single point is a decimal point
    (re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?"), lambda n: n.replace(",", "")),  # 1,234.50
    (  # 1.234,50 and 1.234.567: points group thousands
        re.compile(r"\d{1,3}(\.\d{3})+,\d+|\d{1,3}(\.\d{3}){2,}"),
        lambda n: n.replace(".", "").replace(",", "."),
    ),
    (re.compile(r"\d+,\d{1,2}"), lambda n: n.replace(",", ".")),  # 12,50: a decimal comma
)


def as_money(value: str) -> Decimal | None:
    """A non-negative amount in major units, read by the rule in docs/import-formats.md:
    ``1,234.50``, ``1.234,50 €``, ``$1,234.50`` and ``12,50`` are read; anything that would
    need a guess (``1,234,5``) is refused rather than read wrongly."""
    if not value:
        return None
    text = _AMOUNT_AROUND.sub("", value.strip())
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    number = text.strip("()-")
    normal = next((normal for pattern, normal in _AMOUNT_STYLES if pattern.fullmatch(number)), None)
    if normal is None:
        raise BadValue(f"'{value}' is not an amount (e.g. 1234.50, 1,234.50 or 1.234,50)")
    if negative:
        raise BadValue(f"'{value}' is out of range (a negative amount)")
    amount = Decimal(normal(number)).quantize(Decimal("0.01"))
    if amount >= Decimal("1e12"):
        raise BadValue(f"'{value}' is out of range")
    return amount


def as_email(value: str) -> str:
    email = value.strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise BadValue(f"'{value}' is not a valid email address") from None
    return email


def as_datetime(value: str) -> datetime:
    text = value.strip()
    if not text:
        raise BadValue("is required")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), time())
        except ValueError:
            raise BadValue(f"'{value}' is not a date; use YYYY-MM-DD or ISO 8601") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_domain(value: str) -> str:
    """A website reduced to its host: ``https://www.Acme.com/about`` → ``acme.com``."""
    text = value.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text)
    return text.removeprefix("www.").split("/", 1)[0]


def as_country(value: str) -> str:
    """An ISO 3166 alpha-2 code from a code or an English country name."""
    text = value.strip()
    if not text:
        return ""
    if len(text) == 2 and pycountry.countries.get(alpha_2=text.upper()):
        return text.upper()
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        raise BadValue(f"'{value}' is not a country name or ISO code") from None


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def as_choice(
    value: str, choices: type[models.TextChoices], aliases: Mapping[str, str] | None = None
) -> str:
    """A choice of a Django choices class from its value or label, in any case and spacing;
    ``aliases`` maps other words (letters only, lower case) to a value."""
    found = _choice_index(choices).get(_letters(value))
    if found is None and aliases:
        found = aliases.get(_letters(value))
    if found is None:
        raise BadValue(f"'{value}' is not one of {', '.join(choices.values)}")
    return found


@cache
def _choice_index(choices: type[models.TextChoices]) -> dict[str, str]:
    # Built once per choices class: imports look up the same few values 100,000 times.
    index: dict[str, str] = {}
    for choice_value, label in choices.choices:
        index[_letters(choice_value)] = index[_letters(label)] = choice_value
    return index
