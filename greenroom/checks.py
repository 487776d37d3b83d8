"""System checks for Greenroom's configuration, with stable ids (greenroom.E0xx / W0xx).

``greenroom check`` runs them; ``greenroom check --deploy`` adds Django's deployment checks.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from greenroom.lib import env, proxyheaders


@register(Tags.compatibility)
def environment_values(app_configs, **kwargs) -> list:
    """Every environment variable that could not be understood."""
    return [
        Error(
            f"{problem.variable}={problem.value!r} is not valid: {problem.message}.",
            hint="Fix or unset the variable; see docs/configuration.md.",
            id="greenroom.E001",
        )
        for problem in env.problems
    ]


@register(Tags.compatibility)
def data_folder_writable(app_configs, **kwargs) -> list:
    """The data folder holds the database, uploads and the analytics store."""
    folder = Path(settings.DATA_DIR)
    probe = folder if folder.exists() else folder.parent
    if os.access(probe, os.W_OK):
        return []
    return [
        Error(
            f"The data folder {folder} cannot be written to.",
            hint="Set GREENROOM_DATA_DIR to a folder this user can write, or fix its permissions.",
            id="greenroom.E002",
        )
    ]


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs) -> list:
    """What a production deployment must set explicitly."""
    problems: list[CheckMessage] = []
    if not os.environ.get("GREENROOM_ALLOWED_HOSTS"):
        problems.append(
            Warning(
                "GREENROOM_ALLOWED_HOSTS is not set, so only localhost is served.",
                hint="Set it to the host names users reach Greenroom by, comma-separated.",
                id="greenroom.W001",
            )
        )
    if settings.DEBUG:
        problems.append(
            Error(
                "GREENROOM_DEBUG is on; it shows internals to visitors.",
                hint="Unset GREENROOM_DEBUG in production.",
                id="greenroom.E003",
            )
        )
    if not settings.BASE_URL:
        problems.append(
            Warning(
                "GREENROOM_BASE_URL is not set, so emails sent by jobs (the weekly digest) "
                "carry no links to Greenroom's pages.",
                hint="Set it to the address users reach Greenroom at, e.g. "
                "https://greenroom.example.com.",
                id="greenroom.W005",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning(
                "The database is SQLite. That is fine for one server and a small team; "
                "use PostgreSQL for more.",
                hint="Set GREENROOM_DATABASE_URL=postgres://user:password@host:5432/greenroom.",
                id="greenroom.W002",
            )
        )
    return problems


@register(Tags.compatibility)
def source_folders(app_configs, **kwargs) -> list:
    """The folders sources may read: each must exist, and none may hold the data folder."""
    problems: list[CheckMessage] = []
    data = Path(settings.DATA_DIR).resolve()
    configured = bool(os.environ.get("GREENROOM_SOURCE_FOLDERS", "").strip())
    for folder in settings.SOURCES_FILE_ROOTS:
        resolved = Path(folder).resolve()
        if data.is_relative_to(resolved):
            problems.append(
                Error(
                    f"The source folder {folder} holds the data folder {data}, so sources "
                    "set up on the web could read the secret key and the database; it is "
                    "ignored.",
                    hint="List folders beside or inside the data folder in "
                    "GREENROOM_SOURCE_FOLDERS, never one that contains it.",
                    id="greenroom.E010",
                )
            )
        elif configured and not resolved.is_dir():
            problems.append(
                Warning(
                    f"The source folder {folder} does not exist (or is not a folder), so "
                    "sources cannot read from it.",
                    hint="Create it, or correct GREENROOM_SOURCE_FOLDERS.",
                    id="greenroom.W010",
                )
            )
    return problems


@register(Tags.security)
def proxy_headers_without_proxy(app_configs, **kwargs) -> list:
    """Proxy headers the web server saw while the configuration says no proxy is in front."""
    seen = proxyheaders.observed()
    found = []
    address = sorted(set(seen) & set(proxyheaders.ADDRESS_HEADERS.values()))
    if address and settings.PROXY_COUNT == 0:
        found.append(
            Warning(
                f"Requests arrived with {_sightings(seen, address)}, but GREENROOM_PROXY_COUNT "
                "is 0: every client then has the proxy's address, so one client's failed "
                "sign-ins pause sign-in for all.",
                hint=_proxy_hint("GREENROOM_PROXY_COUNT to the number of proxies"),
                id="greenroom.W003",
            )
        )
    scheme = sorted(set(seen) & set(proxyheaders.SCHEME_HEADERS.values()))
    if scheme and not settings.BEHIND_PROXY:
        found.append(
            Warning(
                f"Requests arrived with {_sightings(seen, scheme)}, but GREENROOM_BEHIND_PROXY "
                "is off: requests that reached the proxy over HTTPS look like plain HTTP.",
                hint=_proxy_hint("GREENROOM_BEHIND_PROXY=1 if the proxy terminates TLS"),
                id="greenroom.W004",
            )
        )
    return found


def _sightings(seen: dict[str, str], names: list[str]) -> str:
    return ", ".join(f"{name} (last noted {seen[name]})" for name in names)


def _proxy_hint(setting: str) -> str:
    return (
        f"If a proxy sits in front of Greenroom, set {setting}. If none does, a client sent "
        f"these headers itself; delete {proxyheaders.observations_file()} to forget them."
    )
