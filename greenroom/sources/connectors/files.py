"""Reading files the way users export them: found by path or uploaded, scanned before loading.

The scan reads the raw bytes once, in large chunks, to find what DuckDB would otherwise fail
on or silently accept: invalid UTF-8 (reported with line and byte offset), CRLF line ends
(accepted, noted) and a truncated last line (left out and reported, so nothing half-loaded).

A file's cursor is a fingerprint of its first bytes plus the byte offset loaded so far: a file
that grows (an append-only JSON lines export) is read from where the last sync stopped; a
file whose head changed is a new file and is read from the start (merges are idempotent).
"""

import csv
import hashlib
import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from greenroom.lib.imports.report import Problem
from greenroom.sources.paths import FILE_SUFFIXES, PACKED_SUFFIXES, contained, path_matches

CHUNK = 16 * 1024 * 1024
HEAD_BYTES = 64 * 1024
MAX_BAD_BYTES_REPORTED = 100


def upload_dir(workspace_id: int, source_name: str) -> Path:
    """Where files uploaded to a source are kept until (and after) they are loaded."""
    return Path(settings.MEDIA_ROOT) / "sources" / f"workspace-{int(workspace_id)}" / source_name


def source_files(
    workspace_id: int, source_name: str, path_setting: str, *, trusted: bool
) -> list[Path]:
    """The files a file source reads: its ``path`` (a file, folder or glob) and its uploads.

    Unless ``trusted`` (set on the server's command line), every file the path matches is
    checked against the allowed folders again, now: a link or a glob match may have appeared
    since the path was set (OutsideFolders).
    """
    found = path_matches(path_setting)
    if not trusted:
        found = contained(found)
    uploads = upload_dir(workspace_id, source_name)
    if uploads.is_dir():
        # Packed files are only ever uploaded to sources that read them (services.py).
        readable = FILE_SUFFIXES | PACKED_SUFFIXES
        found += sorted(p for p in uploads.iterdir() if p.suffix.lower() in readable)
    return found


def fingerprint(path: Path, length: int = HEAD_BYTES) -> str:
    """A hash of the file's first ``length`` bytes (at most 64 KiB): the part already read,
    which stays the same while a file only grows."""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read(min(length, HEAD_BYTES))).hexdigest()[:32]


@dataclass
class Scan:
    """What the byte scan found in ``[start, size)`` of a file."""

    path: Path
    start: int
    size: int
    first_line: int
    end: int = 0  # where complete lines end; the load reads [start, end)
    lines: int = 0
    crlf: int = 0
    errors: list[Problem] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)
    header: bytes = b""
    truncated_line: bytes = b""


def scan(path: Path, start: int, *, has_header: bool, first_line: int = 1) -> Scan:
    """Scan ``path`` from byte ``start`` for bad UTF-8, CRLF and an unfinished last line.

    The file is read into one reused buffer, and each chunk's complete lines are looked at
    where they lie: no chunk is copied (a pending line joined to the next chunk, the complete
    lines sliced off) nor decoded to text unless it holds a byte beyond ASCII. Fresh 16 MiB
    copies cost more than the counting itself (page faults on every new allocation).
    """
    size = path.stat().st_size
    result = Scan(path=path, start=start, size=size, first_line=first_line)
    if has_header:
        result.header = _first_line(path)
    line_no = first_line
    buffer = bytearray(CHUNK)
    held = 0  # the start of an unfinished line, kept at the front of the buffer
    offset = start  # the file's byte offset of buffer[0]
    with open(path, "rb", buffering=0) as handle:
        handle.seek(start)
        while read := _read_into(handle, buffer, held):
            filled = held + read
            cut = buffer.rfind(b"\n", 0, filled) + 1
            if cut:
                _check_utf8(result, buffer, offset, line_no, end=cut)
                # Counting a two-byte pattern is slow; most files have no \r (fast to see).
                if buffer.find(b"\r", 0, cut) >= 0:
                    result.crlf += buffer.count(b"\r\n", 0, cut)
                line_no += buffer.count(b"\n", 0, cut)
                buffer[: filled - cut] = buffer[cut:filled]
                offset += cut
            held = filled - cut
    pending = bytes(buffer[:held])
    result.lines = line_no - first_line
    result.end = size - len(pending)
    if pending:
        _last_line(result, pending, line_no)
    if result.crlf:
        result.notices.append(
            f"{path.name}: {result.crlf} lines end with CRLF (Windows line ends); accepted."
        )
    return result


def _read_into(handle: Any, buffer: bytearray, held: int) -> int:
    """Read the next bytes into ``buffer`` after the ``held`` ones; grown when a line is
    longer than it. Returns how many were read (0 at the end of the file)."""
    if held == len(buffer):
        buffer.extend(bytes(len(buffer)))
    with memoryview(buffer) as view:
        return handle.readinto(view[held:]) or 0


