"""The settings each kind of source accepts, checked when a source is created or changed.

Secrets are never stored here: the Stripe API key is read from the environment variable the
``api_key_env`` setting names.
"""

from typing import Any

from django.core.exceptions import ValidationError

from greenroom.sources.choices import SourceKind
from greenroom.sources.currencies import CURRENCIES

FILE_SETTINGS = {
    "path": "A file, folder or glob on the server to read (uploads are read too).",
    "quarantine": "Keep bad rows aside and load the good ones (default: reject the batch).",
}
TABLE_SETTINGS = {
    "columns": 'Map a field to your file\'s column name, e.g. {"cost_centre": "Dept"}.',
    "date_format": "strptime format of dates when not ISO 8601, e.g. %d/%m/%Y.",
    "currency": "ISO 4217 currency of amounts when the file has no currency column.",
}
BILLING_LINE_SETTINGS = {
    "interval": "Billing interval when the file has none: month, year, week, day or quarter.",
}
EVENT_SETTINGS = {
    "product_property": "The event property holding the Greenroom product key (product).",
    "feature_property": "The event property naming the feature used (feature).",
    "default_product": "Product key for events without the property.",
    "group_type": "Amplitude / PostHog group type holding the account id (default: first).",
}
API_SETTINGS = {
    "base_url": "Stripe's API address (https://api.stripe.com).",
    "api_key_env": "Environment variable holding the secret key (STRIPE_API_KEY).",
    "objects": (
        "Which lists to read: products, prices, customers, subscriptions, invoices, "
        "credit_notes (all)."
    ),
    "events": "Read later changes to old objects from Stripe's events (default true).",
    "page_size": "Objects per page, 1 to 100.",
    "timeout_s": "Seconds before a request times out (30).",
    "max_attempts": "Attempts per request before the sync fails (5).",
    "backoff_s": "Seconds before the first retry, doubling each time (1).",
    "max_retry_delay_s": "Longest wait between retries, Retry-After included (30).",
}

ALLOWED: dict[str, dict[str, str]] = {
    SourceKind.SEGMENT: {**FILE_SETTINGS, **EVENT_SETTINGS},
    SourceKind.AMPLITUDE: {**FILE_SETTINGS, **EVENT_SETTINGS},
    SourceKind.POSTHOG: {**FILE_SETTINGS, **EVENT_SETTINGS, "columns": TABLE_SETTINGS["columns"]},
    SourceKind.STRIPE_FILES: FILE_SETTINGS,
    SourceKind.COSTS: {**FILE_SETTINGS, **TABLE_SETTINGS},
    SourceKind.HEADCOUNT: {**FILE_SETTINGS, **TABLE_SETTINGS},
    SourceKind.SALESFORCE: {**FILE_SETTINGS, **TABLE_SETTINGS},
    SourceKind.HUBSPOT: {**FILE_SETTINGS, **TABLE_SETTINGS},
    SourceKind.FX_RATES: {**FILE_SETTINGS, **TABLE_SETTINGS},
    SourceKind.STRIPE_API: API_SETTINGS,
    SourceKind.BILLING_CHARGES: {**FILE_SETTINGS, **TABLE_SETTINGS},
    SourceKind.BILLING_LINES: {**FILE_SETTINGS, **TABLE_SETTINGS, **BILLING_LINE_SETTINGS},
    SourceKind.RECURLY: {**FILE_SETTINGS, **TABLE_SETTINGS, **BILLING_LINE_SETTINGS},
}
API_OBJECTS = ("products", "prices", "customers", "subscriptions", "invoices", "credit_notes")
BILLING_INTERVALS = ("month", "quarter", "year", "week", "day")


def settings_clean(kind: str, settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` checked for ``kind``: unknown keys and bad values are a ValidationError."""
    if not isinstance(settings, dict):
        raise ValidationError({"settings": "Settings are a JSON object."})
    allowed = ALLOWED[kind]
    problems = [
        f"{key!r} is not a setting of this kind; use {', '.join(sorted(allowed))}."
        for key in settings
        if key not in allowed
    ]
    problems += _value_problems(settings)
    if problems:
        raise ValidationError({"settings": problems})
    return {key: value for key, value in settings.items() if value not in (None, "")}


def _value_problems(settings: dict[str, Any]) -> list[str]:
    problems = []
    if "path" in settings and not isinstance(settings["path"], str):
        problems.append("path is text: a file, folder or glob.")
    for key in ("quarantine", "events"):
        if key in settings and not isinstance(settings[key], bool):
            problems.append(f"{key} is true or false.")
    columns = settings.get("columns")
    if columns is not None and not (
        isinstance(columns, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items())
    ):
        problems.append("columns maps field names to column names (text to text).")
    currency = settings.get("currency")
    if currency and str(currency).upper() not in CURRENCIES:
        problems.append(f"currency {currency!r} is not an ISO 4217 code.")
    interval = settings.get("interval")
    if interval is not None and str(interval).lower() not in BILLING_INTERVALS:
        problems.append(f"interval is one of {', '.join(BILLING_INTERVALS)}.")
    objects = settings.get("objects")
    if objects is not None and (
        not isinstance(objects, list) or any(o not in API_OBJECTS for o in objects)
    ):
        problems.append(f"objects is a list of {', '.join(API_OBJECTS)}.")
    for key, low, high in (("page_size", 1, 100), ("max_attempts", 1, 20)):
        if key in settings and not (
            isinstance(settings[key], int) and low <= settings[key] <= high
        ):
            problems.append(f"{key} is a whole number from {low} to {high}.")
    for key in ("timeout_s", "backoff_s", "max_retry_delay_s"):
        if key in settings and not (
            isinstance(settings[key], int | float) and 0 < settings[key] <= 600
        ):
            problems.append(f"{key} is a number of seconds above 0.")
    return problems
