"""Collecting the static files, skipped when what was collected is current.

``collectstatic`` with WhiteNoise's compressed manifest storage hashes, rewrites and gzips
every file each time (seconds, on every ``greenroom serve`` and every demo build). The files
only change with the installed code, so when STATIC_ROOT's manifest is newer than every
source file and names each of them, with its hashed copy present, there is nothing to do.
"""

import json
from pathlib import Path

from django.apps import apps
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command


def static_collect() -> bool:
    """Collect the static files into STATIC_ROOT unless they are current; True when it did."""
    if static_current():
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    return True


def static_current() -> bool:
    """Whether STATIC_ROOT's manifest covers every static file as it is now."""
    storage = staticfiles_storage
    if not isinstance(storage, ManifestFilesMixin):
        return False  # no manifest (DEBUG serves the files where they are)
    manifest = Path(storage.path(storage.manifest_name))
    try:
        collected_at = manifest.stat().st_mtime
        paths = json.loads(manifest.read_text())["paths"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    ignored = apps.get_app_config("staticfiles").ignore_patterns  # as collectstatic ignores
    for finder in get_finders():
        for name, source in finder.list(ignored):
            hashed = paths.get(name.replace("\\", "/"))
            if hashed is None or not storage.exists(hashed):
                return False
            if Path(source.path(name)).stat().st_mtime > collected_at:
                return False
    return True
