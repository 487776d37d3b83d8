"""The quarter's board pack: ``content.build`` reads it, ``slides.deck`` and ``pdf.document``
write it, ``write`` puts both files in a folder (docs/board-pack.md)."""

import time
from pathlib import Path

from greenroom.accounts.models import Workspace
from greenroom.dashboards.boardpack import content, pdf, slides
from greenroom.dashboards.boardpack.content import BoardPackError, Pack, Progress

__all__ = ["BoardPackError", "Pack", "write"]


def write(
    *, workspace: Workspace, quarter: str, out: Path, progress: Progress | None = None
) -> tuple[Pack, list[Path]]:
    """Build the pack for ``quarter`` and write its .pptx and .pdf into ``out`` (created if
    missing); each file is written beside its final name and moved there, so a reader never
    sees half a file. Raises BoardPackError when the quarter has nothing to report."""
    step = progress or (lambda percent, text: None)
    started = time.monotonic()
    pack = content.build(workspace=workspace, quarter=quarter, progress=step)
    out.mkdir(parents=True, exist_ok=True)
    step(85, "Writing the PowerPoint deck")
    written = [_put(out / f"{pack.filename}.pptx", slides.deck(pack))]
    step(92, "Writing the PDF")
    written.append(_put(out / f"{pack.filename}.pdf", pdf.document(pack)))
    step(100, f"Written in {time.monotonic() - started:.1f} s")
    return pack, written


def _put(path: Path, data: bytes) -> Path:
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_bytes(data)
    scratch.replace(path)
    return path
