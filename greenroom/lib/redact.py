"""Server paths cut out of text shown to people who do not run the server.

Tracebacks, DuckDB errors and OS errors name files by their absolute path, which tells a
workspace's members how the server is laid out (and where its secret key lives). What they
need is which of *their* files is meant: a path under a folder users put files in, or under
the data folder, keeps its part below that folder; code keeps its place in its package
(``greenroom/sources/loader.py``, ``duckdb/__init__.py``); any other path keeps its name.
"""

import os
import re
import sysconfig
import tempfile
from functools import lru_cache
from pathlib import Path

from django.conf import settings

# An absolute path: a "/" that does not continue a word, a URL ("https://x/y") or a relative
# path ("a/b"), up to a space, a quote or punctuation that never ends a path in a message.
_ABSOLUTE = re.compile(r"(?<![\w/:.~-])/[^\s'\"`<>|,;()\[\]{}]+")


def redact_paths(text: str) -> str:
    """``text`` with every absolute server path shortened as the module docstring says."""
    if "/" not in text:
        return text
    return _ABSOLUTE.sub(lambda match: short_path(match.group(0)), text)


def short_path(path: str | Path) -> str:
    """One path as a user may see it: below the known folder holding it, else its name."""
    text = str(path)
    for folder in _folders():
        if text.startswith(folder):
            return text[len(folder) :] or Path(text).name
    parts = [part for part in text.split("/") if part]
    # "/etc" names no layout worth hiding; "/srv/app/data/secret.key" does.
    return parts[-1] if len(parts) > 1 else text


def _folders() -> tuple[str, ...]:
    # Settings change in tests, so the key is what they are now; each folder ends with "/",
    # longest first, so "<data>/imports/" wins over "<data>/".
    user_folders = (*settings.SOURCES_FILE_ROOTS, settings.MEDIA_ROOT, settings.DATA_DIR)
    return _folders_for(tuple(str(folder) for folder in user_folders))


@lru_cache(maxsize=8)
def _folders_for(user_folders: tuple[str, ...]) -> tuple[str, ...]:
    code = [
        str(Path(__file__).resolve().parents[2]),  # the checkout or site-packages: greenroom/…
        sysconfig.get_path("purelib"),
        sysconfig.get_path("platlib"),
        sysconfig.get_path("stdlib"),
        tempfile.gettempdir(),
    ]
    found = set()
    for folder in (*user_folders, *code):
        # Both spellings: text may carry the configured path or the one links resolve to.
        for spelling in (folder, os.path.realpath(folder)):
            if spelling.rstrip("/"):  # never "/" itself, which would keep every path whole
                found.add(spelling.rstrip("/") + "/")
    return tuple(sorted(found, key=len, reverse=True))