def _check_utf8(
    result: Scan, data: bytes | bytearray, base: int, line_no: int, *, end: int | None = None
) -> None:
    """Report the lines of ``data[:end]`` holding bytes that are not UTF-8, once each."""
    end = len(data) if end is None else end
    # Only a shortcut (the whole buffer, past ``end`` too): ASCII is UTF-8.
    if data.isascii():
        return
    position = 0
    while True:
        try:
            # Decoded in place: a slice of a memoryview is no copy.
            with memoryview(data) as view:
                str(view[position:end], "utf-8")
            return
        except UnicodeDecodeError as error:
            bad = position + error.start
            line = line_no + data.count(b"\n", 0, bad)
            result.bad_lines.add(line)
            if len(result.errors) < MAX_BAD_BYTES_REPORTED:
                result.errors.append(
                    Problem(
                        file=result.path.name,
                        row=line,
                        field="(encoding)",
                        message=f"invalid UTF-8 byte 0x{data[bad]:02x} at byte offset {base + bad}",
                    )
                )
            # Go on after the end of the bad line: one report per line is enough.
            next_line = data.find(b"\n", bad, end)
            if next_line < 0:
                return
            position = next_line + 1


def _last_line(result: Scan, tail: bytes, line_no: int) -> None:
    # A last line without a line end is complete if it parses; else it is still being
    # written (or was cut off): leave it for the next sync and say so.
    if _is_complete(result, tail):
        result.end = result.size
        result.lines += 1
        _check_utf8(result, tail, result.size - len(tail), line_no)
        return
    result.truncated_line = tail
    result.notices.append(
        f"{result.path.name}: line {line_no} is incomplete (no line end and cut short, "
        f"{len(tail)} bytes); it was not loaded and will be read once the file is complete."
    )


def _is_complete(result: Scan, tail: bytes) -> bool:
    text = tail.decode("utf-8", errors="replace").strip()
    if not text:
        return True
    if not result.header:
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    header = next(csv.reader(io.StringIO(result.header.decode("utf-8", "replace"))), [])
    try:
        fields = next(csv.reader(io.StringIO(text), strict=True), [])
    except csv.Error:
        return False
    return len(fields) >= len(header) and text.count('"') % 2 == 0


def _first_line(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.readline()


def slice_for_reading(found: Scan, *, drop_lines: set[int] | None = None) -> Path:
    """The file itself when it is read whole, else a temporary copy of the part to read.

    The copy keeps the header (CSV) and cleans dropped lines, so line numbers still match;
    the reader deletes the dropped rows once numbered.
    """
    whole = found.start == 0 and found.end == found.size and not drop_lines
    if whole:
        return found.path
    with (
        tempfile.NamedTemporaryFile(
            "wb", suffix=found.path.suffix, delete=False, prefix="greenroom-slice-"
        ) as handle,
        open(found.path, "rb") as source,
    ):
        if found.start > 0 and found.header:
            handle.write(found.header)
        source.seek(found.start)
        remaining = found.end - found.start
        line_no = found.first_line
        while remaining > 0:
            data = source.read(min(CHUNK, remaining))
            remaining -= len(data)
            if drop_lines:
                data, line_no = _blank_lines(data, line_no, drop_lines)
            handle.write(data)
    return Path(handle.name)


def _blank_lines(data: bytes, line_no: int, drop: set[int]) -> tuple[bytes, int]:
    # The dropped lines stay (so DuckDB, which skips empty CSV lines, numbers the rest right)
    # with their bad bytes replaced; the reader then deletes them by number. A line split
    # across two chunks is cleaned in both halves.
    lines = data.split(b"\n")
    for index in range(len(lines)):
        if line_no + index in drop:
            lines[index] = lines[index].decode("utf-8", errors="replace").encode("utf-8")
    return b"\n".join(lines), line_no + len(lines) - 1


def read_lines(found: Scan, rows: set[int]) -> dict[int, str]:
    """The text of the given line numbers of a scanned file (for quarantined rows)."""
    wanted = {row for row in rows if row >= found.first_line}
    lines: dict[int, str] = {}
    if not wanted:
        return lines
    last = max(wanted)
    with open(found.path, "rb") as handle:
        handle.seek(found.start)
        for line_no, line in enumerate(handle, start=found.first_line):
            if line_no in wanted:
                lines[line_no] = line.rstrip(b"\r\n").decode("utf-8", errors="replace")
            if line_no >= last:
                break
    return lines


def file_cursor(cursor: dict[str, Any], path: Path) -> tuple[int, int]:
    """Where to resume reading ``path``: (byte offset, line number of that offset)."""
    state = cursor.get("files", {}).get(str(path))
    if not state or not file_unchanged(path, state):
        return 0, 1
    return state.get("offset", 0), state.get("next_line", 1)


def file_unchanged(path: Path, state: dict[str, Any]) -> bool:
    """Whether the part of ``path`` a cursor says was read is still there, byte for byte."""
    offset = state.get("offset", 0)
    if offset > path.stat().st_size:
        return False
    return state.get("head") == fingerprint(path, offset)


def advance(cursor: dict[str, Any], path: Path, *, offset: int, next_line: int) -> dict[str, Any]:
    """A new cursor with ``path`` read up to ``offset``."""
    files = dict(cursor.get("files", {}))
    files[str(path)] = {
        "head": fingerprint(path, offset),
        "offset": offset,
        "next_line": next_line,
    }
    return {**cursor, "files": files}
