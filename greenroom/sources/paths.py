"""Which server files a source may read, and keeping web- and API-made sources in their folders.

A source's ``path`` is a file, a folder or a glob. Set on the web or through the API it must
stay inside the folders the operator allows (``GREENROOM_SOURCE_FOLDERS``). Two checks keep
it there, because neither alone is enough:

- when the path is set, its fixed part (before any wildcard) is resolved (``..`` and
  symbolic links followed) and must lie in an allowed folder, ``..`` may not follow a
  wildcard (what it climbs out of is only known once the wildcard matches), and every file
  it matches right now must lie in one;
- every time the files are listed for a sync or a preview, each one is resolved again: a
  link added to the folder later, or a glob that starts matching one, must not let the
  source read outside.

The command line (``greenroom sources add``) is run by whoever runs the server and may read
anywhere; its sources are marked ``path_trusted``.
"""

import glob
import os
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from greenroom.lib.redact import short_path

GLOB_CHARS = "*?["
TEXT_SUFFIXES = {".jsonl", ".ndjson", ".json", ".csv", ".txt", ".tsv"}
FILE_SUFFIXES = TEXT_SUFFIXES | {".parquet"}
# Read by billing sources only (connectors/billing.py): uploads of these are refused elsewhere.
PACKED_SUFFIXES = {".gz", ".zip", ".xlsx"}
# Separators a browser, a Windows habit or a double decoder would read as "/" or "..".
_DISGUISED = re.compile(r"\\|%2f|%5c|%2e|[\x00-\x1f\x7f]", re.IGNORECASE)


class OutsideFolders(Exception):
    """A file a source matched lies outside the allowed folders (through a link or ``..``)."""

    def __init__(self, path: Path) -> None:
        self.name = short_path(path)
        super().__init__(
            f"{self.name} lies outside the folders sources may read (through a link or "
            "'..'), so nothing was read. Remove it from the folder, or ask whoever runs "
            "Greenroom to add its folder to GREENROOM_SOURCE_FOLDERS."
        )


def allowed_folders() -> list[Path]:
    """Folders a web- or API-made source may read; never one holding the data folder."""
    data = Path(settings.DATA_DIR).resolve()
    folders = (Path(folder).resolve() for folder in settings.SOURCES_FILE_ROOTS)
    # Such a folder would expose the secret key and the database; greenroom.E010 says so.
    return [folder for folder in folders if not data.is_relative_to(folder)]


def path_check(pattern: str) -> None:
    """A ValidationError unless ``pattern`` and every file it matches stay in the folders."""
    problem = _pattern_problem(pattern)
    if problem is None:
        try:
            contained(path_matches(pattern))
        except OutsideFolders as outside:
            problem = f"matches {outside.name}, which lies outside them (through a link)"
    if problem:
        folders = ", ".join(str(folder) for folder in allowed_folders()) or "(none configured)"
        raise ValidationError(
            {
                "settings": f"path {problem}. A path must be inside {folders}; upload the "
                "file instead, or add the source with 'greenroom sources add' on the server."
            }
        )


def _pattern_problem(pattern: str) -> str | None:
    if _DISGUISED.search(pattern):
        return "may not hold backslashes, encoded separators or control characters"
    expanded = Path(os.path.expanduser(pattern))
    if not expanded.is_absolute():
        return "must be absolute (start with /)"
    parts = expanded.parts
    first_glob = next(
        (i for i, part in enumerate(parts) if any(c in part for c in GLOB_CHARS)), len(parts)
    )
    if ".." in parts[first_glob:]:
        return "may not use '..' after a wildcard"
    fixed = Path(os.path.realpath(Path(*parts[:first_glob])))
    if not _inside(fixed, allowed_folders()):
        return "leads outside the folders sources may read"
    return None


def path_matches(pattern: str) -> list[Path]:
    """The files ``pattern`` names now: the file itself, a folder's data files, a glob's files."""
    if not pattern:
        return []
    target = Path(pattern).expanduser()
    if target.is_dir():
        return sorted(p for p in target.iterdir() if p.suffix.lower() in FILE_SUFFIXES)
    if any(char in pattern for char in GLOB_CHARS):
        return sorted(Path(p) for p in glob.glob(str(target)) if Path(p).is_file())
    return [target]


def contained(paths: list[Path]) -> list[Path]:
    """``paths`` resolved to the files they really are; OutsideFolders for one that escapes."""
    folders = allowed_folders()
    resolved = []
    for path in paths:
        real = Path(os.path.realpath(path))
        if not _inside(real, folders):
            raise OutsideFolders(path)
        resolved.append(real)
    return resolved


def _inside(path: Path, folders: list[Path]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)
