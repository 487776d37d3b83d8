"""Proxy headers that arrive while no proxy is configured, noted for ``greenroom check``.

System checks run offline in another process, so the web process writes what it saw to the
data folder and the checks (greenroom.W003 and W004) read it back.
"""

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

# What a proxy adds for the client's address, and for the scheme the client used.
ADDRESS_HEADERS = {
    "HTTP_X_FORWARDED_FOR": "X-Forwarded-For",
    "HTTP_X_REAL_IP": "X-Real-IP",
    "HTTP_FORWARDED": "Forwarded",
}
SCHEME_HEADERS = {"HTTP_X_FORWARDED_PROTO": "X-Forwarded-Proto"}


def observations_file() -> Path:
    """Where the headers seen are kept: ``proxy-headers-seen.json`` in the data folder."""
    return Path(settings.DATA_DIR) / "proxy-headers-seen.json"


def unexpected(meta: Mapping[str, str]) -> set[str]:
    """The proxy headers of a request that the configuration says no proxy sends."""
    names = set()
    if settings.PROXY_COUNT == 0:
        names |= {name for key, name in ADDRESS_HEADERS.items() if key in meta}
    if not settings.BEHIND_PROXY:
        names |= {name for key, name in SCHEME_HEADERS.items() if key in meta}
    return names


def note(names: set[str]) -> None:
    """Record that ``names`` were seen now; failing to write must not fail the request."""
    seen = observed()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    seen.update(dict.fromkeys(names, now))
    path = observations_file()
    # Written aside and renamed: web workers may note at the same moment.
    scratch = path.with_name(f"{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch.write_text(json.dumps(seen, indent=1, sort_keys=True))
        scratch.replace(path)
    except OSError as error:
        logger.warning("Could not note proxy headers in %s: %s", path, error)


def observed() -> dict[str, str]:
    """Each unexpected proxy header seen so far, with when it was last noted (UTC, ISO 8601)."""
    try:
        seen = json.loads(observations_file().read_text())
    except (OSError, ValueError):
        return {}
    return seen if isinstance(seen, dict) else {}
