"""Turn one imported text value into a typed value, or say what is wrong with it."""

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from greenroom.customers.choices import LifecycleStage, OutreachKind, OutreachOutcome

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


def as_money(value: str) -> Decimal | None:
    if not value:
        return None
    cleaned = re.sub(r"[^\d.\-]", "", value.replace(",", ""))
    try:
        amount = Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise BadValue(f"'{value}' is not an amount") from None
    if amount < 0 or amount >= Decimal("1e12"):
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
    text = value.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text)
    return text.removeprefix("www.").split("/", 1)[0]


_LIFECYCLE_WORDS = (
    ("former", LifecycleStage.CHURNED),
    ("churn", LifecycleStage.CHURNED),
    ("customer", LifecycleStage.CUSTOMER),
    ("trial", LifecycleStage.TRIAL),
    ("opportunity", LifecycleStage.PROSPECT),
    ("prospect", LifecycleStage.PROSPECT),
    ("qualified", LifecycleStage.PROSPECT),
    ("lead", LifecycleStage.LEAD),
    ("subscriber", LifecycleStage.LEAD),
)


def as_lifecycle(value: str) -> str:
    """CRM lifecycle labels (Salesforce 'Customer - Direct', HubSpot 'customer') → ours."""
    lowered = value.strip().lower()
    if not lowered:
        return LifecycleStage.CUSTOMER
    for word, stage in _LIFECYCLE_WORDS:
        if word in lowered:
            return stage
    return LifecycleStage.OTHER


def _normal(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def as_choice(value: str, choices: type, aliases: dict[str, str] | None = None) -> str:
    """A choice from its value or label, in any case and spacing."""
    found = _choice_index(choices).get(_normal(value))
    if found is None and aliases:
        found = aliases.get(_normal(value))
    if found is None:
        raise BadValue(f"'{value}' is not one of {', '.join(choices.values)}")
    return found


@cache
def _choice_index(choices: type) -> dict[str, str]:
    # Built once per choices class: imports look up the same few values 100,000 times.
    index = {}
    for choice_value, label in choices.choices:
        index[_normal(choice_value)] = index[_normal(label)] = choice_value
    return index


OUTREACH_KIND_ALIASES = {
    "prototype": OutreachKind.PROTOTYPE_TEST,
    "usabilitytest": OutreachKind.PROTOTYPE_TEST,
    "beta": OutreachKind.BETA_INVITE,
    "interviews": OutreachKind.INTERVIEW,
    "surveys": OutreachKind.SURVEY,
}
OUTCOME_ALIASES = {"noreply": OutreachOutcome.NO_RESPONSE, "done": OutreachOutcome.COMPLETED}
RESEARCH_KIND_ALIASES = {
    "interview": "interview",
    "survey": "survey",
    "prototype": "prototype_test",
    "prototypetest": "prototype_test",
    "betas": "beta",
    "betainvite": "beta",
}
