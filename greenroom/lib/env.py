"""Read typed settings from the environment, collecting mistakes instead of crashing.

Settings are imported before Django can report anything, so a bad value is remembered here
and surfaced by a system check (``greenroom.checks``) with a stable id and a clear message.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class ConfigProblem:
    variable: str
    value: str
    message: str


problems: list[ConfigProblem] = []

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """The raw value of ``name`` or ``default``."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean such as 1/0, true/false, yes/no, on/off; anything else is a problem."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    problems.append(ConfigProblem(name, raw, "expected one of 1/0, true/false, yes/no, on/off"))
    return default


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """A whole number, at least ``minimum`` when given; anything else is a problem."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(ConfigProblem(name, raw, "expected a whole number"))
        return default
    if minimum is not None and value < minimum:
        problems.append(ConfigProblem(name, raw, f"expected a whole number of at least {minimum}"))
        return default
    return value


_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$", re.IGNORECASE)
_SECONDS_PER = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def env_duration(name: str, default: str) -> int:
    """A positive duration in seconds, written ``45m``, ``12h``, ``14d``, ``2w`` or in seconds."""
    raw = os.environ.get(name)
    fallback = _seconds(default)
    assert fallback is not None, f"{name}: the default {default!r} is no duration"
    if raw is None or raw.strip() == "":
        return fallback
    seconds = _seconds(raw)
    if seconds is None:
        problems.append(ConfigProblem(name, raw, "expected a duration such as 45m, 12h or 14d"))
        return fallback
    return seconds


def _seconds(text: str) -> int | None:
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) == 0:
        return None
    return int(match.group(1)) * _SECONDS_PER[match.group(2).lower()]


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt])(i?)b\s*$", re.IGNORECASE)
_POWER = {"k": 1, "m": 2, "g": 3, "t": 4}


def env_size(name: str, default: str) -> str:
    """A memory size such as 3GB or 512MiB; anything else is a problem."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if _SIZE.match(raw):
        return raw.strip()
    problems.append(ConfigProblem(name, raw, "expected a size such as 3GB or 512MB"))
    return default


def size_bytes(text: str) -> int:
    """The bytes in a size read by ``env_size``: KB, MB, GB, TB in powers of 1000 and KiB,
    MiB... in powers of 1024, as DuckDB reads them."""
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"not a size: {text!r}")
    number, unit, binary = match.groups()
    return int(float(number) * (1024 if binary else 1000) ** _POWER[unit.lower()])


def env_bytes(name: str, default: str) -> int:
    """A size (see ``env_size``) in bytes; zero is a problem too."""
    size = size_bytes(env_size(name, default))
    if size > 0:
        return size
    problems.append(ConfigProblem(name, os.environ.get(name, ""), "expected a size above 0"))
    return size_bytes(default)


def size_text(size: int) -> str:
    """A size in bytes for people, in powers of 1000 like the settings: 100 MB, 2.5 GB."""
    for power, unit in ((4, "TB"), (3, "GB"), (2, "MB"), (1, "KB")):
        if size >= 1000**power:
            return f"{size / 1000**power:.3g} {unit}"
    return f"{size} bytes"


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list with blanks removed."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    """A filesystem path, made absolute."""
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


def env_paths(name: str, default: list[Path]) -> list[Path]:
    """A comma-separated list of filesystem paths, each made absolute."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [Path(item.strip()).expanduser().resolve() for item in raw.split(",") if item.strip()]


def env_base_url(name: str) -> str:
    """An http(s) address without query or fragment, its trailing slash removed ("" unset)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        problems.append(
            ConfigProblem(name, raw, "expected an address such as https://greenroom.example.com")
        )
        return ""
    return raw.rstrip("/")


def email_settings(url: str) -> dict[str, object]:
    """Django email settings from a URL: ``console:``, ``locmem:``, ``file:///dir``, ``smtp://``.

    ``smtp+tls://`` turns on STARTTLS and ``smtps://`` implicit TLS.
    """
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": parts.path,
        }
    if scheme in {"smtp", "smtp+tls", "smtps"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if scheme == "smtps" else 587),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": scheme == "smtp+tls",
            "EMAIL_USE_SSL": scheme == "smtps",
        }
    problems.append(
        ConfigProblem(
            "GREENROOM_EMAIL_URL",
            url,
            "expected console:, locmem:, file:///folder, smtp://, smtp+tls:// or smtps://",
        )
    )
    return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
